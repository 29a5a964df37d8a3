namespace ZeroBuffer.Nats.Duplex;

/// <summary>Both halves of a duplex channel carried over NATS (docs/bridge.md, "Duplex over NATS").</summary>
public sealed record NatsDuplexOptions
{
    /// <summary>The subject prefix <c>P</c> (required): requests go to <c>P.request</c>, as NATS requests.</summary>
    public required string Subject { get; init; }

    /// <summary>
    /// How long the client side waits for the server side's answer (default 30 s); then the local
    /// caller's request fails with a <see cref="ZeroBuffer.Duplex.DuplexHandlerException"/> naming a <see cref="TimeoutException"/>.
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Requests forwarded at once (default 8): handlers on the client side, local requests on the server side.</summary>
    public int MaxConcurrency { get; init; } = 8;

    /// <summary>
    /// Server side: the NATS queue group the server bridges join (default <c>zerobuffer-duplex</c>):
    /// several hosts serving one prefix share the requests, each request goes to one of them.
    /// </summary>
    public string QueueGroup { get; init; } = "zerobuffer-duplex";

    /// <summary>
    /// The largest request (server side) or response (client side) put back together from several
    /// NATS messages, in bytes (default 64 MiB): each one in progress holds a buffer of its size, so
    /// this and <see cref="MaxConcurrency"/> bound the memory a bridge takes for them. A larger one
    /// is refused (<c>too-large</c>). Messages that fit one NATS message are not limited by it.
    /// </summary>
    public int MaxMessageBytes { get; init; } = 64 << 20;

    /// <summary>Server side: how long to wait for the local duplex server when connecting a client to it (default 5 s).</summary>
    public TimeSpan LocalConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    internal void Validate()
    {
        BridgeSubjects.Validate(Subject);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RequestTimeout, TimeSpan.Zero, nameof(RequestTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConcurrency, 1, nameof(MaxConcurrency));
        ArgumentException.ThrowIfNullOrWhiteSpace(QueueGroup, nameof(QueueGroup));
        ArgumentOutOfRangeException.ThrowIfLessThan(LocalConnectTimeout, TimeSpan.Zero, nameof(LocalConnectTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxMessageBytes, 1, nameof(MaxMessageBytes));
    }
}
