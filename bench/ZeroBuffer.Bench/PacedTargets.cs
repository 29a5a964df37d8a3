namespace ZeroBuffer.Bench;

/// <summary>
/// The paced goals of issue 18, judged against the machine's own floor measured in the same run
/// (<see cref="PacedBaselines"/>): a paced 64 B round trip's p99 within 2 × the paced semaphore
/// ping-pong's p99 at the same rate; a paced 3.1 MB zero-copy round trip (one copy: the request
/// produced in place, read in place, acknowledged) within 1.5 × the paced semaphore p99 at its
/// rate plus the p99 of one copy of the frame at that rate (<c>latency/memcpy/fixed-rate/SIZE</c>,
/// <see cref="PacedCopyPeer"/>: a copy every 5 ms is a cold copy, not the back-to-back streaming
/// GB/s). Ratios are to that bound (<c>ratioOf: baseline</c>).
/// </summary>
internal static class PacedTargets
{
    /// <summary>The paced 64 B p99 may be this many times the paced semaphore p99.</summary>
    internal const double SmallFrameFactor = 2;

    /// <summary>The paced 3.1 MB zero-copy p99 may be this many times the paced semaphore p99, plus one streaming copy.</summary>
    internal const double VideoFrameFactor = 1.5;

    private const int VideoFrame = 1920 * 1080 * 3 / 2;

    internal static TargetLine SmallFrame(IReadOnlyList<BenchResult> results, string strategy)
    {
        string id = BenchPlan.WithStrategy("latency/zerobuffer/copy/fixed-rate/64", strategy);
        var line = new TargetLine("paced round trip 64 B, p99, vs paced semaphore ping-pong p99 (same rate, same run)", id, "p99", "<=",
            SmallFrameFactor, "× paced semaphore p99") { TargetText = $"≤ {SmallFrameFactor} × latency/semaphore/fixed-rate p99" };
        if (Row(results, id) is not { Latency: { } latency } row)
        {
            return line;
        }

        line = Measured(line, row, latency.P99);
        if (PacedBaselines.Semaphore(results, row) is not { Latency: { P99: > 0 } floor } baseline)
        {
            return line with { TargetText = line.TargetText + " (not measured)" };
        }

        double ratio = latency.P99 / floor.P99;
        return line with
        {
            Ratio = ratio,
            RatioOf = "baseline",
            Met = ratio <= SmallFrameFactor,
            TargetText = $"≤ {SmallFrameFactor} × {Format.Number(floor.P99)} µs ({baseline.Id})",
        };
    }

    internal static TargetLine VideoFrameZeroCopy(IReadOnlyList<BenchResult> results, string strategy)
    {
        string id = BenchPlan.WithStrategy($"latency/zerobuffer/zero-copy/fixed-rate/{VideoFrame}", strategy);
        var line = new TargetLine("paced round trip 3.1 MB, zero-copy, p99, vs paced semaphore p99 and one paced copy (same rate, same run)", id, "p99", "<=",
            VideoFrameFactor, "× paced semaphore p99 + one paced copy p99") { TargetText = $"≤ {VideoFrameFactor} × paced semaphore p99 + paced copy p99" };
        if (Row(results, id) is not { Latency: { } latency } row)
        {
            return line;
        }

        line = Measured(line, row, latency.P99);
        if (PacedBaselines.Semaphore(results, row) is not { Latency: { P99: > 0 } floor } baseline
            || PacedBaselines.Copy(results, row) is not { Latency: { P99: > 0 } copy } copyRow)
        {
            return line with { TargetText = line.TargetText + " (not measured)" };
        }

        double bound = VideoFrameFactor * floor.P99 + copy.P99;
        return line with
        {
            Ratio = latency.P99 / bound,
            RatioOf = "baseline",
            Met = latency.P99 <= bound,
            TargetText = $"≤ {VideoFrameFactor} × {Format.Number(floor.P99)} µs ({baseline.Id}) + {Format.Number(copy.P99)} µs ({copyRow.Id}) = {Format.Number(bound)} µs",
        };
    }

    private static BenchResult? Row(IReadOnlyList<BenchResult> results, string id) => results.FirstOrDefault(r => r.Id == id && r.Error is null);

    private static TargetLine Measured(TargetLine line, BenchResult row, double value)
    {
        (double Min, double Max)? spread = row.Spread.TryGetValue(line.Field, out var s) ? s : null;
        return line with { Measured = value, Min = spread?.Min, Max = spread?.Max };
    }
}
