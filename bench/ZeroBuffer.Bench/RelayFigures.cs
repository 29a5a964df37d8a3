using System.Text.Json;

namespace ZeroBuffer.Bench;

/// <summary>
/// What an upstream-relay row adds to its latency (<see cref="UpstreamRelaySender"/>): how many
/// frames went out on the timer's ticks and came back, and how far replies fell behind.
/// </summary>
/// <param name="TargetRate">Frames per second the timer was set to.</param>
/// <param name="Sent">Frames sent in the window.</param>
/// <param name="Matched">Replies to them that came back (each matched to its send by sequence).</param>
/// <param name="AchievedRate">Matched replies per second of the window: below the target when ticks were missed.</param>
/// <param name="LateReplies">Replies that came back after a later frame had already been sent.</param>
/// <param name="MaxInFlight">The most frames sent and not yet answered when a reply came back (1 when nothing queued).</param>
internal sealed record RelayFigures(double TargetRate, long Sent, long Matched, double AchievedRate, long LateReplies, long MaxInFlight)
{
    internal static RelayFigures? From(JsonElement active)
    {
        if (!active.TryGetProperty("relay", out JsonElement r))
        {
            return null;
        }

        return new RelayFigures(r.GetProperty("targetRate").GetDouble(), r.GetProperty("sent").GetInt64(), r.GetProperty("matched").GetInt64(),
            r.GetProperty("achievedRate").GetDouble(), r.GetProperty("lateReplies").GetInt64(), r.GetProperty("maxInFlight").GetInt64());
    }

    internal static RelayFigures Median(IReadOnlyList<RelayFigures> runs) => new(
        runs[0].TargetRate,
        Medians.Of(runs.Select(r => r.Sent)),
        Medians.Of(runs.Select(r => r.Matched)),
        Medians.Of(runs.Select(r => r.AchievedRate)),
        Medians.Of(runs.Select(r => r.LateReplies)),
        Medians.Of(runs.Select(r => r.MaxInFlight)));

    /// <summary>Writes <c>"relay":{"targetRate","sent","matched","achievedRate","lateReplies","maxInFlight"}</c>.</summary>
    internal void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject("relay"u8);
        w.WriteNumber("targetRate"u8, TargetRate);
        w.WriteNumber("sent"u8, Sent);
        w.WriteNumber("matched"u8, Matched);
        w.WriteNumber("achievedRate"u8, Math.Round(AchievedRate, 3));
        w.WriteNumber("lateReplies"u8, LateReplies);
        w.WriteNumber("maxInFlight"u8, MaxInFlight);
        w.WriteEndObject();
    }
}
