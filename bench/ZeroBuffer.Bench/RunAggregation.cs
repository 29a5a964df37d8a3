namespace ZeroBuffer.Bench;

/// <summary>
/// Folds the rows of <c>--runs N</c> repeated runs into one row per id: every figure is the
/// median over the runs, and <see cref="BenchResult.Spread"/> keeps each headline figure's
/// min–max. A row that failed in any run stays failed (with that run's error).
/// </summary>
internal static class RunAggregation
{
    internal static List<BenchResult> Median(IReadOnlyList<IReadOnlyList<BenchResult>> runs)
    {
        var aggregated = new List<BenchResult>();
        foreach (IGrouping<string, BenchResult> group in runs.SelectMany(r => r).GroupBy(r => r.Id))
        {
            List<BenchResult> rows = [.. group];
            BenchResult first = rows[0];
            BenchResult? failed = rows.FirstOrDefault(r => r.Error is not null);
            if (failed is not null)
            {
                aggregated.Add(failed);
                continue;
            }

            var result = new BenchResult(first.Case)
            {
                Id = first.Id,
                Mode = first.Mode,
                FrameSize = first.FrameSize,
                Runs = rows.Count,
                Frames = (long)Of(rows, r => r.Frames)!.Value,
                Seconds = Of(rows, r => r.Seconds)!.Value,
                FramesPerSecond = Of(rows, r => r.FramesPerSecond),
                GigabytesPerSecond = Of(rows, r => r.GigabytesPerSecond),
                Samples = (long?)Of(rows, r => r.Samples),
                Latency = first.Latency is null
                    ? null
                    : new LatencyFigures(Of(rows, r => r.Latency![0])!.Value, Of(rows, r => r.Latency![1])!.Value, Of(rows, r => r.Latency![2])!.Value,
                        Of(rows, r => r.Latency![3])!.Value, Of(rows, r => r.Latency![4])!.Value),
                SendLag = first.SendLag is null
                    ? null
                    : new LatencyFigures(Of(rows, r => r.SendLag?[0])!.Value, Of(rows, r => r.SendLag?[1])!.Value, Of(rows, r => r.SendLag?[2])!.Value,
                        Of(rows, r => r.SendLag?[3])!.Value, Of(rows, r => r.SendLag?[4])!.Value),
                Sides = [.. first.Sides.Select((side, i) => new SideFigures(side.Role,
                    Of(rows, r => r.Sides[i].CpuPercent), Of(rows, r => r.Sides[i].AllocatedBytesPerFrame)))],
                FanOut = first.FanOut is null ? null : FanOut(rows),
                Nats = first.Nats is null ? null : NatsFigures.Median(rows),
                Paced = first.Paced is null ? null : PacedFigures.Median([.. rows.Select(r => r.Paced).OfType<PacedFigures>()]),
                Relay = first.Relay is null ? null : RelayFigures.Median([.. rows.Select(r => r.Relay).OfType<RelayFigures>()]),
                Disturbance = Disturbance.Sum(rows.Select(r => r.Disturbance)),
            };
            Spread(result, rows, "framesPerSecond", r => r.FramesPerSecond);
            Spread(result, rows, "gigabytesPerSecond", r => r.GigabytesPerSecond);
            Spread(result, rows, "publishMicroseconds", r => r.FanOut?.MeanMicroseconds);
            for (int i = 0; i < LatencyFigures.Names.Length; i++)
            {
                int index = i;
                Spread(result, rows, LatencyFigures.Names[i], r => r.Latency?[index]);
            }

            aggregated.Add(result);
        }

        return aggregated;
    }

    /// <summary>The fan-out figures of a row's runs: each the median, per subscriber too (by position: the ids are the same in every run).</summary>
    private static FanOutFigures FanOut(List<BenchResult> rows)
    {
        FanOutFigures first = rows[0].FanOut!;
        return first with
        {
            MeanMicroseconds = Of(rows, r => r.FanOut!.MeanMicroseconds) ?? double.NaN,
            Publish = new LatencyFigures(Of(rows, r => r.FanOut!.Publish[0])!.Value, Of(rows, r => r.FanOut!.Publish[1])!.Value,
                Of(rows, r => r.FanOut!.Publish[2])!.Value, Of(rows, r => r.FanOut!.Publish[3])!.Value, Of(rows, r => r.FanOut!.Publish[4])!.Value),
            Samples = (long)Of(rows, r => r.FanOut!.Samples)!.Value,
            Each = [.. first.Each.Select((s, i) => s with
            {
                Delivered = (long)Of(rows, r => r.FanOut!.Each[i].Delivered)!.Value,
                Dropped = (long)Of(rows, r => r.FanOut!.Each[i].Dropped)!.Value,
                Read = (long)Of(rows, r => r.FanOut!.Each[i].Read)!.Value,
            })],
        };
    }

    /// <summary>The median of the values that exist; null if none.</summary>
    private static double? Of(List<BenchResult> rows, Func<BenchResult, double?> figure)
    {
        double[] values = [.. rows.Select(figure).OfType<double>().Order()];
        if (values.Length == 0)
        {
            return null;
        }

        int middle = values.Length / 2;
        return values.Length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }

    private static void Spread(BenchResult result, List<BenchResult> rows, string name, Func<BenchResult, double?> figure)
    {
        double[] values = [.. rows.Select(figure).OfType<double>()];
        if (values.Length > 0)
        {
            result.Spread[name] = (values.Min(), values.Max());
        }
    }
}
