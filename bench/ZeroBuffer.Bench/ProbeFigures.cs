using System.Text.Json;

namespace ZeroBuffer.Bench;

/// <summary>What the idle probe (<see cref="StallProbe"/>) saw over a span of the run.</summary>
/// <param name="Scope"><c>paced cases</c> (the cases that leave the cores mostly free, see <see cref="NoiseMonitor.IsQuietByDesign"/>) or <c>whole run</c>.</param>
/// <param name="Seconds">Length of the span.</param>
/// <param name="Wakes">The probe's wake-ups in it.</param>
/// <param name="StallsOver1Millisecond">Wake-ups more than 1 ms late.</param>
/// <param name="StallsOver2Milliseconds">Wake-ups more than 2 ms late.</param>
/// <param name="WorstMilliseconds">The latest wake-up's lateness (0 without stalls).</param>
/// <param name="StallSharePercent">The stalls' lateness summed, in percent of the span: the time the probe could not run when it should have.</param>
/// <param name="PeriodMilliseconds">The period of the stalls over 2 ms when they recur regularly (<see cref="StallPeriod"/>), else null.</param>
/// <param name="PeriodicShare">The share of those stalls that recur at that period (0–1; null without a period).</param>
internal sealed record ProbeFigures(
    string Scope, double Seconds, long Wakes, int StallsOver1Millisecond, int StallsOver2Milliseconds, double WorstMilliseconds,
    double StallSharePercent, double? PeriodMilliseconds, double? PeriodicShare)
{
    /// <summary>Stalls over 2 ms per minute of the span.</summary>
    internal double StallsOver2MillisecondsPerMinute => Seconds > 0 ? StallsOver2Milliseconds / Seconds * 60 : 0;

    internal void WriteJson(Utf8JsonWriter w, string name)
    {
        w.WriteStartObject(name);
        w.WriteString("scope"u8, Scope);
        w.WriteNumber("seconds"u8, Math.Round(Seconds, 3));
        w.WriteNumber("wakes"u8, Wakes);
        w.WriteNumber("stallsOver1ms"u8, StallsOver1Millisecond);
        w.WriteNumber("stallsOver2ms"u8, StallsOver2Milliseconds);
        w.WriteNumber("stallsOver2msPerMinute"u8, Math.Round(StallsOver2MillisecondsPerMinute, 3));
        w.WriteNumber("worstMilliseconds"u8, Math.Round(WorstMilliseconds, 3));
        w.WriteNumber("stallSharePercent"u8, Math.Round(StallSharePercent, 4));
        if (PeriodMilliseconds is double period && PeriodicShare is double share)
        {
            w.WriteNumber("periodMilliseconds"u8, Math.Round(period, 1));
            w.WriteNumber("periodicShare"u8, Math.Round(share, 3));
        }
        else
        {
            w.WriteNull("periodMilliseconds"u8);
            w.WriteNull("periodicShare"u8);
        }

        w.WriteEndObject();
    }

    /// <summary>"12 stalls > 2 ms (30 > 1 ms), worst 8.1 ms, 0.31 % of 95 s, 40 % of them every ~500 ms".</summary>
    internal string Describe() =>
        $"{StallsOver2Milliseconds} stalls > 2 ms ({StallsOver1Millisecond} > 1 ms), worst {Format.Number(WorstMilliseconds)} ms, "
        + $"{Format.Number(StallSharePercent)} % of {Format.Number(Seconds)} s"
        + (PeriodMilliseconds is double period && PeriodicShare is double share
            ? $", {Format.Number(share * 100)} % of them every ~{Format.Number(period)} ms"
            : StallsOver2Milliseconds > 0 ? ", irregular" : "");
}
