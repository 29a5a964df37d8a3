using Spectre.Console;

namespace ZeroBuffer.Bench;

/// <summary>
/// The human report of the paced round trips' hops (issue 18): where each paced row's round trip
/// spends its time, hop by hop, next to the paced semaphore rows (the floor); then how each side's
/// reads woke, what its process went through (collections, page faults, context switches) and what
/// the idle probe saw during the row.
/// </summary>
internal static class PacedTable
{
    internal static void Write(IAnsiConsole console, IReadOnlyList<BenchResult> results)
    {
        List<BenchResult> rows = [.. results.Where(r => r.Error is null && r.Case.Kind == CaseKind.Latency && r.Paced is not null)
            .OrderBy(r => r.Case.Rate).ThenBy(r => r.FrameSize).ThenBy(r => r.Case.Transport != Transports.Semaphore).ThenBy(r => r.Id, StringComparer.Ordinal)];
        if (rows.Count == 0)
        {
            return;
        }

        var hops = new Table
        {
            Title = new TableTitle("paced round trips, where the time goes: p50 / p99 per hop, µs (the hops but write add up to the round trip; write overlaps → echo wakes); "
                                   + "under each row, the slowest 1 %: mean per hop"),
        };
        hops.AddColumns(["row", "samples", .. HopRecorder.Names.Select(Heading), "round trip", "from the send"]);
        hops.Caption = new TableTitle(Markup.Escape(string.Join("; ", HopRecorder.Names.Select((n, i) => $"{Heading(n)}: {HopRecorder.Descriptions[i]}"))
                                                    + "; from the send: the round trip without the send lag"));
        foreach (BenchResult r in rows.Where(r => r.Paced!.Hops.Count > 0))
        {
            PacedFigures p = r.Paced!;
            hops.AddRow([Markup.Escape(r.Id), Format.Count(p.Samples),
                .. HopRecorder.Names.Select(n => $"{Format.Number(p.Hops[n].P50)} / {Format.Number(p.Hops[n].P99)}"),
                $"{Format.Number(r.Latency!.P50)} / {Format.Number(r.Latency.P99)}",
                p.FromSend is { } fromSend ? $"{Format.Number(fromSend.P50)} / {Format.Number(fromSend.P99)}" : "-"]);
            hops.AddRow([$"[grey]  tail ≥ {Markup.Escape(Format.Number(p.TailFromMicroseconds))} µs[/]", $"[grey]{Format.Count(p.TailSamples)}[/]",
                .. HopRecorder.Names.Select(n => $"[grey]{(p.TailMeans.TryGetValue(n, out double mean) ? Format.Number(mean) : "-")}[/]"), "", ""]);
        }

        if (hops.Rows.Count > 0)
        {
            console.Write(hops);
        }

        var sides = new Table { Title = new TableTitle("paced round trips, each side over its window: how reads woke (all / slowest 1 %), process counters, idle-probe stalls") };
        sides.AddColumns("row", "pinger wakes", "echo wakes", "slept in the tail p / e", "→ echo wakes by the echo's path, p50 / p99", "GC 0/1/2 p | e",
            "page faults minor/major p | e", "switches vol/invol p | e", "probe stalls");
        foreach (BenchResult r in rows)
        {
            PacedFigures p = r.Paced!;
            sides.AddRow(Markup.Escape(r.Id), Wakes(p.Wakes, "pinger"), Wakes(p.Wakes, "echo"),
                $"{Share(p.TailWakes, "pinger")} / {Share(p.TailWakes, "echo")}", ByPath(p, "toEcho"),
                Counters(p, c => $"{c.Gen0}/{c.Gen1}/{c.Gen2}"), Counters(p, c => $"{c.MinorFaults}/{c.MajorFaults}"),
                Counters(p, c => $"{c.VoluntarySwitches}/{c.InvoluntarySwitches}"), Markup.Escape(r.Disturbance?.Describe() ?? "-"));
        }

        console.Write(sides);
    }

    private static string Heading(string hop) => hop switch
    {
        "sendLag" => "send lag",
        "write" => "write",
        "toEcho" => "→ echo wakes",
        "echoTurnaround" => "echo turnaround",
        "toPinger" => "→ pinger wakes",
        _ => "finish",
    };

    private static string Wakes(IReadOnlyDictionary<string, WakeCounts> wakes, string side) =>
        wakes.TryGetValue(side, out WakeCounts? counts) ? counts.Describe() : "-";

    private static string Share(IReadOnlyDictionary<string, WakeCounts> wakes, string side) =>
        wakes.TryGetValue(side, out WakeCounts? counts) && counts.Total > 0 ? $"{Format.Number(counts.SleptShare * 100)} %" : "-";

    /// <summary>"spin 12.0 / 340 · slept 30.1 / 90.2": a wake-up hop's p50 and p99 for each way the waking read ended.</summary>
    private static string ByPath(PacedFigures p, string hop) =>
        p.ByWakePath.TryGetValue(hop, out IReadOnlyDictionary<string, LatencyFigures>? paths) && paths.Count > 0
            ? string.Join(" · ", paths.Select(x => $"{x.Key} {Format.Number(x.Value.P50)} / {Format.Number(x.Value.P99)}"))
            : "-";

    private static string Counters(PacedFigures p, Func<ProcessCounters, string> figure) =>
        string.Join(" | ", PacedFigures.Sides.Select(s => p.Counters.TryGetValue(s, out ProcessCounters c) ? figure(c) : "-"));
}
