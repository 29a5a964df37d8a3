using ZeroBuffer.Topics;

namespace ZeroBuffer.Cli.Streaming;

/// <summary><c>subscribe</c>'s input: the topic's subscriber, which counts the gaps the publisher left and the frames it skipped.</summary>
internal sealed class SubscriberInput(Subscriber subscriber) : IFrameInput
{
    public ulong? LastGap => subscriber.LastGap;

    public ulong? Missed => subscriber.FramesMissed;

    public ulong? Skipped => subscriber.FramesSkipped;

    public bool TryReadFrame(TimeSpan timeout, out Frame frame, CancellationToken cancellationToken) => subscriber.TryReadFrame(timeout, out frame, cancellationToken);

    public ReadOnlySpan<byte> GetMetadata() => subscriber.GetMetadata();
}
