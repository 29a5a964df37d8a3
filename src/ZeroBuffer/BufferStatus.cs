namespace ZeroBuffer;

/// <summary>
/// A snapshot of a buffer's control block (OIEB), for diagnostics, tools and tests. Fields are
/// read one by one while the peers run, so a snapshot of a busy buffer is not atomic.
/// </summary>
public readonly record struct BufferStatus
{
    /// <summary>The buffer name.</summary>
    public required string Name { get; init; }

    /// <summary><c>oieb_size</c> (128 for protocol 1.x).</summary>
    public required uint OiebSize { get; init; }

    /// <summary>Protocol version stored in the block.</summary>
    public required Version ProtocolVersion { get; init; }

    /// <summary>M.</summary>
    public required ulong MetadataSize { get; init; }

    /// <summary><c>metadata_free_bytes</c>.</summary>
    public required ulong MetadataFreeBytes { get; init; }

    /// <summary><c>metadata_written_bytes</c> (8 + content length, or 0).</summary>
    public required ulong MetadataWrittenBytes { get; init; }

    /// <summary>P.</summary>
    public required ulong PayloadSize { get; init; }

    /// <summary><c>payload_free_bytes</c>.</summary>
    public required ulong PayloadFreeBytes { get; init; }

    /// <summary><c>payload_write_pos</c>.</summary>
    public required ulong WritePosition { get; init; }

    /// <summary><c>payload_read_pos</c>.</summary>
    public required ulong ReadPosition { get; init; }

    /// <summary><c>payload_written_count</c> (frames + explicit wrap markers).</summary>
    public required ulong WrittenCount { get; init; }

    /// <summary><c>payload_read_count</c> (frames + explicit wrap markers).</summary>
    public required ulong ReadCount { get; init; }

    /// <summary><c>writer_pid</c> (0 = none).</summary>
    public required ulong WriterPid { get; init; }

    /// <summary><c>reader_pid</c> (0 = none).</summary>
    public required ulong ReaderPid { get; init; }

    /// <summary>Bytes in use: written and not yet released, including skipped tails.</summary>
    public ulong UsedBytes => PayloadFreeBytes <= PayloadSize ? PayloadSize - PayloadFreeBytes : 0;

    /// <summary>Used fraction of the ring, 0..1.</summary>
    public double Utilization => PayloadSize == 0 ? 0 : (double)UsedBytes / PayloadSize;
}
