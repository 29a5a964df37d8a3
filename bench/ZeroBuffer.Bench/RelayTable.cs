using Spectre.Console;

namespace ZeroBuffer.Bench;

/// <summary>The human report of the upstream-relay rows (<see cref="UpstreamRelay"/>).</summary>
internal static class RelayTable
{
    internal static void Write(IAnsiConsole console, IReadOnlyList<BenchResult> results)
    {
        List<BenchResult> rows = [.. results.Where(r => r.Error is null && r.Case.Kind == CaseKind.Relay && r.Latency is not null)
            .OrderBy(r => r.Case.Rate).ThenBy(r => r.Mode, StringComparer.Ordinal)];
        if (rows.Count == 0)
        {
            return;
        }

        var table = new Table
        {
            Title = new TableTitle("upstream's scenario: 3.1 MB frames through a relay process and back, paced by a PeriodicTimer; "
                                   + "round trip from the actual send, µs (each reply matched to its send by sequence)"),
        };
        table.AddColumns("mode", "fps", "achieved/s", "samples", "p50", "p90", "p99", "p99.9", "max", "late replies", "max in flight", "CPU % s / r",
            "minor faults s", "probe stalls");
        foreach (BenchResult r in rows)
        {
            LatencyFigures l = r.Latency!;
            RelayFigures? relay = r.Relay;
            string faults = r.Paced?.Counters.TryGetValue("pinger", out ProcessCounters c) == true ? Format.Count(c.MinorFaults) : "-";
            table.AddRow(Markup.Escape(r.Mode + (r.Case.Strategy is null or StrategyNames.Default ? "" : " @" + r.Case.Strategy)), Format.Number(r.Case.Rate),
                relay is null ? "-" : Format.Number(relay.AchievedRate), Format.Count(r.Samples ?? 0),
                Format.Number(l.P50), Format.Number(l.P90), Format.Number(l.P99), Format.Number(l.P999), Format.Number(l.Max),
                relay is null ? "-" : Format.Count(relay.LateReplies), relay is null ? "-" : Format.Count(relay.MaxInFlight),
                string.Join(" / ", r.Sides.Select(s => s.CpuPercent is double v ? Format.Number(v) : "-")), faults,
                Markup.Escape(r.Disturbance?.Describe() ?? "-"));
        }

        console.Write(table);
    }
}
