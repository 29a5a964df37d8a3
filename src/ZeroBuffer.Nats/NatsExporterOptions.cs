namespace ZeroBuffer.Nats;

/// <summary>How a <see cref="NatsExporter"/> publishes its buffer's frames.</summary>
public sealed class NatsExporterOptions
{
    /// <summary>The subject prefix <c>P</c> (required): frames go to <c>P.frame</c> (<see cref="BridgeSubjects"/>).</summary>
    public required string Subject { get; init; }

    /// <summary>Core NATS (default) or JetStream.</summary>
    public BridgeMode Mode { get; init; } = BridgeMode.Core;

    /// <summary>
    /// The largest chunk payload in bytes; null (default) uses the server's <c>max_payload</c>
    /// less 1 KiB for headers. Smaller chunks interleave better with other traffic.
    /// </summary>
    public int? MaxChunkSize { get; init; }

    /// <summary>The stream, in <see cref="BridgeMode.JetStream"/>.</summary>
    public NatsJetStreamOptions JetStream { get; init; } = new();

    /// <summary>
    /// The longest pause between two attempts of a JetStream publish that failed (default 2 s;
    /// the pauses double from 50 ms). The frame stays in the local ring meanwhile.
    /// </summary>
    public TimeSpan MaxRetryPause { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Frames to export before the exporter stops by itself (null, the default: no limit). It
    /// stops right after that frame was published whole, and publishes the end of the stream
    /// (<c>stopped</c>), so the importer's side ends there too; frames written after it stay in the ring.
    /// </summary>
    public long? MaxFrames { get; init; }

    /// <summary>
    /// Whether the exporter stops by itself once the local writer's stream ended (default false:
    /// it goes on with the next local writer). Every frame the writer committed is exported first,
    /// then the end is published (<see cref="NatsExporter.StreamEnded"/>) and the exporter completes.
    /// </summary>
    public bool StopAtEndOfStream { get; init; }

    internal void Validate()
    {
        BridgeSubjects.Validate(Subject);
        if (MaxChunkSize is int size)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(size, 1, nameof(MaxChunkSize));
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MaxRetryPause, TimeSpan.Zero, nameof(MaxRetryPause));
        if (MaxFrames is long frames)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(frames, 1, nameof(MaxFrames));
        }

        JetStream.Validate();
    }
}
