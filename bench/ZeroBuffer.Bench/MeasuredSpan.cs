using System.Text.Json;

namespace ZeroBuffer.Bench;

/// <summary>
/// When a case's measured window ran, in <see cref="System.Diagnostics.Stopwatch"/> timestamps of
/// the peer that metered it (CLOCK_MONOTONIC: the bench's clock too). The idle probe's stalls are
/// attributed to this span rather than to the whole case, whose peers' start-up (process launch,
/// JIT compilation, prefaulting) and warm-up keep the CPUs busy on purpose.
/// </summary>
internal readonly record struct MeasuredSpan(long Start, long End)
{
    /// <summary>The span a peer summary reports (<c>windowStart</c>, <c>windowEnd</c>), if it does.</summary>
    internal static MeasuredSpan? From(JsonElement summary) =>
        summary.TryGetProperty("windowStart", out JsonElement start) && summary.TryGetProperty("windowEnd", out JsonElement end) && end.GetInt64() > start.GetInt64()
            ? new MeasuredSpan(start.GetInt64(), end.GetInt64())
            : null;
}
