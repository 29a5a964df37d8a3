using System.CommandLine;
using ZeroBuffer.Topics;

namespace ZeroBuffer.Bench;

/// <summary>
/// <c>ZeroBuffer.Bench peer ROLE</c> (hidden): one measured side of a bench case, a separate
/// process started by the bench (<see cref="BenchRunner"/>). Talks JSON lines to its parent and
/// stops when its stdin closes; removes what it created (buffer, socket, semaphores, shared
/// file) on the way out.
/// </summary>
internal static class PeerCommand
{
    private const string Events = """
        Child of the bench (ZeroBuffer.Bench); JSON lines on stdout whatever the options:
          {"event":"ready","role":"R","pid":1234}
          {"event":"summary","role":"R","frames":F,"bytes":B,"measured":true,"seconds":S,"cpuSeconds":C,"allocatedBytes":A,
           "windowStart":T,"windowEnd":T (Stopwatch timestamps of the measured window, once measured),
           ...pingers add "samples","rate","latencyMicroseconds":{"p50","p90","p99","p999","max"};
           ...memcpy adds "hotGigabytesPerSecond","streamingGigabytesPerSecond"}
        Roles: zb-reader zb-writer zb-echo zb-ping uds-reader uds-writer uds-echo uds-ping sem-echo sem-ping
               spin-echo spin-ping memcpy idle-reader idle-writer zb-async-echo zb-async-ping idle-async-readers idle-async-writer
               duplex-server duplex-client fanout-subscribers fanout-publisher nats-sub nats-pub nats-bridge-sink nats-bridge-source
               zb-paced-echo zb-paced-ping sem-paced-echo sem-paced-ping zb-echo+zb-relay-sender.
               The first of each pair must be ready before the second starts.
        zb-paced-ping and sem-paced-ping add "hops":{"samples","unrecorded","microseconds":{HOP:{p50..max}},"fromSendMicroseconds":{..},"byWakePath":{..},"tail":{..},"wakes":{..}}
        (HOP: sendLag write toEcho echoTurnaround toPinger finish) and "counters":{"gen0","gen1","gen2","minorFaults","majorFaults",
        "voluntarySwitches","involuntarySwitches"} (the process, over its window); zb-paced-echo adds "counters".
        zb-relay-sender adds "relay":{"targetRate","sent","matched","achievedRate","lateReplies","maxInFlight"} and "counters".
        idle-async-readers adds "threads" (the process's threads at the end of the window) and "readers".
        fanout-publisher adds "subscribers":[{"id","delivered","dropped"}] (its counts over the window) and the
        sampled publish times as "latencyMicroseconds"; fanout-subscribers adds "subscribers":[{"id","read","allocatedBytes"}].
        The NATS peers take --nats URL and --nats-mode core|jetstream; the senders (nats-pub, nats-bridge-source) add
        "maxPayload","chunkSize","chunks" and, paced, "sendLagMicroseconds"; the receivers (nats-sub, nats-bridge-sink) report
        one-way "latencyMicroseconds" when paced, and nats-bridge-sink adds "bridgeFramesLost" (its importer's count).

        """;

    internal static CommandSpec Create(GlobalOptions global)
    {
        var role = new Argument<string>("ROLE") { Description = "Which side to run." };
        role.AcceptOnlyFromAmong(PeerRoles.All);
        var name = new Option<string>("--name") { Description = "Base name of the pair's resources.", Required = true };
        var size = new Option<int>("--size") { Description = "Data frame size, bytes.", DefaultValueFactory = _ => 64 }.Sized().AtLeast(ControlFrames.MinimumDataSize);
        var zeroCopy = new Option<bool>("--zero-copy") { Description = "Zero-copy mode (default: copy-in/copy-out)." };
        var seconds = new Option<double>("--seconds") { Description = "Measured seconds.", DefaultValueFactory = _ => 1 }.Within(0.01, 3600);
        var warmUp = new Option<double>("--warmup") { Description = "Warm-up seconds.", DefaultValueFactory = _ => 0.2 }.Within(0, 600);
        var rate = new Option<double>("--rate") { Description = "Round trips per second (pingers); 0 = back-to-back.", DefaultValueFactory = _ => 0 }.Within(0, MaxRate);
        var ringSize = new Option<long>("--ring-size") { Description = "Ring size, bytes.", DefaultValueFactory = _ => 4L << 20 }.Sized().AtLeast(64);
        var streamBytes = new Option<long>("--stream-bytes") { Description = "Streaming memcpy buffer size, bytes.", DefaultValueFactory = _ => 256L << 20 }.Sized().AtLeast(4096);
        var strategy = new Option<string>("--strategy") { Description = "Wait strategy of ZeroBuffer readers and writers.", DefaultValueFactory = _ => StrategyNames.Default };
        strategy.AcceptOnlyFromAmong(StrategyNames.All);
        var batchReleases = new Option<bool>("--batch-releases") { Description = "Throughput readers release in batches (Reader.BatchReleases)." };
        var prefault = new Option<bool>("--prefault") { Description = "Prefault every ring after creating or connecting." };
        var readers = new Option<int>("--readers") { Description = "Readers of the idle async pair; subscribers of the fan-out pair.", DefaultValueFactory = _ => 1 }.AtLeast(1);
        var policy = new Option<string>("--policy") { Description = "Delivery policy of the fan-out subscribers.", DefaultValueFactory = _ => TopicNames.PolicyName(DeliveryPolicy.Block) };
        policy.AcceptOnlyFromAmong(FanOutPeers.PolicyNames);
        var natsUrl = new Option<string?>("--nats") { Description = "NATS rows: the server's URL." };
        var natsMode = new Option<string>("--nats-mode") { Description = "NATS rows: core or jetstream.", DefaultValueFactory = _ => NatsScenario.CoreMode };
        natsMode.AcceptOnlyFromAmong(NatsScenario.Modes);
        var command = new Command("peer", "One measured side of the bench (a separate process).")
        {
            role, name, size, zeroCopy, seconds, warmUp, rate, ringSize, streamBytes, strategy, batchReleases, prefault, readers, policy,
            natsUrl, natsMode,
        };
        command.Hidden = true;
        command.SetAction(parse => global.Run(parse, (output, stop) =>
        {
            var settings = new PeerSettings(parse.GetRequiredValue(role), parse.GetRequiredValue(name), parse.GetValue(size),
                parse.GetValue(zeroCopy), parse.GetValue(seconds), parse.GetValue(warmUp), parse.GetValue(rate),
                parse.GetValue(ringSize), parse.GetValue(streamBytes), parse.GetValue(strategy) ?? StrategyNames.Default,
                parse.GetValue(batchReleases), parse.GetValue(prefault), parse.GetValue(readers), FanOutPeers.ParsePolicy(parse.GetValue(policy)))
            {
                NatsUrl = parse.GetValue(natsUrl),
                NatsMode = parse.GetValue(natsMode) ?? NatsScenario.CoreMode,
            };
            stop.CancelOnStdinClosed();
            return Execute(output, stop, settings);
        }));
        return new CommandSpec(command, Events, ExitCodeTable);
    }

    /// <summary>The most round trips per second a pinger is asked for.</summary>
    internal const double MaxRate = 10_000_000;

    /// <summary>What a peer can return: any error of the library it measures, or being stopped before its window ended.</summary>
    private static ExitCodeTable ExitCodeTable
    {
        get
        {
            ExitCodeTable table = ExitCodeTable.Standard("success: measured, summary sent");
            foreach (ZeroBufferErrorKind kind in Enum.GetValues<ZeroBufferErrorKind>())
            {
                table.With(kind, "the measured side failed");
            }

            return table.Interrupted("stdin closed (the bench stopped it), SIGTERM or Ctrl+C, before its summary");
        }
    }

    private static int Execute(Output output, Interruption stop, PeerSettings settings) => settings.Role switch
    {
        PeerRoles.ZeroBufferReader => ZeroBufferThroughputPeers.RunReader(output, stop, settings),
        PeerRoles.ZeroBufferWriter => ZeroBufferThroughputPeers.RunWriter(output, stop, settings),
        PeerRoles.ZeroBufferEcho => ZeroBufferPingPongPeers.RunEcho(output, stop, settings),
        PeerRoles.ZeroBufferPing => ZeroBufferPingPongPeers.RunPing(output, stop, settings),
        PeerRoles.DuplexServer => DuplexRoundTrip.RunServer(output, stop, settings),
        PeerRoles.DuplexClient => DuplexRoundTrip.RunClient(output, stop, settings),
        PeerRoles.SocketReader => UnixSocketPeers.RunReader(output, stop, settings),
        PeerRoles.SocketWriter => UnixSocketPeers.RunWriter(output, stop, settings),
        PeerRoles.SocketEcho => UnixSocketPeers.RunEcho(output, stop, settings),
        PeerRoles.SocketPing => UnixSocketPeers.RunPing(output, stop, settings),
        PeerRoles.SemaphoreEcho => SemaphorePingPongPeers.RunEcho(output, stop, settings),
        PeerRoles.SemaphorePing => SemaphorePingPongPeers.RunPing(output, stop, settings),
        PeerRoles.SpinEcho => BusyPollPingPongPeers.RunEcho(output, stop, settings),
        PeerRoles.SpinPing => BusyPollPingPongPeers.RunPing(output, stop, settings),
        PeerRoles.Memcpy => MemcpyBandwidth.Run(output, stop, settings),
        PeerRoles.IdleReader => IdleReaderPeers.RunReader(output, stop, settings),
        PeerRoles.IdleWriter => IdleReaderPeers.RunWriter(output, stop, settings),
        PeerRoles.AsyncEcho => ZeroBufferAsyncPeers.RunEcho(output, stop, settings),
        PeerRoles.AsyncPing => ZeroBufferAsyncPeers.RunPing(output, stop, settings),
        PeerRoles.IdleAsyncReaders => ZeroBufferAsyncPeers.RunIdleReaders(output, stop, settings),
        PeerRoles.IdleAsyncWriter => ZeroBufferAsyncPeers.RunIdleWriter(output, stop, settings),
        PeerRoles.FanOutSubscribers => FanOutPeers.RunSubscribers(output, stop, settings),
        PeerRoles.FanOutPublisher => FanOutPeers.RunPublisher(output, stop, settings),
        PeerRoles.NatsSubscriber => NatsBarePeers.RunSubscriber(output, stop, settings),
        PeerRoles.NatsPublisher => NatsBarePeers.RunPublisher(output, stop, settings),
        PeerRoles.NatsBridgeSink => NatsBridgePeers.RunSink(output, stop, settings),
        PeerRoles.NatsBridgeSource => NatsBridgePeers.RunSource(output, stop, settings),
        PeerRoles.PacedEcho => PacedPingPongPeers.RunEcho(output, stop, settings),
        PeerRoles.PacedPing => PacedPingPongPeers.RunPing(output, stop, settings),
        PeerRoles.SemaphorePacedEcho => PacedSemaphorePeers.RunEcho(output, stop, settings),
        PeerRoles.SemaphorePacedPing => PacedSemaphorePeers.RunPing(output, stop, settings),
        PeerRoles.MemcpyPaced => PacedCopyPeer.Run(output, stop, settings),
        PeerRoles.RelaySender => UpstreamRelaySender.Run(output, stop, settings),
        _ => throw new UsageException($"unknown role '{settings.Role}'"),
    };
}
