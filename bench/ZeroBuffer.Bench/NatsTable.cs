using Spectre.Console;

namespace ZeroBuffer.Bench;

/// <summary>
/// The human report of the NATS rows (<see cref="NatsScenario"/>): throughput and one-way latency,
/// each bridged row under its bare row with its ratio, and the chunking of each size.
/// </summary>
internal static class NatsTable
{
    internal static void Write(IAnsiConsole console, IReadOnlyList<BenchResult> results)
    {
        List<BenchResult> rows = [.. results.Where(r => r.Case.Kind == CaseKind.Nats && r.Error is null && r.Nats is not null)
            .OrderBy(r => r.Nats!.Mode != NatsScenario.CoreMode).ThenBy(r => r.FrameSize).ThenBy(r => r.Case.Transport == Transports.NatsBridge)];
        List<BenchResult> throughput = [.. rows.Where(r => r.Nats!.Measure == NatsScenario.Throughput)];
        List<BenchResult> latency = [.. rows.Where(r => r.Nats!.Measure == NatsScenario.Latency)];
        if (throughput.Count > 0)
        {
            var table = new Table { Title = new TableTitle("NATS (issue 17): one-way throughput, bare NATS and the bridge (buffer → NATS → buffer); ratio: bridge ÷ bare") };
            table.AddColumns("path", "mode", "frame", "frames/s", "MB/s", "× bare", "lost", "CPU % s / r", "alloc B/frame s / r");
            foreach (BenchResult r in throughput)
            {
                table.AddRow(Path(r), r.Nats!.Mode, Format.Bytes(r.FrameSize), Format.Number(r.FramesPerSecond ?? double.NaN),
                    Format.Number((r.GigabytesPerSecond ?? double.NaN) * 1000), Format.Ratio(Ratio(r, "framesPerSecond")), Lost(r),
                    Sides(r, s => s.CpuPercent), Sides(r, s => s.AllocatedBytesPerFrame));
            }

            console.Write(table);
        }

        if (latency.Count > 0)
        {
            var table = new Table { Title = new TableTitle("NATS (issue 17): one-way latency at a fixed rate, µs; under each bridged row: × bare") };
            table.AddColumns("path", "mode", "frame", "rate", "samples", "p50", "p90", "p99", "p99.9", "max", "lost", "CPU % s / r", "alloc B/frame s / r");
            foreach (BenchResult r in latency)
            {
                LatencyFigures l = r.Latency!;
                table.AddRow([Path(r), r.Nats!.Mode, Format.Bytes(r.FrameSize), $"{r.Case.Rate:0}/s", Format.Count(r.Samples ?? 0),
                    .. Enumerable.Range(0, LatencyFigures.Names.Length).Select(i => Format.Number(l[i])), Lost(r),
                    Sides(r, s => s.CpuPercent), Sides(r, s => s.AllocatedBytesPerFrame)]);
                if (r.Ratios.TryGetValue(NatsRatios.BareNats, out Dictionary<string, double?>? ratios))
                {
                    table.AddRow(["[grey]  × bare[/]", "", "", "", "", .. LatencyFigures.Names.Select(n => $"[grey]{Format.Ratio(ratios[n])}[/]"), "", "", ""]);
                }
            }

            console.Write(table);
        }

        foreach (IGrouping<long, BenchResult> size in rows.GroupBy(r => r.FrameSize).Where(g => g.Any(r => r.Nats!.Chunks > 1)))
        {
            foreach (BenchResult r in size.DistinctBy(r => r.Nats!.Path))
            {
                console.MarkupLine($"[grey]{Markup.Escape($"{Format.Bytes(size.Key)} {r.Nats!.Path}: {r.Nats.Chunking}")}[/]");
            }
        }
    }

    private static string Path(BenchResult r) =>
        r.Nats!.Path + (r.Case.Strategy is null or StrategyNames.Default ? "" : " @" + r.Case.Strategy);

    private static double? Ratio(BenchResult r, string figure) =>
        r.Ratios.TryGetValue(NatsRatios.BareNats, out Dictionary<string, double?>? ratios) ? ratios[figure] : null;

    private static string Lost(BenchResult r) => Format.Count(r.Nats!.Lost) + (r.Nats.BridgeLost is > 0 ? $" (bridge: {Format.Count(r.Nats.BridgeLost.Value)})" : "");

    private static string Sides(BenchResult r, Func<SideFigures, double?> figure) =>
        string.Join(" / ", r.Sides.Select(s => figure(s) is double v ? Format.Number(v) : "-"));
}
