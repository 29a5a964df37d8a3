namespace ZeroBuffer.Duplex;

/// <summary>How a duplex client creates its response buffer and how long it waits to send.</summary>
public sealed record DuplexClientOptions
{
    /// <summary>
    /// The response buffer the client creates. Default: no metadata, a ring as large as the
    /// server's request ring (responses as large as requests fit), and the same sharing as the
    /// request buffer (<see cref="BufferConfig.Access"/> from its file mode).
    /// </summary>
    public BufferConfig? ResponseConfig { get; init; }

    /// <summary>How long a send waits for space in the request ring (default 5 s), then <see cref="BufferFullException"/>.</summary>
    public TimeSpan RequestWriteTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How the client waits for responses and for request-ring space (default
    /// <see cref="ZeroBuffer.WaitStrategy.Default"/>). The receive thread of <see cref="IDuplexClient.SendAsync"/>
    /// polls while the strategy says so, so <see cref="ZeroBuffer.WaitStrategy.BusySpin"/> keeps a core busy
    /// for as long as the client lives.
    /// </summary>
    public WaitStrategy WaitStrategy { get; init; } = WaitStrategy.Default;
}
