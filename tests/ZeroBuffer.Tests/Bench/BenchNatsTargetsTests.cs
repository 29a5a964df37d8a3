using ZeroBuffer.Bench;
using ZeroBuffer.Cli;

namespace ZeroBuffer.Tests.Bench;

/// <summary>
/// The NATS lines of the targets table (issue 17: the bridge adds under 10 % to bare NATS) on
/// hand-made rows: each bridged row against the bare row of the same mode, measure and size.
/// </summary>
public sealed class BenchNatsTargetsTests
{
    private static BenchOptions Options(params string[] scenarios) => new(
        Quick: false, Scenarios: new HashSet<string>(scenarios), ThroughputSizes: [64], LatencySizes: [64], Seconds: 2, Rate: null,
        RingSize: null, StreamBytes: 256L << 20, Custom: true)
    {
        NatsSizes = [64],
        NatsModes = [NatsScenario.CoreMode],
    };

    [Fact]
    public void Evaluate_JudgesEachBridgedFigureAgainstTheBareOne()
    {
        BenchResult[] rows =
        [
            Throughput(NatsScenario.BarePath, framesPerSecond: 100_000),
            Throughput(NatsScenario.BridgePath, framesPerSecond: 95_000), // 5 % fewer frames: within 10 %
            Latency(NatsScenario.BarePath, p50: 200, p99: 1000),
            Latency(NatsScenario.BridgePath, p50: 230, p99: 1050), // p50 +15 %: missed; p99 +5 %: met
        ];
        NatsRatios.Compute(rows);

        Dictionary<string, TargetLine> lines = Targets.Evaluate(rows, Options(Scenarios.Nats)).Where(l => l.Figure.StartsWith("NATS", StringComparison.Ordinal))
            .ToDictionary(l => l.Field);

        Assert.Equal(3, lines.Count);
        Assert.Equal((0.95, true, "baseline"), (Math.Round(lines["framesPerSecond"].Ratio!.Value, 6), lines["framesPerSecond"].Met!.Value, lines["framesPerSecond"].RatioOf));
        Assert.Equal((1.15, false), (Math.Round(lines["p50"].Ratio!.Value, 6), lines["p50"].Met!.Value));
        Assert.Equal((1.05, true), (Math.Round(lines["p99"].Ratio!.Value, 6), lines["p99"].Met!.Value));
        Assert.Equal(0.95, rows[1].Ratios[NatsRatios.BareNats]["framesPerSecond"]!.Value, 6);
        Assert.Equal(1.15, rows[3].Ratios[NatsRatios.BareNats]["p50"]!.Value, 6);
    }

    [Fact]
    public void Evaluate_WithoutTheBareRow_MeasuresTheBridgeButJudgesNothing()
    {
        BenchResult[] rows = [Throughput(NatsScenario.BridgePath, framesPerSecond: 95_000)];
        NatsRatios.Compute(rows);

        TargetLine line = Targets.Evaluate(rows, Options(Scenarios.Nats)).Single(l => l.Field == "framesPerSecond" && l.Figure.StartsWith("NATS", StringComparison.Ordinal));

        Assert.Equal(95_000, line.Measured);
        Assert.Null(line.Met);
        Assert.Equal("not measured", line.Status);
        Assert.Null(rows[0].Ratios[NatsRatios.BareNats]["framesPerSecond"]);
    }

    [Fact]
    public void Evaluate_HasNoNatsLines_WhenTheNatsScenarioWasNotAskedFor()
    {
        Assert.DoesNotContain(Targets.Evaluate([], Options(Scenarios.Throughput)), l => l.Figure.StartsWith("NATS", StringComparison.Ordinal));
    }

    private static BenchCase Case(string path, string measure) =>
        new(NatsScenario.RowId(measure, path, NatsScenario.CoreMode, 64), CaseKind.Nats, NatsScenario.Transport(path), NatsScenario.CoreMode,
            measure == NatsScenario.Latency ? "fixed-rate" : null, 64, measure == NatsScenario.Latency ? 1000 : 0, null, new PeerSpec("x", []), true, "n")
        {
            Strategy = path == NatsScenario.BridgePath ? StrategyNames.SpinThenBlock : null,
        };

    private static NatsFigures Figures(string path, string measure) =>
        new(path, NatsScenario.CoreMode, measure, 1 << 20, 64, 1, Sent: 10, Lost: 0, BridgeLost: path == NatsScenario.BridgePath ? 0 : null);

    private static BenchResult Throughput(string path, double framesPerSecond) =>
        new(Case(path, NatsScenario.Throughput))
        {
            FramesPerSecond = framesPerSecond,
            GigabytesPerSecond = framesPerSecond * 64 / 1e9,
            Nats = Figures(path, NatsScenario.Throughput),
        };

    private static BenchResult Latency(string path, double p50, double p99) =>
        new(Case(path, NatsScenario.Latency))
        {
            Latency = new LatencyFigures(p50, p50 * 1.5, p99, p99 * 1.5, p99 * 2),
            Nats = Figures(path, NatsScenario.Latency),
        };
}
