namespace ZeroBuffer.Cli.Bridging;

/// <summary>
/// Capped exponential back-off between connection attempts: after the n-th failure in a row the
/// next attempt waits <c>min(Min × 2^(n−1), Max)</c> plus a random jitter up to <see cref="Jitter"/>,
/// the schedule NATS.Net follows itself when it reconnects (<c>ReconnectWaitMin</c>,
/// <c>ReconnectWaitMax</c>, <c>ReconnectJitter</c>), so the first connection and later ones wait alike.
/// </summary>
internal sealed record Backoff(TimeSpan Min, TimeSpan Max, TimeSpan Jitter)
{
    /// <summary>The delay after <paramref name="failures"/> failures in a row (1 or more), without the jitter.</summary>
    internal TimeSpan Nominal(int failures)
    {
        if (Max <= Min)
        {
            return Min;
        }

        int doublings = Math.Clamp(failures - 1, 0, 30);
        double ticks = Math.Min(Min.Ticks * Math.Pow(2, doublings), Max.Ticks);
        return TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>The delay after <paramref name="failures"/> failures in a row, with its jitter.</summary>
    internal TimeSpan Next(int failures) =>
        Nominal(failures) + TimeSpan.FromTicks((long)(Random.Shared.NextDouble() * Jitter.Ticks));
}
