using System.Text.Json;

namespace ZeroBuffer.Bench;

/// <summary>
/// The <c>nats</c> scenario (issue 17): frames through one <c>nats-server</c> of the run
/// (<see cref="NatsBenchServer"/>), bare and bridged, at 64 B, 4 KiB and 3,110,400 B, in core NATS
/// and JetStream, each path measured twice: one-way throughput at full speed, and one-way latency
/// at a fixed rate. Every case is two processes, a sender and a receiver, both NATS clients of the
/// same server:
/// <list type="bullet">
/// <item><b>bare</b> (<c>nats</c>): a NATS.Net publisher → the server → a NATS.Net subscriber
/// (<see cref="NatsBarePeers"/>);</item>
/// <item><b>bridge</b> (<c>nats-bridge</c>): host A's process, a ZeroBuffer writer → buffer →
/// <see cref="ZeroBuffer.Nats.NatsExporter"/>, → the server → host B's process,
/// <see cref="ZeroBuffer.Nats.NatsImporter"/> → buffer → a ZeroBuffer reader
/// (<see cref="NatsBridgePeers"/>): buffer to buffer, end to end.</item>
/// </list>
/// The bridged row's ratio to the bare row of the same mode, measure and size is the goal:
/// the bridge adds under 10 % (<see cref="NatsTargets"/>).
/// </summary>
/// <remarks>
/// <para><b>Same work on both paths.</b> The same two processes, the same flow control
/// (<see cref="NatsCreditWindow"/>), the same payload (the sender's reference time in the first 8
/// bytes, the rest left as it is: neither path fills its frames), the same chunks: a frame larger
/// than a message (the server's default <c>max_payload</c>, 1 MiB) is cut by the bridge's own
/// chunk plan (<c>max_payload − 1 KiB</c>: a 3.1 MB frame is 3 messages) on both paths; the bare
/// receiver reassembles them into one buffer (one copy, as the importer copies them into its ring,
/// and as any receiver of a chunked frame must), while a frame that is one message is read in place.
/// What differs is what the bridge adds: the two rings, the exporter's and importer's work per
/// frame, and the bridge's headers on every message.</para>
/// <para><b>Throughput</b>: the sender sends as fast as the credit window lets it; the receiver's
/// window (from the mark to the end message, both in-band) gives frames/s and MB/s, as in the
/// one-way ZeroBuffer rows. <b>Latency</b>: the sender sends at a fixed rate (1,000/s up to 64 KiB,
/// 25/s for larger frames, or <c>--rate</c>), putting each frame's intended send time
/// (<see cref="System.Diagnostics.Stopwatch"/> ticks, the monotonic clock every process of the host
/// shares) in its first 8 bytes; the receiver records now − that time when the whole frame is
/// there: one-way latency, free of coordinated omission (a late send is charged from its intended
/// time). The sender's own lateness is in <c>sendLagMicroseconds</c>.</para>
/// <para><b>JetStream</b>: a memory-store stream (bare: one the receiver creates; bridge: the
/// bridge's own, created with <see cref="ZeroBuffer.Nats.NatsJetStreamOptions.MemoryStorage"/>),
/// a durable pull consumer with cumulative acknowledgements, each frame's chunks published together
/// and the next frame only when the stream acknowledged them all, as the exporter does.</para>
/// </remarks>
internal static class NatsScenario
{
    internal const string CoreMode = "core";
    internal const string JetStreamMode = "jetstream";

    /// <summary>The values of <c>--nats-mode</c>.</summary>
    internal static readonly string[] Modes = [CoreMode, JetStreamMode];

    /// <summary>The frame sizes of the issue: 64 B, 4 KiB and one 1080p YUV 4:2:0 frame.</summary>
    internal static readonly int[] Sizes = [64, 4096, 1920 * 1080 * 3 / 2];

    /// <summary>The measures of each path, mode and size.</summary>
    internal const string Throughput = "throughput";

    /// <inheritdoc cref="Throughput"/>
    internal const string Latency = "latency";

    internal const string BarePath = "bare";
    internal const string BridgePath = "bridge";

    /// <summary>
    /// The fixed rate of the latency rows when <c>--rate</c> is not given: well under what either
    /// path carries here (tens of thousands of small frames per second, about a hundred 3.1 MB
    /// frames), so the tail shows stalls, not queues: 1,000/s up to 64 KiB, 25/s above.
    /// </summary>
    internal static double DefaultRate(int frameSize) => frameSize <= 65536 ? 1000 : 25;

    /// <summary>
    /// The row id: <c>throughput/nats[-bridge]/MODE/SIZE</c> or <c>latency/nats[-bridge]/MODE/fixed-rate/SIZE</c>
    /// (bridged rows end in <c>@STRATEGY</c> when the ZeroBuffer reader and writer wait otherwise than by default).
    /// </summary>
    internal static string RowId(string measure, string path, string mode, int size) =>
        measure == Throughput ? $"throughput/{Transport(path)}/{mode}/{size}" : $"latency/{Transport(path)}/{mode}/fixed-rate/{size}";

    internal static string Transport(string path) => path == BarePath ? Transports.Nats : Transports.NatsBridge;

    /// <summary>
    /// The cases of the scenario, bare before bridged for each mode, size and measure, so the two
    /// rows of a ratio run back to back (a machine whose load drifts affects both alike).
    /// Without a server (<see cref="BenchOptions.Nats"/> has no URL), every case is planned as not run, with the reason.
    /// </summary>
    internal static IEnumerable<BenchCase> Plan(BenchOptions options, Func<string> next, string[] timing)
    {
        NatsBenchServer? server = options.Nats;
        string notRun = server?.NotRunReason ?? (server?.Url is null ? "no nats-server was started" : "");
        foreach (string mode in options.NatsModes)
        {
            foreach (int size in options.NatsSizes)
            {
                foreach (string measure in new[] { Throughput, Latency })
                {
                    foreach (string path in new[] { BarePath, BridgePath })
                    {
                        double rate = measure == Latency ? options.Rate ?? DefaultRate(size) : 0;
                        string[] common =
                        [
                            .. timing, "--nats", server?.Url ?? "", "--nats-mode", mode, "--size", Format.Invariant(size),
                            "--ring-size", Format.Invariant(options.RingSize ?? BenchPlan.DefaultRingSize(size)),
                            .. BenchPlan.ZeroBufferArguments(options, options.Strategy),
                            .. rate > 0 ? new[] { "--rate", Format.Invariant(rate) } : [], // the sender paces by it; the receiver then records latencies
                        ];
                        (string receiver, string sender) = path == BarePath
                            ? (PeerRoles.NatsSubscriber, PeerRoles.NatsPublisher)
                            : (PeerRoles.NatsBridgeSink, PeerRoles.NatsBridgeSource);
                        string id = path == BridgePath ? BenchPlan.WithStrategy(RowId(measure, path, mode, size), options.Strategy) : RowId(measure, path, mode, size);
                        yield return new BenchCase(id, CaseKind.Nats, Transport(path), mode,
                            measure == Latency ? "fixed-rate" : null, size, rate,
                            new PeerSpec(receiver, common),
                            new PeerSpec(sender, common),
                            PassiveStopsItself: true, next())
                        {
                            Strategy = path == BridgePath ? options.Strategy : null,
                            NotRunReason = server?.Url is null ? notRun : null,
                        };
                    }
                }
            }
        }
    }

    /// <summary>The measure of a NATS case.</summary>
    internal static string MeasureOf(BenchCase c) => c.Pacing is null ? Throughput : Latency;

    /// <summary>The path of a NATS case.</summary>
    internal static string PathOf(BenchCase c) => c.Transport == Transports.Nats ? BarePath : BridgePath;

    /// <summary>
    /// The row of a case: the receiver's window gives the frames and the rate (and the latency);
    /// the sender's summary its frames sent in the window (so <c>lost</c> = sent − received), its
    /// send lag, and the chunking it used.
    /// </summary>
    internal static BenchResult Result(BenchCase c, JsonElement sender, JsonElement receiver)
    {
        long frames = receiver.GetProperty("frames").GetInt64();
        double seconds = receiver.GetProperty("seconds").GetDouble();
        bool latency = MeasureOf(c) == Latency;
        return new BenchResult(c)
        {
            Frames = frames,
            Seconds = seconds,
            FramesPerSecond = seconds > 0 ? frames / seconds : null,
            GigabytesPerSecond = seconds > 0 ? receiver.GetProperty("bytes").GetInt64() / seconds / 1e9 : null,
            Samples = latency ? receiver.GetProperty("samples").GetInt64() : null,
            Latency = latency ? LatencyFigures.From(receiver) : null,
            SendLag = latency && sender.TryGetProperty("sendLagMicroseconds", out _) ? LatencyFigures.From(sender, "sendLagMicroseconds") : null,
            Sides = [SideFigures.From("sender", sender), SideFigures.From("receiver", receiver)],
            Nats = new NatsFigures(PathOf(c), c.Mode ?? CoreMode, MeasureOf(c),
                sender.GetProperty("maxPayload").GetInt64(), sender.GetProperty("chunkSize").GetInt32(), sender.GetProperty("chunks").GetInt32(),
                Sent: sender.GetProperty("frames").GetInt64(), Lost: sender.GetProperty("frames").GetInt64() - frames,
                BridgeLost: receiver.TryGetProperty("bridgeFramesLost", out JsonElement lost) ? lost.GetInt64() : null),
        };
    }
}
