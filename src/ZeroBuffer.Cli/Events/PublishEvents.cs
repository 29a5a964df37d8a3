using ZeroBuffer.Topics;

namespace ZeroBuffer.Cli.Events;

/// <summary><c>publish</c>: this process is the topic's publisher, connected to the subscribers already there.</summary>
internal sealed record PublisherReadyEvent(string Topic, int Pid, int Subscribers) : CliEvent("ready")
{
    internal override string HumanText => $"Publishing topic '{Topic}'; PID {Pid}; {Subscribers} subscriber(s) connected.";
}

/// <summary><c>publish --subscribers N</c>: fewer than N subscribers are connected; the first frame waits for them (said once).</summary>
internal sealed record WaitingForSubscribersEvent(int Subscribers, int Connected) : CliEvent("waiting")
{
    internal override string HumanText => $"Waiting for {Subscribers} subscriber(s) ({Connected} connected)...";
}

/// <summary>One subscriber as the publisher sees it: its buffer, id and policy, and (in <c>done</c>) its counts.</summary>
internal sealed record SubscriberCounts(string Buffer, string Id, string Policy, ulong Delivered, ulong Dropped)
{
    internal static SubscriberCounts Of(SubscriberStatus status) =>
        new(status.BufferName, status.Id, TopicNames.PolicyName(status.Policy), status.FramesDelivered, status.FramesDropped);
}

/// <summary><c>publish</c>: a subscriber was connected (its buffer has the topic's metadata by then).</summary>
internal sealed record SubscriberJoinedEvent(string Buffer, string Id, string Policy) : CliEvent("joined")
{
    internal static SubscriberJoinedEvent Of(SubscriberStatus status) => new(status.BufferName, status.Id, TopicNames.PolicyName(status.Policy));

    internal override string HumanText => $"Subscriber '{Id}' joined ({Policy}, buffer '{Buffer}').";
}

/// <summary>
/// <c>publish</c>: a subscriber left (<c>reason</c> ReaderClosed) or died (ReaderDead), with its
/// final counts: frames delivered to it, and dropped for it (its ring was full).
/// </summary>
internal sealed record SubscriberLeftEvent(string Buffer, string Id, string Policy, ulong Delivered, ulong Dropped, string Reason) : CliEvent("left")
{
    internal static SubscriberLeftEvent Of(SubscriberStatus status, Exception? reason) => new(
        status.BufferName, status.Id, TopicNames.PolicyName(status.Policy), status.FramesDelivered, status.FramesDropped,
        reason is ZeroBufferException error ? error.Kind.ToString() : nameof(ZeroBufferErrorKind.ReaderDead));

    internal override string HumanText => $"Subscriber '{Id}' left ({Reason}): {Delivered} frames delivered, {Dropped} dropped.";
}

/// <summary><c>publish</c>: every frame published (EXIT excluded), with the counts of each subscriber connected now.</summary>
internal sealed record PublishDoneEvent(long Frames, long Bytes, IReadOnlyList<SubscriberCounts> Subscribers) : CliEvent("done")
{
    internal override string HumanText => $"Done: {Frames} frames, {Bytes} bytes."
        + string.Concat(Subscribers.Select(s => $"\n  subscriber '{s.Id}' ({s.Policy}): {s.Delivered} delivered, {s.Dropped} dropped"));
}
