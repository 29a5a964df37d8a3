using System.Diagnostics;
using System.Runtime.InteropServices;
using ZeroBuffer.Interop;

namespace ZeroBuffer.Waiting;

/// <summary>
/// Sleeps on behalf of every asynchronous wait of the process: a few background threads, each
/// watching up to 127 semaphores at once with one <c>futex_waitv</c> call (Linux 5.16+), so an
/// idle async reader or writer costs no thread of its own. docs/async.md gives the design, the
/// alternatives and the costs.
/// </summary>
/// <remarks>
/// <para>A glibc <c>sem_post</c> wakes futex sleepers on the semaphore's count word only when its
/// sleeper count is non-zero, so each watched semaphore is counted as slept on
/// (<see cref="Primitives.NamedSemaphore.AddSleeper"/>) before the watcher sleeps on its word with
/// the expected value 0. A post before the sleep changes the word and the sleep returns at once;
/// a post during it wakes the watcher. Tokens are not taken: the wait completes, and the endpoint
/// looks at the counts as its synchronous waits do.</para>
/// <para>Where <c>futex_waitv</c> or the glibc semaphore layout is not there, the watchers poll
/// the count words every millisecond instead: the same behaviour, up to 1 ms later.</para>
/// </remarks>
internal sealed unsafe class SemaphoreWatcher
{
    private const int WordsPerCall = 128; // FUTEX_WAITV_MAX
    private const int Capacity = WordsPerCall - 1; // the first word is the watcher's own, bumped to take in new waits

    private static readonly bool s_futexWaitV = ProbeFutexWaitV();
    private static readonly Lock s_watchersLock = new();
    private static SemaphoreWatcher[] s_watchers = [];

    private readonly object _lock = new(); // an object, not a Lock: the polling fallback uses Monitor.Wait on it
    private readonly List<WatchedSleep> _waits = new(Capacity);
    private readonly List<(WatchedSleep Wait, bool Signalled)> _ready = new(Capacity);
    private readonly uint* _control; // bumped and woken when a wait is added (process memory, never freed: watchers live as long as the process)
    private readonly LibC.FutexWaitV* _vector;
    private bool _sleeping; // in futex_waitv, or about to be (guarded by _lock): a new wait must wake it

    private SemaphoreWatcher(int index)
    {
        _control = (uint*)NativeMemory.AllocZeroed(sizeof(uint));
        _vector = (LibC.FutexWaitV*)NativeMemory.AllocZeroed((nuint)(WordsPerCall * sizeof(LibC.FutexWaitV)));
        var thread = new Thread(Run) { IsBackground = true, Name = $"ZeroBuffer watcher {index}" };
        thread.Start();
    }

    /// <summary>How many watcher threads the process runs (diagnostics and tests).</summary>
    internal static int Threads => Volatile.Read(ref s_watchers).Length;

    /// <summary>Whether waits sleep in the kernel (<c>futex_waitv</c>) rather than poll every millisecond.</summary>
    internal static bool SleepsInKernel => s_futexWaitV;

    /// <summary>Starts watching <paramref name="wait"/>'s semaphore until it has a token or the wait's deadline passes.</summary>
    internal static void Watch(WatchedSleep wait)
    {
        foreach (SemaphoreWatcher watcher in Volatile.Read(ref s_watchers))
        {
            if (watcher.TryAdd(wait))
            {
                return;
            }
        }

        lock (s_watchersLock)
        {
            foreach (SemaphoreWatcher watcher in s_watchers)
            {
                if (watcher.TryAdd(wait))
                {
                    return;
                }
            }

            var added = new SemaphoreWatcher(s_watchers.Length);
            _ = added.TryAdd(wait);
            Volatile.Write(ref s_watchers, [.. s_watchers, added]);
        }
    }

    private bool TryAdd(WatchedSleep wait)
    {
        bool wake;
        lock (_lock)
        {
            if (_waits.Count >= Capacity)
            {
                return false;
            }

            wait.Semaphore.AddSleeper(); // before the watcher sleeps on the word: every post from now on wakes it
            _waits.Add(wait);
            _ = Interlocked.Increment(ref *_control); // a sleep about to start sees the change and returns at once
            if (!s_futexWaitV)
            {
                Monitor.PulseAll(_lock);
            }

            wake = s_futexWaitV && _sleeping; // an awake watcher takes the new wait in before it sleeps again
        }

        if (wake)
        {
            _ = LibC.Syscall(LibC.SysFutex, (nint)_control, LibC.FUTEX_WAKE_PRIVATE, 1, 0, 0);
        }

        return true;
    }

    private void Run()
    {
        while (true)
        {
            if (s_futexWaitV)
            {
                SleepInKernel();
            }
            else
            {
                SleepPolling();
            }

            CompleteReadyWaits();
        }
    }

    /// <summary>One <c>futex_waitv</c> over the watcher's word and every watched count word, until a change, a wake-up or the earliest deadline.</summary>
    private void SleepInKernel()
    {
        int words = 1;
        long earliest = long.MaxValue;
        lock (_lock)
        {
            _vector[0] = new LibC.FutexWaitV
            {
                Value = Volatile.Read(ref *_control),
                Address = (ulong)_control,
                Flags = LibC.FUTEX2_SIZE_U32 | LibC.FUTEX2_PRIVATE,
            };
            foreach (WatchedSleep wait in _waits)
            {
                _vector[words++] = new LibC.FutexWaitV { Value = 0, Address = (ulong)wait.Semaphore.CountWord, Flags = LibC.FUTEX2_SIZE_U32 };
                earliest = Math.Min(earliest, wait.Deadline);
            }

            _sleeping = true;
        }

        try
        {
            SleepUntil(words, earliest);
        }
        finally
        {
            lock (_lock)
            {
                _sleeping = false;
            }
        }
    }

    private void SleepUntil(int words, long earliest)
    {
        if (earliest == long.MaxValue)
        {
            _ = LibC.Syscall(LibC.SYS_futex_waitv, (nint)_vector, words, 0, 0, LibC.CLOCK_MONOTONIC);
            return;
        }

        long remaining = earliest - Stopwatch.GetTimestamp();
        if (remaining <= 0)
        {
            return;
        }

        LibC.Timespec until;
        _ = LibC.ClockGetTime(LibC.CLOCK_MONOTONIC, &until);
        long nanoseconds = until.Nanoseconds + (long)(remaining * (1_000_000_000.0 / Stopwatch.Frequency));
        until.Seconds += nanoseconds / 1_000_000_000L;
        until.Nanoseconds = nanoseconds % 1_000_000_000L;
        _ = LibC.Syscall(LibC.SYS_futex_waitv, (nint)_vector, words, 0, (nint)(&until), LibC.CLOCK_MONOTONIC);
        // Whatever the result (woken, a word already changed, timed out, interrupted), the scan decides.
    }

    /// <summary>Without <c>futex_waitv</c>: a millisecond's sleep while waits are watched, none otherwise.</summary>
    private void SleepPolling()
    {
        lock (_lock)
        {
            if (_waits.Count == 0)
            {
                Monitor.Wait(_lock);
                return;
            }
        }

        Thread.Sleep(1);
    }

    /// <summary>Completes every wait whose semaphore has a token (true) or whose deadline has passed (false).</summary>
    private void CompleteReadyWaits()
    {
        lock (_lock)
        {
            long now = Stopwatch.GetTimestamp();
            for (int i = _waits.Count - 1; i >= 0; i--)
            {
                WatchedSleep wait = _waits[i];
                bool signalled = Volatile.Read(ref *wait.Semaphore.CountWord) != 0;
                if (!signalled && now < wait.Deadline)
                {
                    continue;
                }

                _waits[i] = _waits[^1];
                _waits.RemoveAt(_waits.Count - 1);
                wait.Semaphore.RemoveSleeper();
                _ready.Add((wait, signalled));
            }
        }

        // Outside the lock: a sleeper may start its next sleep at once.
        foreach ((WatchedSleep wait, bool signalled) in _ready)
        {
            wait.Woken(signalled);
        }

        _ready.Clear();
    }

    /// <summary>
    /// Whether this kernel has <c>futex_waitv</c>, this architecture's <c>futex</c> number is
    /// known, and glibc keeps a semaphore's count in the low half of its first 64-bit word.
    /// </summary>
    private static bool ProbeFutexWaitV()
    {
        if (LibC.SysFutex < 0)
        {
            return false;
        }

        // No words: the kernel answers EINVAL if it has the call, ENOSYS if it does not.
        if (LibC.Syscall(LibC.SYS_futex_waitv, 0, 0, 0, 0, 0) != -1 || Marshal.GetLastPInvokeError() == Errno.ENOSYS)
        {
            return false;
        }

        return Primitives.NamedSemaphore.CountWordKnown;
    }
}
