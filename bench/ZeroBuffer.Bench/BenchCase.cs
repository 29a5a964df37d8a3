using ZeroBuffer.Topics;

namespace ZeroBuffer.Bench;

/// <summary>What a bench row measures.</summary>
internal enum CaseKind
{
    /// <summary>One-way stream: frames/s and GB/s.</summary>
    Throughput,

    /// <summary>Ping-pong: round-trip latency percentiles.</summary>
    Latency,

    /// <summary>memcpy: GB/s of one thread.</summary>
    Bandwidth,

    /// <summary>A connected pair with no traffic: what waiting costs.</summary>
    Idle,

    /// <summary>One topic publisher, n subscribers: the publisher's cost per frame.</summary>
    FanOut,

    /// <summary>Through a NATS server, bare or bridged: one-way throughput, or one-way latency at a fixed rate (see <see cref="NatsScenario"/>).</summary>
    Nats,
    /// <summary>Upstream's relay scenario: paced frames through a relay process and back (see <see cref="UpstreamRelay"/>).</summary>
    Relay,
}

/// <summary>The transports (and baselines) a row can be about; the strings are the JSON values.</summary>
internal static class Transports
{
    internal const string ZeroBuffer = "zerobuffer";
    internal const string UnixSocket = "unix-socket";
    internal const string Semaphore = "semaphore";
    internal const string BusyPoll = "busy-poll";
    internal const string Memcpy = "memcpy";

    /// <summary>The duplex round trip (request/response over the duplex layer, see <see cref="DuplexRoundTrip"/>).</summary>
    internal const string Duplex = "duplex";

    /// <summary>A topic: one publisher, n subscribers (see <see cref="FanOutPeers"/>).</summary>
    internal const string Topic = "topic";

    /// <summary>Bare NATS: a NATS.Net publisher, the server, a NATS.Net subscriber (see <see cref="NatsScenario"/>).</summary>
    internal const string Nats = "nats";

    /// <summary>The NATS bridge, buffer to buffer: writer, buffer, exporter, the server, importer, buffer, reader (see <see cref="NatsScenario"/>).</summary>
    internal const string NatsBridge = "nats-bridge";
}

/// <summary>One peer process of a case: its role and its extra arguments.</summary>
internal sealed record PeerSpec(string Role, IReadOnlyList<string> Arguments);

/// <summary>
/// One measurement: a pair of peer processes (or one, for memcpy). The passive peer starts first
/// and reports ready; then the active peer runs the warm-up and the measured window.
/// </summary>
/// <param name="Id">Stable row id, e.g. <c>throughput/zerobuffer/copy/4096</c>.</param>
/// <param name="Kind">What the row measures.</param>
/// <param name="Transport">One of <see cref="Transports"/>.</param>
/// <param name="Mode"><c>zero-copy</c>, <c>copy</c>, or null.</param>
/// <param name="Pacing"><c>back-to-back</c> or <c>fixed-rate</c> for latency rows, else null.</param>
/// <param name="FrameSize">Data frame size, bytes; 0 for the data-less baselines.</param>
/// <param name="Rate">Round trips per second of a fixed-rate ping-pong; 0 otherwise.</param>
/// <param name="Passive">The peer that starts first and reports ready (null for memcpy).</param>
/// <param name="Active">The peer that drives the warm-up and the measured window.</param>
/// <param name="PassiveStopsItself">False when the passive peer only ends when told (its stdin closed).</param>
/// <param name="Resources">Base name of the pair's OS resources, for the clean-up after the case.</param>
internal sealed record BenchCase(
    string Id, CaseKind Kind, string Transport, string? Mode, string? Pacing, int FrameSize, double Rate,
    PeerSpec? Passive, PeerSpec Active, bool PassiveStopsItself, string Resources)
{
    /// <summary>Wait strategy of the ZeroBuffer peers (<see cref="StrategyNames"/>); null for the baselines.</summary>
    internal string? Strategy { get; init; }

    /// <summary>Subscribers of a fan-out case; 0 for the others.</summary>
    internal int Subscribers { get; init; }

    /// <summary>The subscribers' delivery policy of a fan-out case.</summary>
    internal DeliveryPolicy Policy { get; init; }

    /// <summary>Why the case cannot run in this run (its row then says so instead of figures); null when it can.</summary>
    internal string? NotRunReason { get; init; }
    /// <summary>Measured window of this case when it is not <c>--duration</c> (the relay rows); null = the run's.</summary>
    internal double? WindowSeconds { get; init; }

    /// <summary>Warm-up of this case when it is not the run's (the relay rows); null = the run's.</summary>
    internal double? WarmUpSeconds { get; init; }

    /// <summary>A short human description for progress lines.</summary>
    internal string Describe() => Kind switch
    {
        CaseKind.Bandwidth => "memcpy bandwidth (hot and streaming)",
        CaseKind.Idle => "idle reader (connected writer, no traffic)",
        CaseKind.Relay => $"upstream relay {Mode}, {Rate:0} fps, {Format.Bytes(FrameSize)}" + (Strategy is null or StrategyNames.Default ? "" : " " + Strategy),
        CaseKind.FanOut => $"fan-out zero-copy, {Subscribers} {TopicNames.PolicyName(Policy)} subscriber{(Subscribers == 1 ? "" : "s")}, {Format.Bytes(FrameSize)}"
                           + (Strategy is null or StrategyNames.Default ? "" : " " + Strategy),
        CaseKind.Nats => $"{NatsScenario.MeasureOf(this)} {Transport} {Mode}{(Rate > 0 ? $" {Rate:0}/s" : "")} {Format.Bytes(FrameSize)}",
        _ => $"{Kind.ToString().ToLowerInvariant()} {Transport}{(Mode is null ? "" : " " + Mode)}{(Pacing is null ? "" : " " + Pacing)}"
             + (FrameSize > 0 ? $" {Format.Bytes(FrameSize)}" : "") + (Strategy is null or StrategyNames.Default ? "" : " " + Strategy),
    };
}
