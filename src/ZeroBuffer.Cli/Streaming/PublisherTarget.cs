using ZeroBuffer.Topics;

namespace ZeroBuffer.Cli.Streaming;

/// <summary>
/// <c>publish</c>'s target: the topic's publisher. A frame's number is the topic's (1 for the
/// first frame published), whatever number each subscriber's buffer gives it.
/// </summary>
internal sealed class PublisherTarget(Publisher publisher) : IFrameTarget
{
    public Span<byte> Claim(int size, CancellationToken cancellationToken, out ulong sequence)
    {
        sequence = publisher.FramesPublished + 1; // this thread is the only one publishing
        return publisher.GetFrameBuffer(size, cancellationToken);
    }

    public void Commit() => publisher.CommitFrame();

    public void Abort() => publisher.AbortFrame();

    public ulong Write(ReadOnlySpan<byte> payload, CancellationToken cancellationToken)
    {
        ulong sequence = publisher.FramesPublished + 1;
        publisher.Publish(payload, cancellationToken);
        return sequence;
    }
}
