namespace ZeroBuffer;

/// <summary>
/// Polls the control block until the condition is met, never sleeping. The lowest latency
/// (a cache-line transfer between cores), at the price of one core at 100 % for as long as the
/// endpoint waits, including while its peer is idle. Only when the endpoint has a core of its
/// own: on a machine with fewer free cores than spinning endpoints, spinners steal time from
/// the very peer they wait for.
/// </summary>
public sealed class BusySpinWaitStrategy : WaitStrategy
{
    /// <summary>
    /// True at once: poll again. No processor pause: the waiter's own clock read between polls
    /// (tens of ns) already spaces them, and a pause would only add to the wake-up latency.
    /// </summary>
    public override bool Idle(int attempt, TimeSpan waited) => true;

    /// <inheritdoc/>
    public override string ToString() => "busy-spin";
}
