using Spectre.Console;

namespace ZeroBuffer.Bench;

/// <summary>
/// The human report: one table per kind. Each ZeroBuffer figure carries its ratio to the baseline
/// underneath (throughput: × Unix socket and × streaming memcpy; latency: × semaphore ping-pong,
/// × Unix-socket ping-pong (same pacing) and × busy-poll ping-pong, per percentile; fan-out: × n
/// streaming copies of the frame); then the paced rows' hops (<see cref="PacedTable"/>) and the
/// upstream-relay rows (<see cref="RelayTable"/>).
/// </summary>
internal static class BenchTable
{
    internal static void Write(IAnsiConsole console, IReadOnlyList<BenchResult> results, BenchOptions options)
    {
        console.MarkupLine($"[bold]ZeroBuffer bench[/]: {Environment.ProcessorCount} CPUs, {(options.Custom ? "chosen scenarios/sizes" : options.Quick ? "quick run" : "full run")}, "
                           + $"{options.Seconds:0.##} s per case after {options.WarmUpSeconds:0.##} s warm-up, strategy {options.Strategy}"
                           + (options.BatchReleases ? ", batched releases" : "") + (options.Prefault ? ", prefaulted rings" : "")
                           + (results.Any(r => r.Runs > 1) ? $", medians of {results.Max(r => r.Runs)} runs (min-max in --json)" : ", one run"));
        WriteBandwidth(console, results);
        WriteThroughput(console, results);
        WriteLatency(console, results);
        WriteIdle(console, results);
        WriteFanOut(console, results);
        NatsTable.Write(console, results);
        PacedTable.Write(console, results);
        RelayTable.Write(console, results);
        foreach (BenchResult failed in results.Where(r => r.Error is not null))
        {
            console.MarkupLine($"[red]failed[/] {Markup.Escape(failed.Id)}: {Markup.Escape(failed.Error!)}");
        }
    }

    private static void WriteBandwidth(IAnsiConsole console, IReadOnlyList<BenchResult> results)
    {
        List<BenchResult> rows = [.. results.Where(r => r.Case.Kind == CaseKind.Bandwidth && r.Error is null)];
        if (rows.Count == 0)
        {
            return;
        }

        var table = new Table { Title = new TableTitle("memcpy, one thread (baseline)") };
        table.AddColumns("variant", "block", "GB/s");
        foreach (BenchResult r in rows)
        {
            table.AddRow(r.Mode ?? "", Format.Bytes(r.FrameSize), Format.Number(r.GigabytesPerSecond ?? double.NaN));
        }

        console.Write(table);
    }

    private static void WriteThroughput(IAnsiConsole console, IReadOnlyList<BenchResult> results)
    {
        List<BenchResult> rows = [.. results.Where(r => r.Case.Kind == CaseKind.Throughput && r.Error is null)
            .OrderBy(r => r.FrameSize).ThenBy(r => r.Case.Transport == Transports.UnixSocket).ThenBy(r => r.Mode)];
        if (rows.Count == 0)
        {
            return;
        }

        var table = new Table { Title = new TableTitle("one-way throughput (ratio: × unix socket, × streaming memcpy)") };
        table.AddColumns("transport", "mode", "frame", "frames/s", "× uds", "GB/s", "× memcpy", "CPU % w / r", "alloc B/frame w / r");
        foreach (BenchResult r in rows)
        {
            r.Ratios.TryGetValue(Ratios.UnixSocket, out var socket);
            r.Ratios.TryGetValue(Ratios.MemcpyStreaming, out var memcpy);
            table.AddRow(r.Case.Transport + (r.Case.Strategy is null or StrategyNames.Default ? "" : " @" + r.Case.Strategy), r.Mode ?? "", Format.Bytes(r.FrameSize),
                Format.Number(r.FramesPerSecond ?? double.NaN), Format.Ratio(socket?["framesPerSecond"]),
                Format.Number(r.GigabytesPerSecond ?? double.NaN), Format.Ratio(memcpy?["gigabytesPerSecond"]),
                Sides(r, s => s.CpuPercent), Sides(r, s => s.AllocatedBytesPerFrame));
        }

        console.Write(table);
    }

    private static void WriteLatency(IAnsiConsole console, IReadOnlyList<BenchResult> results)
    {
        List<BenchResult> rows = [.. results.Where(r => r.Case.Kind == CaseKind.Latency && r.Error is null)
            .OrderBy(r => r.Case.Transport != Transports.BusyPoll).ThenBy(r => r.Case.Transport != Transports.Semaphore)
            .ThenBy(r => r.FrameSize).ThenBy(r => r.Case.Transport == Transports.ZeroBuffer).ThenBy(r => r.Case.Pacing)];
        if (rows.Count == 0)
        {
            return;
        }

        var table = new Table
        {
            Title = new TableTitle("round trip, µs; under each ZeroBuffer row its ratios: × semaphore ping-pong and × unix-socket ping-pong of the same pacing "
                                   + "(paced: same rate; socket: same size), × busy-poll ping-pong"),
        };
        table.AddColumns("transport", "pacing", "frame", "samples", "p50", "p90", "p99", "p99.9", "max", "CPU % p / e", "alloc B/rt p / e");
        foreach (BenchResult r in rows)
        {
            LatencyFigures l = r.Latency!;
            table.AddRow([Variant(r), r.Case.Pacing + (r.Case.Rate > 0 ? $" {r.Case.Rate:0}/s" : ""),
                r.FrameSize > 0 ? Format.Bytes(r.FrameSize) : "-", Format.Count(r.Samples ?? 0),
                .. Enumerable.Range(0, LatencyFigures.Names.Length).Select(i => Format.Number(l[i])),
                Sides(r, s => s.CpuPercent), Sides(r, s => s.AllocatedBytesPerFrame)]);
            foreach ((string baseline, string label) in new[]
                     {
                         (Ratios.Semaphore, "  × semaphore"), (Ratios.UnixSocket, "  × unix socket"), (Ratios.BusyPoll, "  × busy-poll"),
                         (Ratios.RawPingPong, "  × raw ping-pong"),
                     })
            {
                if (r.Ratios.TryGetValue(baseline, out Dictionary<string, double?>? ratios))
                {
                    table.AddRow([$"[grey]{label}[/]", "", "", "",
                        .. LatencyFigures.Names.Select(n => $"[grey]{Format.Ratio(ratios[n])}[/]"), "", ""]);
                }
            }
        }

        console.Write(table);
    }

    private static void WriteIdle(IAnsiConsole console, IReadOnlyList<BenchResult> results)
    {
        List<BenchResult> rows = [.. results.Where(r => r.Case.Kind == CaseKind.Idle && r.Error is null)];
        if (rows.Count == 0)
        {
            return;
        }

        var table = new Table { Title = new TableTitle("no traffic: a connected pair waiting") };
        table.AddColumns("row", "seconds", "CPU % writer / reader", "reader threads");
        foreach (BenchResult r in rows)
        {
            table.AddRow(r.Id, Format.Number(r.Seconds), Sides(r, s => s.CpuPercent), r.Threads is int threads ? Format.Number(threads) : "-");
        }

        console.Write(table);
    }

    private static void WriteFanOut(IAnsiConsole console, IReadOnlyList<BenchResult> results)
    {
        List<BenchResult> rows = [.. results.Where(r => r.Case.Kind == CaseKind.FanOut && r.Error is null && r.FanOut is not null)
            .OrderBy(r => r.FrameSize).ThenBy(r => r.FanOut!.Subscribers)];
        if (rows.Count == 0)
        {
            return;
        }

        var table = new Table
        {
            Title = new TableTitle("fan-out: one zero-copy publisher, n subscribers (ratio: mean publish ÷ n × streaming memcpy of the frame)"),
        };
        table.AddColumns("subscribers", "policy", "frame", "publishes/s", "µs/publish mean", "p50", "p99", "× n memcpy", "delivered", "dropped (each)",
            "CPU % pub / subs", "alloc B/frame pub / subs");
        foreach (BenchResult r in rows)
        {
            FanOutFigures f = r.FanOut!;
            r.Ratios.TryGetValue(Ratios.MemcpyStreaming, out var memcpy);
            table.AddRow(Format.Count(f.Subscribers), f.Policy + (r.Case.Strategy is null or StrategyNames.Default ? "" : " @" + r.Case.Strategy), Format.Bytes(r.FrameSize), Format.Number(r.FramesPerSecond ?? double.NaN), Format.Number(f.MeanMicroseconds),
                Format.Number(f.Publish.P50), Format.Number(f.Publish.P99), Format.Ratio(memcpy?["publishMicroseconds"]),
                Format.Number(f.DeliveredShare(r.Frames) * 100) + " %", string.Join(" ", f.Each.Select(s => Format.Count(s.Dropped))),
                Sides(r, s => s.CpuPercent), Sides(r, s => s.AllocatedBytesPerFrame));
        }

        console.Write(table);
    }

    /// <summary>Transport, mode (ZeroBuffer) and strategy (when not the default) of a latency row.</summary>
    private static string Variant(BenchResult r) =>
        r.Case.Transport + (r.Case.Transport == Transports.ZeroBuffer ? " " + r.Mode : "")
        + (r.Case.Strategy is null or StrategyNames.Default ? "" : " @" + r.Case.Strategy);

    private static string Sides(BenchResult r, Func<SideFigures, double?> figure) =>
        string.Join(" / ", r.Sides.Select(s => figure(s) is double v ? Format.Number(v) : "-"));
}
