namespace ZeroBuffer.Cli.Streaming;

/// <summary>
/// How <c>read</c> and <c>subscribe</c> create their buffer and take its frames
/// (<see cref="ReceiveOptions"/>): its sizes and access; when to end (a count, a
/// timeout, or never with <see cref="KeepGoing"/>); what to do with each frame (hash it, hold it,
/// pass it on to stdout or files).
/// </summary>
internal sealed record ReceiveSettings(
    long MetadataSize, long PayloadSize, long Count, TimeSpan? Timeout, bool Hash, int DelayMs, bool KeepGoing,
    string? OutputFormat, DirectoryInfo? OutputDir, BufferAccess Access)
{
    /// <summary>The buffer to create.</summary>
    internal BufferConfig Config => new(MetadataSize, PayloadSize) { Access = Access };
}
