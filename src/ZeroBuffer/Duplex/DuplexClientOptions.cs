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

    /// <summary>
    /// How long creating the client waits for a free session: while every session the server has
    /// open is taken by another client, and while a session's buffers are renewed between two
    /// clients. Default 1 s; then <see cref="BufferNotFoundException"/> when no server serves the
    /// channel, <see cref="WriterAlreadyConnectedException"/> when every session stayed taken.
    /// </summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(1);

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
