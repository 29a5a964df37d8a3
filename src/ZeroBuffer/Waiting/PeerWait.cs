using System.Diagnostics;
using ZeroBuffer.Diagnostics;
using ZeroBuffer.Primitives;

namespace ZeroBuffer.Waiting;

/// <summary>What <see cref="PeerWait"/> asks of the waiting endpoint (a reader waiting for a frame, a writer for space).</summary>
internal interface IPeerWaiter
{
    /// <summary>Looks for what the wait is for; true ends the wait.</summary>
    /// <param name="tokenHeld">The wait has just taken a token of the endpoint's semaphore.</param>
    bool TryComplete(bool tokenHeld);

    /// <summary>
    /// Looks at the peer when a look is due at <paramref name="now"/> (always when
    /// <paramref name="force"/>). Throws when the peer is gone, unless a last look finds what
    /// the wait is for: then true.
    /// </summary>
    /// <param name="now">A <see cref="Stopwatch.GetTimestamp"/> value.</param>
    /// <param name="force">A sleep slice passed without a token: look now.</param>
    bool CheckPeer(long now, bool force);

    /// <summary>
    /// The wait goes idle (before each sleep, and when it gives up): drop the tokens left on the
    /// semaphore by completions found by polling, so the count stays bounded, and hold nothing back
    /// that the peer may be waiting for (a reader's batched releases).
    /// </summary>
    void GoIdle();

    /// <summary>Throws <see cref="ObjectDisposedException"/> when the endpoint was disposed during the wait.</summary>
    void ThrowIfClosed();

    /// <summary>What this waiting site's recent waits say about spinning.</summary>
    SpinHistory Spins { get; }
}

/// <summary>
/// The one wait loop of both endpoints (<see cref="AsyncPeerWait"/> runs it without a thread): poll while the
/// <see cref="WaitStrategy"/> says so, then sleep on the semaphore in liveness slices, looking at
/// the peer on every quiet slice, until the condition holds, the deadline passes, the token is
/// cancelled (the caller arms a <see cref="CancellationWakeup"/> so a cancellation wakes the sleep)
/// or the endpoint is disposed.
/// </summary>
internal static class PeerWait
{
    /// <summary>
    /// How long a wait may poll before it counts as idle (<see cref="IPeerWaiter.GoIdle"/>), whatever
    /// the strategy: a busy-spinning reader never sleeps, and must not hold batched space back from a
    /// writer forever. The default spin budget, so spin-then-block goes idle once, when it sleeps.
    /// </summary>
    internal static readonly TimeSpan IdleAfter = SpinThenBlockWaitStrategy.DefaultSpinBudget;

    private static readonly long IdleAfterTicks = (long)(IdleAfter.TotalSeconds * Stopwatch.Frequency);

    /// <summary>Waits on this thread; false when the deadline passed.</summary>
    /// <param name="side">The waiting endpoint.</param>
    /// <param name="semaphore">Its semaphore.</param>
    /// <param name="strategy">How to wait.</param>
    /// <param name="deadline">When to give up.</param>
    /// <param name="started">When the wait began (<see cref="Stopwatch.GetTimestamp"/>): the caller reads the clock once for its deadline, its metrics and the wait.</param>
    /// <param name="metrics">Told when the wait ended, however it ended, with the same clock reading as the spin history.</param>
    /// <param name="cancellationToken">Ends the wait.</param>
    internal static bool Wait(IPeerWaiter side, NamedSemaphore semaphore, WaitStrategy strategy, Deadline deadline, long started, EndpointMetrics metrics,
        CancellationToken cancellationToken)
    {
        bool outcome;
        long ended;
        try
        {
            outcome = WaitFrom(started, side, semaphore, strategy, deadline, cancellationToken);
        }
        finally
        {
            ended = Stopwatch.GetTimestamp();
            metrics.WaitEnded(ended);
        }

        side.Spins.Record(strategy, started, ended);
        return outcome;
    }

    private static bool WaitFrom(long started, IPeerWaiter side, NamedSemaphore semaphore, WaitStrategy strategy, Deadline deadline,
        CancellationToken cancellationToken)
    {
        if (Poll(side, strategy, started, deadline, cancellationToken) is bool polled)
        {
            return polled;
        }

        while (true)
        {
            if (BeforeSleep(side, deadline, cancellationToken) is bool decided)
            {
                return decided;
            }

            // No wake-up is lost: whatever completes after the drain posts after it.
            bool token = semaphore.Wait(deadline.NextSliceMilliseconds());
            side.ThrowIfClosed();
            if (side.TryComplete(token) || (!token && side.CheckPeer(Stopwatch.GetTimestamp(), force: true)))
            {
                return true;
            }
        }
    }

    /// <summary>
    /// The polling phase: true/false decide the wait (completed, timed out), null goes on to
    /// sleep (at once when the side's <see cref="SpinHistory"/> says spinning would not pay).
    /// One clock read per poll serves the strategy, the liveness check and the deadline.
    /// </summary>
    /// <param name="side">The waiting endpoint.</param>
    /// <param name="strategy">How to poll.</param>
    /// <param name="start">When the wait began, a <see cref="Stopwatch.GetTimestamp"/> value.</param>
    /// <param name="deadline">When the wait gives up.</param>
    /// <param name="cancellationToken">Ends the wait.</param>
    internal static bool? Poll(IPeerWaiter side, WaitStrategy strategy, long start, Deadline deadline, CancellationToken cancellationToken)
    {
        if (!side.Spins.ShouldPoll(strategy))
        {
            return null;
        }

        long now = start;
        int attempt = 0;
        bool idle = false;
        while (strategy.Idle(attempt, Stopwatch.GetElapsedTime(start, now)))
        {
            if (!idle && now - start >= IdleAfterTicks)
            {
                idle = true;
                side.GoIdle();
            }

            if (side.TryComplete(tokenHeld: false))
            {
                return true;
            }

            side.ThrowIfClosed();
            cancellationToken.ThrowIfCancellationRequested();
            attempt = attempt == int.MaxValue ? attempt : attempt + 1;
            now = Stopwatch.GetTimestamp();
            if (side.CheckPeer(now, force: false))
            {
                return true;
            }

            if (deadline.HasExpiredAt(now))
            {
                side.GoIdle(); // giving up counts as going idle, like a sleep
                return false;
            }
        }

        return null;
    }

    /// <summary>The checks before each sleep: true/false decide the wait, null sleeps.</summary>
    internal static bool? BeforeSleep(IPeerWaiter side, Deadline deadline, CancellationToken cancellationToken)
    {
        // Tokens of completions found by polling are stale: drop them so the count stays bounded.
        side.GoIdle();
        side.ThrowIfClosed();
        cancellationToken.ThrowIfCancellationRequested();
        if (side.TryComplete(tokenHeld: false) || side.CheckPeer(Stopwatch.GetTimestamp(), force: false))
        {
            return true;
        }

        return deadline.HasExpired ? false : null;
    }
}
