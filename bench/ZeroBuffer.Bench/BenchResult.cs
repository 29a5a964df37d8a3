using System.Text.Json;
using ZeroBuffer.Cli.Events;

namespace ZeroBuffer.Bench;

/// <summary>Round-trip latency percentiles in microseconds.</summary>
internal sealed record LatencyFigures(double P50, double P90, double P99, double P999, double Max)
{
    /// <summary>The JSON names, in order.</summary>
    internal static readonly string[] Names = ["p50", "p90", "p99", "p999", "max"];

    internal double this[int index] => index switch
    {
        0 => P50,
        1 => P90,
        2 => P99,
        3 => P999,
        _ => Max,
    };

    internal static LatencyFigures From(JsonElement summary, string property = "latencyMicroseconds")
    {
        JsonElement l = summary.GetProperty(property);
        return new LatencyFigures(l.GetProperty("p50").GetDouble(), l.GetProperty("p90").GetDouble(), l.GetProperty("p99").GetDouble(),
            l.GetProperty("p999").GetDouble(), l.GetProperty("max").GetDouble());
    }
}

/// <summary>What one side cost: CPU in percent of one core over its window, bytes allocated per frame.</summary>
internal sealed record SideFigures(string Role, double? CpuPercent, double? AllocatedBytesPerFrame)
{
    /// <summary>From a peer summary; null figures when the side had no measured window (baseline echoes).</summary>
    internal static SideFigures From(string role, JsonElement? summary)
    {
        if (summary is not JsonElement s || !s.GetProperty("measured").GetBoolean())
        {
            return new SideFigures(role, null, null);
        }

        double seconds = s.GetProperty("seconds").GetDouble();
        long frames = s.GetProperty("frames").GetInt64();
        return new SideFigures(role,
            seconds > 0 ? s.GetProperty("cpuSeconds").GetDouble() / seconds * 100 : null,
            frames > 0 ? (double)s.GetProperty("allocatedBytes").GetInt64() / frames : null);
    }
}

/// <summary>One row of the bench report; see <c>bench --help</c> for its JSON shape.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(SelfWrittenJsonConverter<BenchResult>))]
internal sealed class BenchResult(BenchCase benchCase) : ISelfWrittenJson
{
    internal BenchCase Case { get; } = benchCase;

    /// <summary>The row id (<see cref="BenchCase.Id"/>, or a memcpy variant).</summary>
    internal string Id { get; init; } = benchCase.Id;

    /// <summary><c>hot</c>/<c>streaming</c> for memcpy rows, else the case's mode.</summary>
    internal string? Mode { get; init; } = benchCase.Mode;

    /// <summary>Frame size, or the memcpy block size; 0 for the data-less baselines.</summary>
    internal long FrameSize { get; init; } = benchCase.FrameSize;

    internal long Frames { get; init; }

    internal double Seconds { get; init; }

    internal double? FramesPerSecond { get; init; }

    internal double? GigabytesPerSecond { get; init; }

    internal LatencyFigures? Latency { get; init; }

    internal long? Samples { get; init; }

    /// <summary>Fixed-rate rows: how late the sends went out (actual − intended send time), µs.</summary>
    internal LatencyFigures? SendLag { get; init; }

    internal IReadOnlyList<SideFigures> Sides { get; init; } = [];

    /// <summary>Fan-out rows: subscribers, publish times, deliveries per subscriber.</summary>
    internal FanOutFigures? FanOut { get; init; }

    /// <summary>NATS rows: path, mode, measure, chunking, losses (see <see cref="NatsScenario"/>).</summary>
    internal NatsFigures? Nats { get; init; }
    /// <summary>Paced round trips: the hop breakdown and each side's process counters (<see cref="PacedFigures"/>).</summary>
    internal PacedFigures? Paced { get; init; }

    /// <summary>Upstream-relay rows: frames sent and matched, achieved rate (<see cref="RelayFigures"/>).</summary>
    internal RelayFigures? Relay { get; init; }

    /// <summary>When the measured window ran, as the metering peer reports it; null for rows whose peer does not.</summary>
    internal MeasuredSpan? Window { get; init; }

    /// <summary>The idle probe's stalls during the measured window (<see cref="NoiseMonitor"/>); set after the case.</summary>
    internal Disturbance? Disturbance { get; set; }

    /// <summary>Idle rows with many readers: the readers' process threads at the end of the window.</summary>
    internal int? Threads { get; init; }

    /// <summary>How many runs the figures are the median of (<c>--runs</c>).</summary>
    internal int Runs { get; init; } = 1;

    /// <summary>Headline figure name → (min, max) over the runs.</summary>
    internal Dictionary<string, (double Min, double Max)> Spread { get; } = [];

    /// <summary>Set when the case failed: no figures, the reason instead.</summary>
    internal string? Error { get; init; }

    /// <summary>Baseline name → figure name → ratio (null when that baseline was not run).</summary>
    internal Dictionary<string, Dictionary<string, double?>> Ratios { get; } = [];

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteString("id"u8, Id);
        w.WriteString("kind"u8, Case.Kind.ToString().ToLowerInvariant());
        w.WriteString("transport"u8, Case.Transport);
        WriteOptional(w, "mode", Mode);
        WriteOptional(w, "pacing", Case.Pacing);
        if (Case.Strategy is not null)
        {
            w.WriteString("strategy"u8, Case.Strategy);
        }

        w.WriteNumber("frameSize"u8, FrameSize);
        if (Case.Rate > 0)
        {
            w.WriteNumber("rate"u8, Case.Rate);
        }

        if (Error is not null)
        {
            w.WriteString("error"u8, Error);
            return;
        }

        w.WriteNumber("runs"u8, Runs);
        w.WriteNumber("frames"u8, Frames);
        w.WriteNumber("seconds"u8, Math.Round(Seconds, 6));
        if (Threads is int threads)
        {
            w.WriteNumber("threads"u8, threads);
        }

        WriteOptional(w, "framesPerSecond", FramesPerSecond);
        WriteOptional(w, "gigabytesPerSecond", GigabytesPerSecond);
        if (Latency is not null)
        {
            w.WriteNumber("samples"u8, Samples ?? 0);
            WritePercentiles(w, "latencyMicroseconds", Latency);
        }

        if (SendLag is not null)
        {
            WritePercentiles(w, "sendLagMicroseconds", SendLag);
        }

        FanOut?.WriteJson(w, FrameSize);
        Nats?.WriteJson(w);
        Relay?.WriteJson(w);
        Paced?.WriteJson(w);
        Disturbance?.WriteJson(w);

        if (Runs > 1)
        {
            w.WriteStartObject("spread"u8);
            foreach ((string figure, (double min, double max)) in Spread)
            {
                w.WriteStartObject(figure);
                w.WriteNumber("min"u8, Math.Round(min, 4));
                w.WriteNumber("max"u8, Math.Round(max, 4));
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        w.WriteStartObject("sides"u8);
        foreach (SideFigures side in Sides)
        {
            w.WriteStartObject(side.Role);
            WriteOptional(w, "cpuPercent", side.CpuPercent);
            WriteOptional(w, "allocatedBytesPerFrame", side.AllocatedBytesPerFrame);
            w.WriteEndObject();
        }

        w.WriteEndObject();
        w.WriteStartObject("ratios"u8);
        foreach ((string baseline, Dictionary<string, double?> figures) in Ratios)
        {
            w.WriteStartObject(baseline);
            foreach ((string figure, double? value) in figures)
            {
                WriteOptional(w, figure, value, always: true);
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
            w.WriteNumber(LatencyFigures.Names[i], figures[i]);
        }

        w.WriteEndObject();
    }

    private static void WriteOptional(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static void WriteOptional(Utf8JsonWriter w, string name, double? value, bool always = true)
    {
        if (value is double v && double.IsFinite(v))
        {
            w.WriteNumber(name, Math.Round(v, 4));
        }
        else if (always)
        {
            w.WriteNull(name);
        }
    }
}
