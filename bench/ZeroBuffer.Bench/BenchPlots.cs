using ScottPlot;
using ScottPlot.TickGenerators;

namespace ZeroBuffer.Bench;

/// <summary>
/// The PNG plots of <c>bench --plots DIR</c>: <c>throughput-gbps.png</c> and
/// <c>throughput-fps.png</c> (per transport, mode and strategy, against frame size, log scale, the
/// Unix socket baseline among the series; streaming memcpy as a line on the GB/s plot and as the
/// frames/s one streaming copy per frame allows on the frames/s plot), and <c>latency.png</c>
/// (the percentiles of every ping-pong row, baselines, zero-copy, busy-spin and duplex included, log scale).
/// </summary>
internal static class BenchPlots
{
    private const int Width = 1000;
    private const int Height = 600;

    /// <summary>Writes the plots; returns the files written.</summary>
    internal static IReadOnlyList<string> Write(string directory, IReadOnlyList<BenchResult> results)
    {
        Directory.CreateDirectory(directory);
        var files = new List<string>();
        List<BenchResult> throughput = [.. results.Where(r => r.Case.Kind == CaseKind.Throughput && r.Error is null)];
        if (throughput.Count > 0)
        {
            double? memcpy = results.FirstOrDefault(r => r.Case.Kind == CaseKind.Bandwidth && r.Mode == "streaming" && r.Error is null)?.GigabytesPerSecond;
            files.Add(Throughput(Path.Combine(directory, "throughput-gbps.png"), throughput, r => r.GigabytesPerSecond ?? 0, "GB/s", log: true, memcpy));
            files.Add(Throughput(Path.Combine(directory, "throughput-fps.png"), throughput, r => r.FramesPerSecond ?? 0, "frames/s", log: true, null, memcpy));
        }

        List<BenchResult> latency = [.. results.Where(r => r.Case.Kind == CaseKind.Latency && r.Error is null && r.Latency is not null)];
        if (latency.Count > 0)
        {
            files.Add(Latency(Path.Combine(directory, "latency.png"), latency));
        }

        return files;
    }

    private static string Throughput(string path, List<BenchResult> rows, Func<BenchResult, double> figure, string unit, bool log, double? memcpy,
        double? memcpyPerFrame = null)
    {
        var plot = new Plot();
        foreach (IGrouping<string, BenchResult> series in rows.GroupBy(r => $"{r.Case.Transport} {r.Mode}{StrategySuffix(r)}"))
        {
            List<BenchResult> points = [.. series.OrderBy(r => r.FrameSize)];
            double[] xs = [.. points.Select(r => Math.Log2(r.FrameSize))];
            double[] ys = [.. points.Select(r => log ? Math.Log10(Math.Max(figure(r), 1e-6)) : figure(r))];
            var scatter = plot.Add.Scatter(xs, ys);
            scatter.LegendText = series.Key;
        }

        if (memcpy is double line)
        {
            var reference = plot.Add.HorizontalLine(log ? Math.Log10(line) : line);
            reference.LegendText = "memcpy streaming";
            reference.LinePattern = LinePattern.Dashed;
        }

        int[] sizes = [.. rows.Select(r => (int)r.FrameSize).Distinct().Order()];
        if (memcpyPerFrame is double gigabytes && sizes.Length > 0)
        {
            // The frames/s one streaming memcpy of each frame allows: the ceiling of any copying transport.
            double[] ys = [.. sizes.Select(s => gigabytes * 1e9 / s).Select(v => log ? Math.Log10(v) : v)];
            var ceiling = plot.Add.Scatter([.. sizes.Select(s => Math.Log2(s))], ys);
            ceiling.LegendText = "memcpy streaming (one copy per frame)";
            ceiling.LinePattern = LinePattern.Dashed;
            ceiling.MarkerSize = 0;
        }

        plot.Axes.Bottom.SetTicks([.. sizes.Select(s => Math.Log2(s))], [.. sizes.Select(s => Format.Bytes(s))]);
        if (log)
        {
            LogAxis(plot);
        }

        plot.Title($"One-way throughput ({unit}, log scale) by frame size; zero-copy GB/s = bytes handed off, not moved");
        plot.XLabel("frame size");
        plot.YLabel(unit);
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, Width, Height);
        return path;
    }

    private static string Latency(string path, List<BenchResult> rows)
    {
        var plot = new Plot();
        plot.Add.Palette = new ScottPlot.Palettes.Category20(); // a full run has ~20 rows: no colour twice
        double[] xs = [0, 1, 2, 3, 4];
        foreach (BenchResult r in rows)
        {
            double[] ys = [.. Enumerable.Range(0, 5).Select(i => Math.Log10(Math.Max(r.Latency![i], 0.01)))];
            var scatter = plot.Add.Scatter(xs, ys);
            if (r.Case.Transport is not (Transports.ZeroBuffer or Transports.Duplex))
            {
                scatter.LinePattern = LinePattern.Dashed; // baselines
            }

            scatter.LegendText = $"{r.Case.Transport}{(r.Case.Transport == Transports.ZeroBuffer ? " " + r.Mode : "")} {r.Case.Pacing}"
                                 + (r.Case.Rate > 0 ? $" {r.Case.Rate:0}/s" : "") + (r.FrameSize > 0 ? $" {Format.Bytes(r.FrameSize)}" : "") + StrategySuffix(r);
        }

        plot.Axes.Bottom.SetTicks(xs, ["p50", "p90", "p99", "p99.9", "max"]);
        LogAxis(plot);
        plot.Title("Round-trip latency percentiles (µs, log scale)");
        plot.YLabel("µs");
        plot.ShowLegend(Edge.Right);
        plot.SavePng(path, Width + 400, Height);
        return path;
    }

    private static string StrategySuffix(BenchResult r) => r.Case.Strategy is null or StrategyNames.Default ? "" : " @" + r.Case.Strategy;

    /// <summary>Labels a log10-transformed left axis with the real values.</summary>
    private static void LogAxis(Plot plot) =>
        plot.Axes.Left.TickGenerator = new NumericAutomatic
        {
            MinorTickGenerator = new LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = y => Format.Number(Math.Pow(10, y)),
        };
}
