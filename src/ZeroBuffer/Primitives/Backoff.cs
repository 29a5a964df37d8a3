namespace ZeroBuffer.Primitives;

/// <summary>
/// The pause between two polls of something nothing signals (a lock held for a moment by another
/// process, a buffer another process has not created yet): 1 ms, doubling up to a cap, never past
/// a deadline. The one retry loop of the library; every "try again shortly" goes through it.
/// </summary>
/// <example>
/// <code>
/// var backoff = new Backoff(TimeSpan.FromMilliseconds(20));
/// while (!TryTheThing())
/// {
///     if (!backoff.Pause(deadline, cancellationToken)) { /* the deadline passed */ }
/// }
/// </code>
/// </example>
internal struct Backoff
{
    private readonly int _capMilliseconds;
    private int _nextMilliseconds;

    /// <summary>A back-off whose pauses grow from 1 ms to at most <paramref name="cap"/>.</summary>
    internal Backoff(TimeSpan cap)
    {
        _capMilliseconds = Math.Max(1, (int)cap.TotalMilliseconds);
        _nextMilliseconds = 1;
    }

    /// <summary>
    /// Waits the next pause, cut short by the deadline. False (without waiting) when the deadline
    /// has already passed: the caller gives up. Throws <see cref="OperationCanceledException"/>
    /// when <paramref name="cancellationToken"/> fires, at once, even during the pause.
    /// </summary>
    internal bool Pause(Deadline deadline, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (deadline.HasExpired)
        {
            return false;
        }

        int pause = deadline.RemainingMilliseconds(TimeSpan.FromMilliseconds(_nextMilliseconds));
        if (cancellationToken.CanBeCanceled)
        {
            _ = cancellationToken.WaitHandle.WaitOne(pause);
            cancellationToken.ThrowIfCancellationRequested();
        }
        else
        {
            Thread.Sleep(pause);
        }

        _nextMilliseconds = Math.Min(_nextMilliseconds * 2, _capMilliseconds);
        return true;
    }

    /// <summary><see cref="Pause"/> without blocking a thread: the pause is a timer.</summary>
    internal async ValueTask<bool> PauseAsync(Deadline deadline, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (deadline.HasExpired)
        {
            return false;
        }

        await Task.Delay(deadline.RemainingMilliseconds(TimeSpan.FromMilliseconds(_nextMilliseconds)), cancellationToken).ConfigureAwait(false);
        _nextMilliseconds = Math.Min(_nextMilliseconds * 2, _capMilliseconds);
        return true;
    }
}
