using System.Text.Json;

namespace ZeroBuffer.Bench;

/// <summary>How one side's reads found their frames over a window (<see cref="WakePath"/>): counts.</summary>
internal sealed record WakeCounts(long Ready, long Spin, long Slept)
{
    internal long Total => Ready + Spin + Slept;

    /// <summary>Share of the reads that slept on the semaphore, 0–1 (NaN without reads).</summary>
    internal double SleptShare => Total > 0 ? (double)Slept / Total : double.NaN;

    internal static WakeCounts From(JsonElement e) =>
        new(e.GetProperty("ready").GetInt64(), e.GetProperty("spin").GetInt64(), e.GetProperty("slept").GetInt64());

    internal static WakeCounts Median(IReadOnlyList<WakeCounts> runs) =>
        new(Medians.Of(runs.Select(r => r.Ready)), Medians.Of(runs.Select(r => r.Spin)), Medians.Of(runs.Select(r => r.Slept)));

    internal void WriteJson(Utf8JsonWriter w, string side)
    {
        w.WriteStartObject(side);
        w.WriteNumber("ready"u8, Ready);
        w.WriteNumber("spin"u8, Spin);
        w.WriteNumber("slept"u8, Slept);
        w.WriteEndObject();
    }

    /// <summary>"ready 3 % / spin 40 % / slept 57 %".</summary>
    internal string Describe() => Total == 0
        ? "-"
        : $"ready {Format.Number(100.0 * Ready / Total)} % / spin {Format.Number(100.0 * Spin / Total)} % / slept {Format.Number(100.0 * Slept / Total)} %";
}
