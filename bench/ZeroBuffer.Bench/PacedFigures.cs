using System.Text.Json;

namespace ZeroBuffer.Bench;

/// <summary>
/// What a paced round-trip row adds to its latency (bench side, from its peers' summaries): the
/// hop breakdown the pinger measured (<see cref="HopRecorder"/>; empty when the row carries no
/// stamps) and each side's process counters over its window (<see cref="ProcessCounters"/>).
/// </summary>
/// <param name="Samples">Round trips with stamps in the window.</param>
/// <param name="Hops">Hop name (<see cref="HopRecorder.Names"/>) → its percentiles, µs.</param>
/// <param name="FromSend">The round trip from the actual send (every hop but the pacer's lateness), µs; null without stamps.</param>
/// <param name="ByWakePath">Wake-up hop (<c>toEcho</c>, <c>toPinger</c>) → how the waking side's read ended (<c>ready</c>, <c>spin</c>, <c>slept</c>) → that hop's percentiles over those round trips, µs.</param>
/// <param name="TailFromMicroseconds">The tail's lower bound: the p99 of the hops' sum.</param>
/// <param name="TailSamples">Round trips at or above it.</param>
/// <param name="TailMeans">Hop name → its mean over the tail's round trips, µs.</param>
/// <param name="Wakes">Side (<c>pinger</c>, <c>echo</c>) → how its reads found their frames; a side that cannot tell is absent.</param>
/// <param name="TailWakes">The same over the tail's round trips.</param>
/// <param name="Counters">Side (<c>pinger</c>, <c>echo</c>) → its process's counters over its window.</param>
internal sealed record PacedFigures(
    long Samples,
    IReadOnlyDictionary<string, LatencyFigures> Hops,
    LatencyFigures? FromSend,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, LatencyFigures>> ByWakePath,
    double TailFromMicroseconds,
    long TailSamples,
    IReadOnlyDictionary<string, double> TailMeans,
    IReadOnlyDictionary<string, WakeCounts> Wakes,
    IReadOnlyDictionary<string, WakeCounts> TailWakes,
    IReadOnlyDictionary<string, ProcessCounters> Counters)
{
    /// <summary>The sides whose figures a row can carry.</summary>
    internal static readonly string[] Sides = ["pinger", "echo"];

    /// <summary>The figures of a row whose pinger reported hops or counters; null for the others.</summary>
    internal static PacedFigures? From(JsonElement active, JsonElement? passive)
    {
        var counters = new Dictionary<string, ProcessCounters>();
        if (ProcessCounters.From(active) is ProcessCounters pinger)
        {
            counters["pinger"] = pinger;
        }

        if (ProcessCounters.From(passive) is ProcessCounters echo)
        {
            counters["echo"] = echo;
        }

        if (!active.TryGetProperty("hops", out JsonElement hops))
        {
            return counters.Count == 0 ? null : new PacedFigures(0, new Dictionary<string, LatencyFigures>(), null,
                new Dictionary<string, IReadOnlyDictionary<string, LatencyFigures>>(), double.NaN, 0,
                new Dictionary<string, double>(), new Dictionary<string, WakeCounts>(), new Dictionary<string, WakeCounts>(), counters);
        }

        JsonElement tail = hops.GetProperty("tail");
        return new PacedFigures(
            hops.GetProperty("samples").GetInt64(),
            HopRecorder.Names.ToDictionary(n => n, n => LatencyFigures.From(hops.GetProperty("microseconds"), n)),
            LatencyFigures.From(hops, "fromSendMicroseconds"),
            hops.GetProperty("byWakePath").EnumerateObject().ToDictionary(h => h.Name,
                h => (IReadOnlyDictionary<string, LatencyFigures>)h.Value.EnumerateObject().ToDictionary(p => p.Name, p => LatencyFigures.From(h.Value, p.Name))),
            tail.GetProperty("fromMicroseconds").GetDouble(),
            tail.GetProperty("samples").GetInt64(),
            HopRecorder.Names.ToDictionary(n => n, n => tail.GetProperty("meanMicroseconds").GetProperty(n).GetDouble()),
            WakesOf(hops),
            WakesOf(tail),
            counters);
    }

    private static Dictionary<string, WakeCounts> WakesOf(JsonElement parent) =>
        parent.GetProperty("wakes").EnumerateObject().ToDictionary(p => p.Name, p => WakeCounts.From(p.Value));

    /// <summary>Every figure the median over the runs (hops and sides present in all of them).</summary>
    internal static PacedFigures Median(IReadOnlyList<PacedFigures> runs)
    {
        PacedFigures first = runs[0];
        return new PacedFigures(
            Medians.Of(runs.Select(r => r.Samples)),
            first.Hops.Keys.Where(k => runs.All(r => r.Hops.ContainsKey(k))).ToDictionary(k => k, k => Medians.Of([.. runs.Select(r => r.Hops[k])])),
            runs.All(r => r.FromSend is not null) ? Medians.Of([.. runs.Select(r => r.FromSend!)]) : null,
            MedianByWakePath(runs),
            Medians.Of(runs.Select(r => r.TailFromMicroseconds)),
            Medians.Of(runs.Select(r => r.TailSamples)),
            first.TailMeans.Keys.Where(k => runs.All(r => r.TailMeans.ContainsKey(k))).ToDictionary(k => k, k => Medians.Of(runs.Select(r => r.TailMeans[k]))),
            MedianWakes(runs, r => r.Wakes),
            MedianWakes(runs, r => r.TailWakes),
            first.Counters.Keys.Where(k => runs.All(r => r.Counters.ContainsKey(k))).ToDictionary(k => k, k => MedianCounters([.. runs.Select(r => r.Counters[k])])));
    }

    /// <summary>Each hop's and path's percentiles, the median over the runs that have that path (a path may not occur in every run).</summary>
    private static Dictionary<string, IReadOnlyDictionary<string, LatencyFigures>> MedianByWakePath(IReadOnlyList<PacedFigures> runs) =>
        runs.SelectMany(r => r.ByWakePath.Keys).Distinct().ToDictionary(hop => hop, hop => (IReadOnlyDictionary<string, LatencyFigures>)runs
            .SelectMany(r => r.ByWakePath.TryGetValue(hop, out var paths) ? paths.Keys : []).Distinct()
            .ToDictionary(path => path, path => Medians.Of([.. runs.Select(r => r.ByWakePath.TryGetValue(hop, out var paths) && paths.TryGetValue(path, out var f) ? f : null)
                .OfType<LatencyFigures>()])));

    private static Dictionary<string, WakeCounts> MedianWakes(IReadOnlyList<PacedFigures> runs, Func<PacedFigures, IReadOnlyDictionary<string, WakeCounts>> of) =>
        of(runs[0]).Keys.Where(k => runs.All(r => of(r).ContainsKey(k))).ToDictionary(k => k, k => WakeCounts.Median([.. runs.Select(r => of(r)[k])]));

    private static ProcessCounters MedianCounters(IReadOnlyList<ProcessCounters> runs)
    {
        long Of(int i) => Medians.Of(runs.Select(r => r[i]));
        return new ProcessCounters(Of(0), Of(1), Of(2), Of(3), Of(4), Of(5), Of(6));
    }

    /// <summary>
    /// Writes <c>"hops":{"samples","microseconds":{HOP:{p50..max}},"fromSendMicroseconds":{p50..max},"byWakePath":{HOP:{PATH:{p50..max}}},"tail":{"fromMicroseconds","samples","meanMicroseconds":{HOP},"wakes":{..}},"wakes":{..}}</c>
    /// (when stamped) and <c>"counters":{SIDE:{..}}</c>.
    /// </summary>
    internal void WriteJson(Utf8JsonWriter w)
    {
        if (Hops.Count > 0)
        {
            w.WriteStartObject("hops"u8);
            w.WriteNumber("samples"u8, Samples);
            w.WriteStartObject("microseconds"u8);
            foreach ((string hop, LatencyFigures figures) in Hops)
            {
                WritePercentiles(w, hop, figures);
            }

            w.WriteEndObject();
            if (FromSend is not null)
            {
                WritePercentiles(w, "fromSendMicroseconds", FromSend);
            }

            w.WriteStartObject("byWakePath"u8);
            foreach ((string hop, IReadOnlyDictionary<string, LatencyFigures> paths) in ByWakePath)
            {
                w.WriteStartObject(hop);
                foreach ((string path, LatencyFigures figures) in paths)
                {
                    WritePercentiles(w, path, figures);
                }

                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteStartObject("tail"u8);
            w.WriteNumber("fromMicroseconds"u8, Math.Round(TailFromMicroseconds, 3));
            w.WriteNumber("samples"u8, TailSamples);
            w.WriteStartObject("meanMicroseconds"u8);
            foreach ((string hop, double mean) in TailMeans)
            {
                w.WriteNumber(hop, Math.Round(mean, 3));
            }

            w.WriteEndObject();
            WriteWakes(w, TailWakes);
            w.WriteEndObject();
            WriteWakes(w, Wakes);
            w.WriteEndObject();
        }

        w.WriteStartObject("counters"u8);
        foreach ((string side, ProcessCounters counters) in Counters)
        {
            w.WriteStartObject(side);
            for (int i = 0; i < ProcessCounters.Names.Length; i++)
            {
                w.WriteNumber(ProcessCounters.Names[i], counters[i]);
            }

            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    private static void WritePercentiles(Utf8JsonWriter w, string name, LatencyFigures figures)
    {
        w.WriteStartObject(name);
        for (int i = 0; i < LatencyFigures.Names.Length; i++)
        {
            w.WriteNumber(LatencyFigures.Names[i], Math.Round(figures[i], 3));
        }

        w.WriteEndObject();
    }

    private static void WriteWakes(Utf8JsonWriter w, IReadOnlyDictionary<string, WakeCounts> wakes)
    {
        w.WriteStartObject("wakes"u8);
        foreach ((string side, WakeCounts counts) in wakes)
        {
            counts.WriteJson(w, side);
        }

        w.WriteEndObject();
    }
}
