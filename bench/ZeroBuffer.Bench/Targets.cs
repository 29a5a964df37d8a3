using System.Text.Json;
using Spectre.Console;
using ZeroBuffer.Cli.Events;
using ZeroBuffer.Topics;

namespace ZeroBuffer.Bench;

/// <summary>
/// One line of the issue-5 targets table: which row and field of this run it reads, the measured
/// value (the median with <c>--runs</c> &gt; 1, with min–max), the target, and the ratio
/// (measured ÷ target, or measured ÷ baseline when the target is stated against a baseline).
/// </summary>
[System.Text.Json.Serialization.JsonConverter(typeof(SelfWrittenJsonConverter<TargetLine>))]
internal sealed record TargetLine(string Figure, string Row, string Field, string Comparison, double Target, string Unit) : ISelfWrittenJson
{
    /// <summary>The measured value; null when the row was not part of the run (or failed).</summary>
    internal double? Measured { get; init; }

    internal double? Min { get; init; }

    internal double? Max { get; init; }

    /// <summary>Measured ÷ target, or ÷ baseline (see <see cref="RatioOf"/>).</summary>
    internal double? Ratio { get; init; }

    /// <summary><c>target</c> or <c>baseline</c>.</summary>
    internal string RatioOf { get; init; } = "target";

    /// <summary>What the target is stated against, for the table (e.g. "0.95 × memcpy 11.2 GB/s").</summary>
    internal string? TargetText { get; init; }

    internal bool? Met { get; init; }

    internal string Status => Met switch
    {
        true => "met",
        false => "missed",
        null => "not measured",
    };

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteString("figure"u8, Figure);
        w.WriteString("row"u8, Row);
        w.WriteString("field"u8, Field);
        w.WriteString("status"u8, Status);
        Number(w, "measured", Measured);
        Number(w, "min", Min);
        Number(w, "max", Max);
        w.WriteString("comparison"u8, Comparison);
        w.WriteNumber("target"u8, Math.Round(Target, 4));
        w.WriteString("unit"u8, Unit);
        Number(w, "ratio", Ratio);
        w.WriteString("ratioOf"u8, RatioOf);
        if (Met is bool met)
        {
            w.WriteBoolean("met"u8, met);
        }
        else
        {
            w.WriteNull("met"u8);
        }
    }

    private static void Number(Utf8JsonWriter w, string name, double? value)
    {
        if (value is double v && double.IsFinite(v))
        {
            w.WriteNumber(name, Math.Round(v, 4));
        }
        else
        {
            w.WriteNull(name);
        }
    }
}

/// <summary>
/// The targets of issue 5, the paced goals of issue 18 (<see cref="PacedTargets"/>) and the fan-out
/// goal of issue 16, read from the rows of one bench run (docs/performance.md, "Targets", "Paced
/// round trips" and "Fan-out"): printed at the end of every run and in the JSON summary's <c>targets</c>.
/// </summary>
internal static class Targets
{
    /// <summary>The 3.1 MB frame of the round-trip targets (one 1080p YUV 4:2:0 frame).</summary>
    private const int VideoFrame = 1920 * 1080 * 3 / 2;

    internal static IReadOnlyList<TargetLine> Evaluate(IReadOnlyList<BenchResult> results, BenchOptions options)
    {
        string strategy = options.Strategy;
        BenchResult? Row(string id) => results.FirstOrDefault(r => r.Id == id && r.Error is null);
        string Id(string id) => BenchPlan.WithStrategy(id, strategy);
        var lines = new List<TargetLine>
        {
            Figure(Row, "64 B one-way, zero-copy, frames/s", Id("throughput/zerobuffer/zero-copy/64"), "framesPerSecond", ">=", 10e6, "frames/s",
                r => r.FramesPerSecond),
            SmallFrameCeiling(Row, strategy),
            Figure(Row, "4 KiB one-way, copy, frames/s", Id("throughput/zerobuffer/copy/4096"), "framesPerSecond", ">=", 3e6, "frames/s",
                r => r.FramesPerSecond),
            Memcpy(results, strategy),
            Figure(Row, "round trip 64 B, default strategy, p50", "latency/zerobuffer/copy/back-to-back/64", "p50", "<=", 3, "µs", r => r.Latency?.P50),
            Figure(Row, "round trip 64 B, default strategy, p99", "latency/zerobuffer/copy/back-to-back/64", "p99", "<=", 50, "µs", r => r.Latency?.P99),
            Figure(Row, "round trip 64 B, busy-spin, p50", BenchPlan.WithStrategy("latency/zerobuffer/copy/back-to-back/64", StrategyNames.BusySpin),
                "p50", "<=", 0.5, "µs", r => r.Latency?.P50),
            Figure(Row, "round trip 3.1 MB, zero-copy, p50", Id($"latency/zerobuffer/zero-copy/back-to-back/{VideoFrame}"), "p50", "<=", 250, "µs",
                r => r.Latency?.P50),
            Figure(Row, "round trip 3.1 MB, zero-copy, p99.9", Id($"latency/zerobuffer/zero-copy/back-to-back/{VideoFrame}"), "p999", "<=", 600, "µs",
                r => r.Latency?.P999),
            Figure(Row, "round trip 3.1 MB, copy in and out, p50", Id($"latency/zerobuffer/copy/back-to-back/{VideoFrame}"), "p50", "<=", 250, "µs",
                r => r.Latency?.P50),
            Figure(Row, "round trip 3.1 MB, copy in and out, p99.9", Id($"latency/zerobuffer/copy/back-to-back/{VideoFrame}"), "p999", "<=", 600, "µs",
                r => r.Latency?.P999),
            PacedTargets.SmallFrame(results, strategy),
            PacedTargets.VideoFrameZeroCopy(results, strategy),
            Duplex(Row, strategy),
            Figure(Row, "duplex round trip 3.1 MB (RequestAsync lease), bytes allocated per round trip, client process",
                Id($"latency/duplex/zero-copy/back-to-back/{VideoFrame}"), "sides.pinger.allocatedBytesPerFrame", "<", 1, "B/round trip",
                r => r.Sides.FirstOrDefault(s => s.Role == "pinger")?.AllocatedBytesPerFrame),
            Allocations(results),
            FanOut(results),
            Figure(Row, "CPU of a reader waiting with no traffic", Id("idle/zerobuffer"), "sides.reader.cpuPercent", "<", 1, "%",
                r => r.Sides.FirstOrDefault(s => s.Role == "reader")?.CpuPercent),
        };
        lines.AddRange(NatsTargets.Evaluate(results, options));
        return lines;
    }

    internal static void WriteTable(IAnsiConsole console, IReadOnlyList<TargetLine> lines)
    {
        var table = new Table { Title = new TableTitle("targets (issue 5; paced, 64 B batched and copy ≥ 1 × memcpy: issue 18; fan-out: issue 16), from the rows above") };
        table.AddColumns("figure", "row → field", "measured (min-max)", "target", "ratio", "result");
        foreach (TargetLine line in lines)
        {
            string measured = line.Measured is double m
                ? Format.Number(m) + (line.Min is double lo && line.Max is double hi ? $" ({Format.Number(lo)}-{Format.Number(hi)})" : "")
                : "not measured";
            string ratio = line.Ratio is double r ? $"×{Format.Number(r)} {(line.RatioOf == "baseline" ? "baseline" : "target")}" : "-";
            string result = line.Met switch
            {
                true => "[green]met[/]",
                false => "[red]missed[/]",
                null => "[grey]not measured[/]",
            };
            table.AddRow(Markup.Escape(line.Figure), Markup.Escape($"{line.Row} → {line.Field}"), Markup.Escape(measured),
                Markup.Escape(line.TargetText ?? $"{Symbol(line.Comparison)} {Format.Number(line.Target)} {line.Unit}"), Markup.Escape(ratio), result);
        }

        console.Write(table);
    }

    private static string Symbol(string comparison) => comparison switch
    {
        ">=" => "≥",
        "<=" => "≤",
        _ => comparison,
    };

    private static bool Compare(double value, string comparison, double target) => comparison switch
    {
        ">=" => value >= target,
        "<=" => value <= target,
        "<" => value < target,
        _ => value == target,
    };

    /// <summary>A figure of one row against an absolute target; ratio = measured ÷ target.</summary>
    private static TargetLine Figure(Func<string, BenchResult?> row, string figure, string id, string field, string comparison, double target,
        string unit, Func<BenchResult, double?> value)
    {
        var line = new TargetLine(figure, id, field, comparison, target, unit);
        if (row(id) is not BenchResult r || value(r) is not double measured)
        {
            return line;
        }

        (double Min, double Max)? spread = r.Spread.TryGetValue(field, out var s) ? s : null;
        return line with
        {
            Measured = measured,
            Min = spread?.Min,
            Max = spread?.Max,
            Ratio = target > 0 ? measured / target : null,
            Met = Compare(measured, comparison, target),
        };
    }

    /// <summary>Copy throughput of frames ≥ 64 KiB against streaming memcpy: the worst such row counts.</summary>
    private static TargetLine Memcpy(IReadOnlyList<BenchResult> results, string strategy)
    {
        const double Factor = 1.0; // issue 18 (issue 5 asked 0.95)
        BenchResult? streaming = results.FirstOrDefault(r => r.Case.Kind == CaseKind.Bandwidth && r.Mode == "streaming" && r.Error is null);
        List<BenchResult> rows = [.. results.Where(r => r.Error is null && r.Case.Kind == CaseKind.Throughput && r.Case.Transport == Transports.ZeroBuffer
                                                        && r.Mode == "copy" && r.FrameSize >= 65536 && r.Case.Strategy == strategy && r.GigabytesPerSecond is not null)];
        var line = new TargetLine(">= 64 KiB one-way, copy, GB/s (worst size)", BenchPlan.WithStrategy("throughput/zerobuffer/copy/{65536…}", strategy),
            "gigabytesPerSecond", ">=", Factor, "× memcpy streaming")
        {
            TargetText = streaming?.GigabytesPerSecond is double m ? $"≥ {Factor} × memcpy ({Format.Number(m)} GB/s)" : $"≥ {Factor} × memcpy",
        };
        if (rows.Count == 0 || streaming?.GigabytesPerSecond is not double memcpy || memcpy <= 0)
        {
            return line;
        }

        BenchResult worst = rows.MinBy(r => r.GigabytesPerSecond!.Value)!;
        double ratio = worst.GigabytesPerSecond!.Value / memcpy;
        (double Min, double Max)? spread = worst.Spread.TryGetValue("gigabytesPerSecond", out var s) ? s : null;
        return line with
        {
            Row = worst.Id,
            Measured = worst.GigabytesPerSecond,
            Min = spread?.Min,
            Max = spread?.Max,
            Ratio = ratio,
            RatioOf = "baseline",
            Met = ratio >= Factor,
        };
    }

    /// <summary>
    /// The small-frame ceiling of issue 18: 64 B one-way, zero-copy, the reader batching its
    /// releases, at least 20 M frames/s. The ratio is to the busy-poll baseline's rate of cache-line
    /// hand-overs (one a half round trip: 2 ÷ its p50), the most a protocol that hands every frame
    /// over on its own line could reach.
    /// </summary>
    private static TargetLine SmallFrameCeiling(Func<string, BenchResult?> row, string strategy)
    {
        const double Target = 20e6;
        string id = BenchPlan.WithStrategy($"throughput/zerobuffer/zero-copy{BenchPlan.BatchedModeSuffix}/{BenchPlan.BatchedRowSize}", strategy);
        TargetLine line = Figure(row, "64 B one-way, zero-copy, reader batching releases, frames/s (ratio: × busy-poll hand-overs)", id,
            "framesPerSecond", ">=", Target, "frames/s", r => r.FramesPerSecond);
        if (line.Measured is not double measured)
        {
            return line;
        }

        if (row("latency/busy-poll/back-to-back")?.Latency is not LatencyFigures busyPoll || busyPoll.P50 <= 0)
        {
            return line with { Ratio = null, TargetText = $"≥ {Format.Number(Target)} frames/s (busy-poll not measured)" };
        }

        double handOvers = 2 / (busyPoll.P50 * 1e-6);
        return line with
        {
            Ratio = measured / handOvers,
            RatioOf = "baseline",
            TargetText = $"≥ {Format.Number(Target)} frames/s (busy-poll: {Format.Number(handOvers)} hand-overs/s)",
        };
    }

    /// <summary>Duplex round trip p50 against the raw two-buffer ping-pong's p50 (same size and strategy).</summary>
    private static TargetLine Duplex(Func<string, BenchResult?> row, string strategy)
    {
        const double Factor = 1.2;
        string id = BenchPlan.WithStrategy($"latency/duplex/copy/back-to-back/{DuplexRoundTrip.FrameSize}", strategy);
        string rawId = DuplexRoundTrip.RawRowId(strategy);
        var line = new TargetLine("duplex round trip 64 B, p50, vs raw two-buffer ping-pong", id, "p50", "<=", Factor, "× raw ping-pong")
        {
            TargetText = $"≤ {Factor} × {rawId}",
        };
        if (row(id)?.Latency is not LatencyFigures duplex)
        {
            return line;
        }

        (double Min, double Max)? spread = row(id)!.Spread.TryGetValue("p50", out var s) ? s : null;
        line = line with { Measured = duplex.P50, Min = spread?.Min, Max = spread?.Max };
        if (row(rawId)?.Latency is not LatencyFigures raw || raw.P50 <= 0)
        {
            return line with { TargetText = $"≤ {Factor} × {rawId} (not measured)" };
        }

        double ratio = duplex.P50 / raw.P50;
        return line with { Ratio = ratio, RatioOf = "baseline", Met = ratio <= Factor, TargetText = $"≤ {Factor} × {Format.Number(raw.P50)} µs" };
    }

    /// <summary>
    /// Fan-out of 3.1 MB frames (issue 16): the mean time of one zero-copy publish against n
    /// streaming copies of the frame (<see cref="Ratios.FanOutBaseline"/>), the worst subscriber
    /// count counting. One fill and n − 1 copies are n frame-sized passes over memory, each no
    /// slower than a streaming copy (the fill only writes; each copy reads the frame just
    /// filled): the goal is that the topic costs the publisher no more than the copies it must
    /// make, its claims, commits and waits for readers lost in them. Only Block rows count: with
    /// the other policies a dropped frame is a copy not made, and the ratio would flatter.
    /// </summary>
    private static TargetLine FanOut(IReadOnlyList<BenchResult> results)
    {
        const double Factor = FanOutFactor;
        BenchResult? streaming = results.FirstOrDefault(r => r.Case.Kind == CaseKind.Bandwidth && r.Mode == "streaming" && r.Error is null);
        var rows = results
            .Where(r => r.Error is null && r.Case.Kind == CaseKind.FanOut && r.Case.Policy == DeliveryPolicy.Block && r.FrameSize == FanOutPeers.VideoFrame
                        && r.FanOut is not null)
            .Select(r => (Row: r, Ratio: r.FanOut!.MeanMicroseconds / Ratios.FanOutBaseline(r, streaming?.GigabytesPerSecond)))
            .Where(x => x.Ratio is double)
            .ToList();
        var line = new TargetLine("fan-out 3.1 MB, zero-copy publish, µs per frame (worst subscriber count)", $"fanout/zero-copy/{{1,2,4,8}}/{FanOutPeers.VideoFrame}",
            "publishMicroseconds.mean", "<=", Factor, "× n × memcpy streaming")
        {
            TargetText = streaming?.GigabytesPerSecond is double m ? $"≤ {Factor} × n × memcpy ({Format.Number(m)} GB/s)" : $"≤ {Factor} × n × memcpy",
        };
        if (rows.Count == 0)
        {
            return line;
        }

        (BenchResult worst, double? ratio) = rows.MaxBy(x => x.Ratio!.Value);
        (double Min, double Max)? spread = worst.Spread.TryGetValue("publishMicroseconds", out var s) ? s : null;
        return line with
        {
            Row = worst.Id,
            Measured = worst.FanOut!.MeanMicroseconds,
            Min = spread?.Min,
            Max = spread?.Max,
            Ratio = ratio,
            RatioOf = "baseline",
            Met = ratio <= Factor,
        };
    }

    /// <summary>The fan-out goal: a 3.1 MB publish to n subscribers within this many times n streaming copies of the frame.</summary>
    internal const double FanOutFactor = 1.0;

    private static bool IsProcessWide(BenchResult row, SideFigures side) =>
        row.Case.Transport == Transports.Duplex && row.Mode == "zero-copy" && side.Role == "pinger";

    /// <summary>
    /// Managed bytes allocated per frame (or round trip), the worst side of every ZeroBuffer and
    /// duplex row measured on its thread. The async rows and the RequestAsync client of the 3.1 MB
    /// duplex row count their whole process (they move between threads), runtime housekeeping
    /// included (a few bytes per run), so they are judged apart: below 1 B per round trip, which
    /// any per-round-trip allocation (24 B at least) exceeds. The upstream-relay rows are left out
    /// too: their sender runs on a thread-pool thread (where its timer resumes it) and counts its
    /// whole process.
    /// </summary>
    private static TargetLine Allocations(IReadOnlyList<BenchResult> results)
    {
        var sides = results
            .Where(r => r.Error is null && r.Case.Transport is Transports.ZeroBuffer or Transports.Duplex or Transports.Topic && r.Case.Kind != CaseKind.Idle
                        && r.Mode != "async" && r.Case.Kind != CaseKind.Relay)
            .SelectMany(r => r.Sides.Where(s => s.AllocatedBytesPerFrame is not null && !IsProcessWide(r, s)).Select(s => (Row: r, Side: s)))
            .ToList();
        var line = new TargetLine("allocated bytes per frame, each side (worst)", "every ZeroBuffer row", "sides.*.allocatedBytesPerFrame", "<=", 0, "B/frame");
        if (sides.Count == 0)
        {
            return line;
        }

        var worst = sides.MaxBy(x => x.Side.AllocatedBytesPerFrame!.Value);
        double value = worst.Side.AllocatedBytesPerFrame!.Value;
        return line with
        {
            Row = worst.Row.Id,
            Field = $"sides.{worst.Side.Role}.allocatedBytesPerFrame",
            Measured = value,
            Met = value == 0,
        };
    }
}
