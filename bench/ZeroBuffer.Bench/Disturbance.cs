using System.Text.Json;

namespace ZeroBuffer.Bench;

/// <summary>
/// The stalls the idle probe thread saw while one case ran (<see cref="NoiseMonitor"/>): how many
/// wake-ups came more than 1 ms and more than 2 ms late, and the latest. With <c>--runs</c> &gt; 1,
/// the sum over the runs (and the worst of them).
/// </summary>
internal sealed record Disturbance(int StallsOver1Millisecond, int StallsOver2Milliseconds, double WorstMilliseconds)
{
    internal static Disturbance? Sum(IEnumerable<Disturbance?> runs)
    {
        Disturbance[] known = [.. runs.OfType<Disturbance>()];
        return known.Length == 0
            ? null
            : new Disturbance(known.Sum(d => d.StallsOver1Millisecond), known.Sum(d => d.StallsOver2Milliseconds), known.Max(d => d.WorstMilliseconds));
    }

    /// <summary>Writes <c>"probeStalls":{"over1ms","over2ms","worstMilliseconds"}</c>.</summary>
    internal void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject("probeStalls"u8);
        w.WriteNumber("over1ms"u8, StallsOver1Millisecond);
        w.WriteNumber("over2ms"u8, StallsOver2Milliseconds);
        w.WriteNumber("worstMilliseconds"u8, Math.Round(WorstMilliseconds, 3));
        w.WriteEndObject();
    }

    /// <summary>"3 > 1 ms, worst 4.2 ms" or "none".</summary>
    internal string Describe() => StallsOver1Millisecond == 0
        ? "none"
        : $"{StallsOver1Millisecond} > 1 ms ({StallsOver2Milliseconds} > 2 ms), worst {Format.Number(WorstMilliseconds)} ms";
}
