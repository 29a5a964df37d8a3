using System.Diagnostics;
using ZeroBuffer.Primitives;

namespace ZeroBuffer.Waiting;

/// <summary>
/// A sleep <see cref="SemaphoreWatcher"/> does on someone's behalf: until <see cref="Semaphore"/>
/// has a token or <see cref="Deadline"/> passes, then <see cref="Woken"/>. One sleep at a time.
/// </summary>
internal abstract class WatchedSleep
{
    private NamedSemaphore? _semaphore;

    /// <summary>The semaphore of the current sleep.</summary>
    internal NamedSemaphore Semaphore => _semaphore ?? throw new InvalidOperationException("No sleep is in progress.");

    /// <summary>The current sleep's end, in <see cref="Stopwatch.GetTimestamp"/> ticks.</summary>
    internal long Deadline { get; private set; }

    /// <summary>
    /// Sleeps (without a thread) until <paramref name="semaphore"/> has a token — left there — or
    /// <paramref name="milliseconds"/> have passed; then <see cref="Woken"/> is called on the
    /// watcher's thread. The caller keeps the semaphore open until then.
    /// </summary>
    /// <param name="semaphore">What to sleep on.</param>
    /// <param name="milliseconds">How long at most.</param>
    /// <param name="coalesce">
    /// The end may move later, to the next multiple of <see cref="CoalescingGrid"/>: then the
    /// periodic sleeps of many idle waits end together, and the watcher wakes once for all of them.
    /// </param>
    protected void Sleep(NamedSemaphore semaphore, int milliseconds, bool coalesce)
    {
        _semaphore = semaphore;
        long end = Stopwatch.GetTimestamp() + (milliseconds * Stopwatch.Frequency / 1000);
        Deadline = coalesce ? (end + CoalescingGrid - 1) / CoalescingGrid * CoalescingGrid : end;
        SemaphoreWatcher.Watch(this);
    }

    /// <summary>50 ms, in <see cref="Stopwatch"/> ticks.</summary>
    private static readonly long CoalescingGrid = Stopwatch.Frequency / 20;

    /// <summary>
    /// The sleep is over: true when the semaphore has a token, false at the deadline. Runs on the
    /// watcher's thread, which no longer watches the semaphore: hand the work on, do not do it here.
    /// </summary>
    internal abstract void Woken(bool signalled);
}
