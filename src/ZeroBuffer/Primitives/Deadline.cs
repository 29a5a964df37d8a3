using System.Diagnostics;

namespace ZeroBuffer.Primitives;

/// <summary>
/// A point in monotonic time a wait must not pass, built from a caller's timeout
/// (<see cref="Timeout.InfiniteTimeSpan"/> = never). Waits are cut into slices of at most
/// <see cref="LivenessSlice"/> so the waiter can look at its peer in between.
/// </summary>
internal readonly struct Deadline
{
    /// <summary>
    /// Longest uninterrupted sleep: bounds how late a dead peer is noticed. The library's one
    /// liveness cadence (Protocol.PeerLiveness.CheckInterval is this value).
    /// </summary>
    internal static readonly TimeSpan LivenessSlice = TimeSpan.FromMilliseconds(100);

    private readonly long _expiresAt; // Stopwatch ticks; long.MaxValue = never

    private Deadline(long expiresAt) => _expiresAt = expiresAt;

    /// <summary>A deadline <paramref name="timeout"/> from now. Negative timeouts other than infinite are rejected.</summary>
    internal static Deadline After(TimeSpan timeout) => After(timeout, Stopwatch.GetTimestamp());

    /// <summary><paramref name="timeout"/> after <paramref name="now"/> (a <see cref="Stopwatch.GetTimestamp"/> value the caller has read anyway).</summary>
    internal static Deadline After(TimeSpan timeout, long now)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return new Deadline(long.MaxValue);
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero);
        long ticks = (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        return new Deadline(ticks >= long.MaxValue - now ? long.MaxValue : now + ticks);
    }

    internal bool IsInfinite => _expiresAt == long.MaxValue;

    internal bool HasExpired => !IsInfinite && Stopwatch.GetTimestamp() >= _expiresAt;

    /// <summary>Whether the deadline has passed at <paramref name="timestamp"/> (a <see cref="Stopwatch.GetTimestamp"/> value the caller already has).</summary>
    internal bool HasExpiredAt(long timestamp) => timestamp >= _expiresAt;

    /// <summary>Milliseconds until the deadline (0 if passed), capped at <paramref name="cap"/>.</summary>
    internal int RemainingMilliseconds(TimeSpan cap)
    {
        int capMs = (int)cap.TotalMilliseconds;
        if (IsInfinite)
        {
            return capMs;
        }

        long remaining = _expiresAt - Stopwatch.GetTimestamp();
        if (remaining <= 0)
        {
            return 0;
        }

        double ms = remaining * 1000.0 / Stopwatch.Frequency;
        return ms >= capMs ? capMs : Math.Max(1, (int)Math.Ceiling(ms));
    }

    /// <summary>The next slice: the remaining time, at most one liveness slice.</summary>
    internal int NextSliceMilliseconds() => RemainingMilliseconds(LivenessSlice);
}
