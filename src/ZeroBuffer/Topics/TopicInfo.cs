namespace ZeroBuffer.Topics;

/// <summary>A topic as found on this machine (<see cref="TopicCatalog.List"/>).</summary>
/// <param name="Topic">The topic name.</param>
/// <param name="PublisherAlive">Whether a live publisher holds the topic's lock.</param>
/// <param name="Subscribers">Its subscribers' buffers, by name.</param>
public sealed record TopicInfo(string Topic, bool PublisherAlive, IReadOnlyList<TopicSubscriberInfo> Subscribers);

/// <summary>One subscriber buffer of a topic.</summary>
/// <param name="Id">The subscriber's id.</param>
/// <param name="Policy">Its delivery policy (from its name).</param>
/// <param name="Buffer">The buffer, as <see cref="Lifecycle.BufferCatalog"/> sees it (state, peers, sizes).</param>
public sealed record TopicSubscriberInfo(string Id, DeliveryPolicy Policy, BufferInfo Buffer);
