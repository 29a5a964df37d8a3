namespace ZeroBuffer.Cli.Streaming;

/// <summary><c>read</c>'s input: the buffer's reader, which refuses a gap in the numbers (SequenceError).</summary>
internal sealed class ReaderInput(Reader reader) : IFrameInput
{
    public ulong? LastGap => null;

    public ulong? Missed => null;

    public ulong? Skipped => null;

    public bool TryReadFrame(TimeSpan timeout, out Frame frame, CancellationToken cancellationToken) => reader.TryReadFrame(timeout, out frame, cancellationToken);

    public ReadOnlySpan<byte> GetMetadata() => reader.GetMetadata();
}
