namespace ZeroBuffer.Bench;

/// <summary>
/// Puts each bridged NATS row next to the bare NATS row of the same mode, measure and size from
/// the same run (<c>ratios.bareNats</c>): throughput rows <c>framesPerSecond</c> and
/// <c>gigabytesPerSecond</c> (bridged ÷ bare: below 1 is slower), latency rows each percentile
/// (bridged ÷ bare: above 1 is slower). Null when the bare row did not run or failed.
/// </summary>
internal static class NatsRatios
{
    internal const string BareNats = "bareNats";

    internal static void Compute(IReadOnlyList<BenchResult> results)
    {
        foreach (BenchResult row in results.Where(r => r.Error is null && r.Case.Transport == Transports.NatsBridge && r.Nats is not null))
        {
            BenchResult? bare = BareOf(results, row);
            var ratios = new Dictionary<string, double?>();
            if (row.Nats!.Measure == NatsScenario.Throughput)
            {
                ratios["framesPerSecond"] = Divide(row.FramesPerSecond, bare?.FramesPerSecond);
                ratios["gigabytesPerSecond"] = Divide(row.GigabytesPerSecond, bare?.GigabytesPerSecond);
            }
            else
            {
                for (int i = 0; i < LatencyFigures.Names.Length; i++)
                {
                    ratios[LatencyFigures.Names[i]] = Divide(row.Latency?[i], bare?.Latency?[i]);
                }
            }

            row.Ratios[BareNats] = ratios;
        }
    }

    /// <summary>The bare row a bridged row is compared with (same mode, measure and size), if it ran.</summary>
    internal static BenchResult? BareOf(IReadOnlyList<BenchResult> results, BenchResult bridged) =>
        results.FirstOrDefault(r => r.Error is null && r.Case.Transport == Transports.Nats && r.Nats is not null
                                    && r.Nats.Mode == bridged.Nats!.Mode && r.Nats.Measure == bridged.Nats.Measure && r.FrameSize == bridged.FrameSize);

    private static double? Divide(double? value, double? baseline) =>
        value is double v && baseline is double b && b > 0 ? v / b : null;
}
