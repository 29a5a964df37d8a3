namespace ZeroBuffer.Cli.Streaming;

/// <summary><c>write</c>'s target: the buffer's writer; a frame's number is the buffer's sequence.</summary>
internal sealed class WriterTarget(Writer writer) : IFrameTarget
{
    /// <remarks>The claim waits for ring space at most <see cref="Writer.WriteTimeout"/>, and takes no token: a stop is seen before it.</remarks>
    public Span<byte> Claim(int size, CancellationToken cancellationToken, out ulong sequence)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return writer.GetFrameBuffer(size, out sequence);
    }

    public void Commit() => writer.CommitFrame();

    public void Abort() => writer.AbortFrame();

    public ulong Write(ReadOnlySpan<byte> payload, CancellationToken cancellationToken)
    {
        ulong sequence = writer.NextSequence;
        writer.WriteFrame(payload, cancellationToken);
        return sequence;
    }
}
