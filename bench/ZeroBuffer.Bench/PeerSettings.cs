using ZeroBuffer.Topics;

namespace ZeroBuffer.Bench;

/// <summary>What a bench peer process is told on its command line (see <c>ZeroBuffer.Bench peer --help</c>).</summary>
/// <param name="Role">Which peer: see <see cref="PeerRoles"/>.</param>
/// <param name="Name">Base name of the resources of this pair (buffers, socket, semaphores, shared file).</param>
/// <param name="FrameSize">Data frame size in bytes.</param>
/// <param name="ZeroCopy">Zero-copy (GetFrameBuffer/CommitFrame, reader touches one byte) or copy-in/copy-out.</param>
/// <param name="Seconds">Measured duration.</param>
/// <param name="WarmUpSeconds">Unmeasured warm-up before the measured window.</param>
/// <param name="Rate">Round trips per second for a paced ping-pong; 0 = back-to-back.</param>
/// <param name="RingSize">Ring size of ZeroBuffer buffers, bytes.</param>
/// <param name="StreamBytes">Size of each streaming memcpy buffer.</param>
/// <param name="Strategy">Wait strategy of every ZeroBuffer reader and writer (a <see cref="WaitStrategy.Parse"/> name).</param>
/// <param name="BatchReleases">Throughput readers publish freed space in batches (<see cref="Reader.BatchReleases"/>).</param>
/// <param name="Prefault">Fault in every page of each ring after creating or connecting (<see cref="Reader.Prefault"/>, <see cref="Writer.Prefault"/>).</param>
/// <param name="Readers">Readers of the idle async pair (one buffer each); subscribers of the fan-out pair.</param>
/// <param name="Policy">Delivery policy of the fan-out subscribers.</param>
internal sealed record PeerSettings(
    string Role, string Name, int FrameSize, bool ZeroCopy, double Seconds, double WarmUpSeconds, double Rate, long RingSize, long StreamBytes,
    string Strategy, bool BatchReleases, bool Prefault, int Readers = 1, DeliveryPolicy Policy = DeliveryPolicy.Block)
{
    /// <summary>The NATS server of a NATS row's peers (<c>--nats</c>); null for the other peers.</summary>
    internal string? NatsUrl { get; init; }

    /// <summary>NATS rows: <c>core</c> or <c>jetstream</c> (<c>--nats-mode</c>, see <see cref="NatsScenario"/>).</summary>
    internal string NatsMode { get; init; } = NatsScenario.CoreMode;

    /// <summary>The wait strategy named by <see cref="Strategy"/>.</summary>
    internal WaitStrategy WaitStrategy => WaitStrategy.Parse(Strategy);

    /// <summary>Applies the strategy (and prefaulting when asked, or when <paramref name="prefault"/>) to a reader it just created.</summary>
    internal Reader Configure(Reader reader, bool prefault = false)
    {
        reader.WaitStrategy = WaitStrategy;
        if (Prefault || prefault)
        {
            reader.Prefault();
        }

        return reader;
    }

    /// <summary>Applies the strategy (and prefaulting when asked, or when <paramref name="prefault"/>) to a writer it just connected.</summary>
    internal Writer Configure(Writer writer, bool prefault = false)
    {
        writer.WaitStrategy = WaitStrategy;
        if (Prefault || prefault)
        {
            writer.Prefault();
        }

        return writer;
    }
}

/// <summary>The roles of the <c>peer</c> command; the first of each pair waits for the second.</summary>
internal static class PeerRoles
{
    internal const string ZeroBufferReader = "zb-reader";
    internal const string ZeroBufferWriter = "zb-writer";
    internal const string ZeroBufferEcho = "zb-echo";
    internal const string ZeroBufferPing = "zb-ping";
    internal const string SocketReader = "uds-reader";
    internal const string SocketWriter = "uds-writer";
    internal const string SocketEcho = "uds-echo";
    internal const string SocketPing = "uds-ping";
    internal const string SemaphoreEcho = "sem-echo";
    internal const string SemaphorePing = "sem-ping";
    internal const string SpinEcho = "spin-echo";
    internal const string SpinPing = "spin-ping";
    internal const string Memcpy = "memcpy";
    internal const string IdleReader = "idle-reader";
    internal const string IdleWriter = "idle-writer";
    internal const string AsyncEcho = "zb-async-echo";
    internal const string AsyncPing = "zb-async-ping";
    internal const string IdleAsyncReaders = "idle-async-readers";
    internal const string IdleAsyncWriter = "idle-async-writer";
    internal const string DuplexServer = "duplex-server";
    internal const string DuplexClient = "duplex-client";
    internal const string FanOutSubscribers = "fanout-subscribers";
    internal const string FanOutPublisher = "fanout-publisher";
    internal const string NatsSubscriber = "nats-sub";
    internal const string NatsPublisher = "nats-pub";
    internal const string NatsBridgeSink = "nats-bridge-sink";
    internal const string NatsBridgeSource = "nats-bridge-source";

    /// <summary>The paced ZeroBuffer ping-pong with its hops stamped (<see cref="PacedPingPongPeers"/>).</summary>
    internal const string PacedEcho = "zb-paced-echo";

    internal const string PacedPing = "zb-paced-ping";

    /// <summary>The paced semaphore ping-pong with its hops stamped (<see cref="PacedSemaphorePeers"/>).</summary>
    internal const string SemaphorePacedEcho = "sem-paced-echo";

    internal const string SemaphorePacedPing = "sem-paced-ping";

    /// <summary>The paced copy floor of the paced zero-copy rows (<see cref="PacedCopyPeer"/>).</summary>
    internal const string MemcpyPaced = "memcpy-paced";

    /// <summary>The camera of upstream's relay scenario (<see cref="UpstreamRelaySender"/>); its relay is <see cref="ZeroBufferEcho"/>.</summary>
    internal const string RelaySender = "zb-relay-sender";

    internal static readonly string[] All =
    [
        ZeroBufferReader, ZeroBufferWriter, ZeroBufferEcho, ZeroBufferPing, SocketReader, SocketWriter, SocketEcho, SocketPing,
        SemaphoreEcho, SemaphorePing, SpinEcho, SpinPing, Memcpy, IdleReader, IdleWriter, AsyncEcho, AsyncPing, IdleAsyncReaders, IdleAsyncWriter,
        DuplexServer, DuplexClient, FanOutSubscribers, FanOutPublisher,
        NatsSubscriber, NatsPublisher, NatsBridgeSink, NatsBridgeSource,
        PacedEcho, PacedPing, SemaphorePacedEcho, SemaphorePacedPing, MemcpyPaced, RelaySender,
    ];
}
