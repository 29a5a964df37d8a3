namespace ZeroBuffer.Topics;

/// <summary>
/// What a topic's publisher does for one subscriber whose ring is full, chosen by the subscriber
/// (it is part of the name of the subscriber's buffer, docs/topics.md).
/// </summary>
public enum DeliveryPolicy
{
    /// <summary>Back-pressure: the publisher waits for this subscriber (until it reads, or dies).</summary>
    Block,

    /// <summary>While its ring is full, frames for this subscriber are skipped: it sees the gap in the sequence numbers.</summary>
    DropNewest,

    /// <summary>
    /// The subscriber always reads the newest frame committed: older ones waiting in its ring are
    /// released unread and counted; the publisher never waits for it (a full ring skips, as with
    /// <see cref="DropNewest"/>).
    /// </summary>
    LatestOnly,
}
