namespace ZeroBuffer.Topics;

/// <summary>A subscriber joined or left a topic (<see cref="Publisher.SubscriberJoined"/>, <see cref="Publisher.SubscriberLeft"/>).</summary>
public sealed class SubscriberEventArgs : EventArgs
{
    /// <summary>Creates the event data.</summary>
    public SubscriberEventArgs(SubscriberStatus subscriber, Exception? reason = null)
    {
        Subscriber = subscriber;
        Reason = reason;
    }

    /// <summary>The subscriber, with its counts at that moment.</summary>
    public SubscriberStatus Subscriber { get; }

    /// <summary>For a departure: how it was seen (<see cref="ReaderClosedException"/> for a clean leave, <see cref="ReaderDeadException"/> for a crash).</summary>
    public Exception? Reason { get; }
}
