namespace ZeroBuffer.Topics;

/// <summary>Settings of a <see cref="Publisher"/>.</summary>
public sealed class PublisherOptions
{
    /// <summary>
    /// How often the publisher looks in /dev/shm for new subscribers and at the liveness of
    /// idle ones (default 100 ms): a subscriber joins within about this long. Each look reads the
    /// directory once.
    /// </summary>
    public TimeSpan DiscoveryInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How the publisher waits for space in <see cref="DeliveryPolicy.Block"/> subscribers' rings.</summary>
    public WaitStrategy WaitStrategy { get; init; } = WaitStrategy.Default;
}
