namespace ZeroBuffer.Bench;

/// <summary>
/// The goal of issue 17 in the targets table: the bridge adds under 10 % to the bare NATS figures
/// of the same run. Per mode and size: frames/s (the bridged rate at least the bare rate ÷ 1.1,
/// i.e. at most 10 % more time per frame) and the one-way latency p50 and p99 (at most 1.1 × bare).
/// Only in a run that asked for the <c>nats</c> scenario; a row that did not run (no server) or
/// failed is "not measured".
/// </summary>
internal static class NatsTargets
{
    /// <summary>What the bridge may add: 10 %.</summary>
    internal const double Factor = 1.1;

    internal static IEnumerable<TargetLine> Evaluate(IReadOnlyList<BenchResult> results, BenchOptions options)
    {
        if (!options.Scenarios.Contains(Scenarios.Nats))
        {
            yield break;
        }

        foreach (string mode in options.NatsModes)
        {
            foreach (int size in options.NatsSizes)
            {
                yield return Line(results, options, mode, size, NatsScenario.Throughput, "framesPerSecond", "frames/s");
                yield return Line(results, options, mode, size, NatsScenario.Latency, "p50", "one-way p50");
                yield return Line(results, options, mode, size, NatsScenario.Latency, "p99", "one-way p99");
            }
        }
    }

    private static TargetLine Line(IReadOnlyList<BenchResult> results, BenchOptions options, string mode, int size, string measure, string field, string what)
    {
        string id = BenchPlan.WithStrategy(NatsScenario.RowId(measure, NatsScenario.BridgePath, mode, size), options.Strategy);
        bool throughput = measure == NatsScenario.Throughput;
        var line = new TargetLine($"NATS bridge {mode} {Format.Bytes(size)}, {what}, vs bare NATS", id, field,
            throughput ? ">=" : "<=", throughput ? 1 / Factor : Factor, throughput ? "× bare NATS (≥ bare ÷ 1.1)" : "× bare NATS")
        {
            TargetText = throughput ? $"≥ bare ÷ {Factor}" : $"≤ {Factor} × bare",
        };
        BenchResult? bridged = results.FirstOrDefault(r => r.Id == id && r.Error is null);
        double? measured = throughput ? bridged?.FramesPerSecond : field == "p50" ? bridged?.Latency?.P50 : bridged?.Latency?.P99;
        if (bridged is null || measured is not double value)
        {
            return line;
        }

        (double Min, double Max)? spread = bridged.Spread.TryGetValue(field, out var s) ? s : null;
        line = line with { Measured = value, Min = spread?.Min, Max = spread?.Max };
        BenchResult? bare = NatsRatios.BareOf(results, bridged);
        double? baseline = throughput ? bare?.FramesPerSecond : field == "p50" ? bare?.Latency?.P50 : bare?.Latency?.P99;
        if (baseline is not double b || b <= 0)
        {
            return line with { TargetText = line.TargetText + " (bare not measured)" };
        }

        double ratio = value / b;
        return line with
        {
            Ratio = ratio,
            RatioOf = "baseline",
            Met = throughput ? ratio >= 1 / Factor : ratio <= Factor,
            TargetText = throughput ? $"≥ {Format.Number(b)} ÷ {Factor} frames/s" : $"≤ {Factor} × {Format.Number(b)} µs",
        };
    }
}
