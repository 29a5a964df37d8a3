using ZeroBuffer.Topics;

namespace ZeroBuffer.Bench;

/// <summary>What the bench was asked to run.</summary>
/// <param name="Quick">The short run: fewer sizes, shorter windows.</param>
/// <param name="Scenarios">Names from <see cref="Bench.Scenarios"/>.</param>
/// <param name="ThroughputSizes">Frame sizes of the throughput scenarios.</param>
/// <param name="LatencySizes">Frame sizes of the ping-pong scenarios.</param>
/// <param name="Seconds">Measured window of each case.</param>
/// <param name="Rate">Round trips per second of the fixed-rate runs; null = per size (see <see cref="BenchPlan.DefaultRate"/>).</param>
/// <param name="RingSize">Ring size of every buffer; null = per frame size (see <see cref="BenchPlan.DefaultRingSize"/>).</param>
/// <param name="StreamBytes">Each streaming-memcpy buffer.</param>
/// <param name="Custom">Whether scenarios or sizes were chosen by hand (not the standard full or quick set).</param>
/// <param name="Strategy">Wait strategy of every ZeroBuffer peer (<see cref="StrategyNames"/>).</param>
/// <param name="BatchReleases">Throughput readers release in batches.</param>
/// <param name="Prefault">Every ZeroBuffer peer prefaults its rings.</param>
internal sealed record BenchOptions(
    bool Quick, IReadOnlySet<string> Scenarios, IReadOnlyList<int> ThroughputSizes, IReadOnlyList<int> LatencySizes,
    double Seconds, double? Rate, long? RingSize, long StreamBytes, bool Custom,
    string Strategy = StrategyNames.Default, bool BatchReleases = false, bool Prefault = false)
{
    /// <summary>Frame sizes of the fan-out rows (<see cref="FanOutPeers.Sizes"/> unless <c>--sizes</c> says otherwise).</summary>
    internal IReadOnlyList<int> FanOutSizes { get; init; } = FanOutPeers.Sizes;

    /// <summary>Delivery policy of the fan-out subscribers (<c>--fanout-policy</c>; Block by default, see <see cref="FanOutPeers"/>).</summary>
    internal DeliveryPolicy FanOutPolicy { get; init; } = DeliveryPolicy.Block;

    /// <summary>Frame sizes of the NATS rows (<see cref="NatsScenario.Sizes"/> unless <c>--sizes</c> says otherwise).</summary>
    internal IReadOnlyList<int> NatsSizes { get; init; } = NatsScenario.Sizes;

    /// <summary>The NATS modes measured (<c>--nats-modes</c>; both by default).</summary>
    internal IReadOnlyList<string> NatsModes { get; init; } = NatsScenario.Modes;

    /// <summary>The run's NATS server, when the nats scenario runs (its URL, or why there is none).</summary>
    internal NatsBenchServer? Nats { get; init; }

    /// <summary>
    /// Unmeasured warm-up before each window: a quarter of it, between 0.4 and 1 s. At least 0.4 s
    /// because .NET's tiered compilation starts promoting hot methods only after a 100 ms delay
    /// and then compiles them in the background: a shorter warm-up measures unoptimised code.
    /// </summary>
    internal double WarmUpSeconds => Math.Clamp(Seconds / 4, 0.4, 1.0);
}
