using System.Runtime.InteropServices;
using ZeroBuffer.Interop;

namespace ZeroBuffer.Primitives;

/// <summary>A POSIX named semaphore (<c>sem_open</c>), the protocol's wake-up signal.</summary>
internal sealed unsafe class NamedSemaphore : IDisposable
{
    private static bool s_clockWaitAvailable = true; // sem_clockwait exists (glibc >= 2.30)
    private readonly SemaphoreHandle _handle;
    private readonly nint _raw; // the handle's sem_t*, for Post: its owner keeps it alive (Reader/Writer gates)

    private NamedSemaphore(string osName, SemaphoreHandle handle)
    {
        OsName = osName;
        _handle = handle;
        _raw = handle.DangerousGetHandle();
    }

    /// <summary>The <c>sem_open</c> name, e.g. <c>/sem-w-cam0</c>.</summary>
    internal string OsName { get; }

    /// <summary>The largest count a glibc semaphore holds (SEM_VALUE_MAX).</summary>
    internal const uint MaxValue = int.MaxValue;

    /// <summary>Creates the semaphore exclusively with <paramref name="mode"/> (count 0 unless a test says otherwise); null on EEXIST.</summary>
    internal static NamedSemaphore? CreateExclusive(string osName, string bufferName, uint mode, uint initialValue = 0)
    {
        nint sem = LibC.SemOpenCreate(osName, LibC.O_CREAT | LibC.O_EXCL, mode, initialValue);
        if (IsFailure(sem))
        {
            int errno = Errno.Last;
            if (errno == Errno.EEXIST)
            {
                return null;
            }

            throw new SystemCallException(bufferName, $"sem_open(\"{osName}\", O_CREAT|O_EXCL)", errno);
        }

        // The requested mode whatever the umask (glibc keeps the semaphore as a file under /dev/shm).
        _ = LibC.Chmod(ResourceFile(osName), mode);
        return new NamedSemaphore(osName, new SemaphoreHandle(sem));
    }

    /// <summary>Opens an existing semaphore; null when it does not exist.</summary>
    internal static NamedSemaphore? OpenExisting(string osName, string bufferName)
    {
        nint sem = LibC.SemOpenExisting(osName, 0);
        if (IsFailure(sem))
        {
            int errno = Errno.Last;
            if (errno == Errno.ENOENT)
            {
                return null;
            }

            if (errno == Errno.EACCES)
            {
                throw AccessDenied.For(bufferName, ResourceFile(osName));
            }

            throw new SystemCallException(bufferName, $"sem_open(\"{osName}\")", errno);
        }

        return new NamedSemaphore(osName, new SemaphoreHandle(sem));
    }

    /// <summary>Removes the name; open handles stay usable. False when it did not exist.</summary>
    internal static bool Unlink(string osName) => LibC.SemUnlink(osName) == 0;

    /// <summary>
    /// Adds one token. A semaphore already at <see cref="MaxValue"/> (EOVERFLOW) is left as it is:
    /// with that many tokens no waiter can miss its wake-up, so nothing is lost.
    /// </summary>
    /// <remarks>
    /// The per-frame path: the raw pointer and no errno marshalling (no SafeHandle reference
    /// counting, no errno save per call). The owner guarantees the semaphore is not closed while
    /// a post may run. A failure is told apart by the count, not by errno.
    /// </remarks>
    internal void Post()
    {
        if (LibC.SemPostRaw(_raw) != 0)
        {
            int errno = Marshal.GetLastSystemError();
            int value;
            if (LibC.SemGetValueRaw(_raw, &value) == 0 && value >= int.MaxValue)
            {
                return; // EOVERFLOW
            }

            throw new SystemCallException(null, $"sem_post(\"{OsName}\")", errno);
        }
    }

    /// <summary>Takes a token if one is there, without blocking.</summary>
    internal bool TryWait()
    {
        while (true)
        {
            if (LibC.SemTryWait(_handle) == 0)
            {
                return true;
            }

            int errno = Errno.Last;
            if (errno == Errno.EAGAIN)
            {
                return false;
            }

            if (errno != Errno.EINTR)
            {
                throw new SystemCallException(null, $"sem_trywait(\"{OsName}\")", errno);
            }
        }
    }

    /// <summary>Takes a token, blocking at most <paramref name="milliseconds"/> (0 = try only).</summary>
    internal bool Wait(int milliseconds)
    {
        if (milliseconds <= 0)
        {
            return TryWait();
        }

        // Against CLOCK_MONOTONIC where glibc has sem_clockwait: a wall-clock step (NTP, VM
        // resume) must not stretch a liveness slice. Older glibc: sem_timedwait (wall clock).
        bool monotonic = s_clockWaitAvailable;
        LibC.Timespec until;
        _ = LibC.ClockGetTime(monotonic ? LibC.CLOCK_MONOTONIC : LibC.CLOCK_REALTIME, &until);
        long nanos = until.Nanoseconds + (milliseconds % 1000) * 1_000_000L;
        until.Seconds += milliseconds / 1000 + nanos / 1_000_000_000L;
        until.Nanoseconds = nanos % 1_000_000_000L;

        while (true)
        {
            int result;
            if (monotonic)
            {
                try
                {
                    result = LibC.SemClockWait(_handle, LibC.CLOCK_MONOTONIC, &until);
                }
                catch (EntryPointNotFoundException)
                {
                    s_clockWaitAvailable = false;
                    return Wait(milliseconds);
                }
            }
            else
            {
                result = LibC.SemTimedWait(_handle, &until);
            }

            if (result == 0)
            {
                return true;
            }

            int errno = Errno.Last;
            if (errno == Errno.ETIMEDOUT)
            {
                return false;
            }

            if (errno != Errno.EINTR)
            {
                throw new SystemCallException(null, $"sem_timedwait(\"{OsName}\")", errno);
            }
        }
    }

    /// <summary>
    /// Takes every token currently there; returns how many. Tens of thousands of tokens may be
    /// waiting (a polling reader's), so this uses the raw pointer without errno marshalling, like
    /// <see cref="Post"/>; a failure is told apart through the count.
    /// </summary>
    internal int Drain() => CountWordKnown ? DrainCountWord() : DrainOneByOne();

    /// <summary>
    /// Every token at once: one compare-and-swap that zeroes the count and keeps the sleeper half,
    /// the same kind of atomic step glibc's own <c>sem_trywait</c> and <c>sem_post</c> take on that
    /// word. Token by token, a drain of a polling reader's tens of thousands of tokens would cost
    /// an atomic on the writer's busiest cache line per frame.
    /// </summary>
    private int DrainCountWord()
    {
        long* word = (long*)_raw;
        while (true)
        {
            long data = Volatile.Read(ref *word);
            uint value = (uint)data;
            if (value == 0)
            {
                return 0;
            }

            if (Interlocked.CompareExchange(ref *word, data & ~(long)uint.MaxValue, data) == data)
            {
                return (int)Math.Min(value, int.MaxValue);
            }
        }
    }

    private int DrainOneByOne()
    {
        int drained = 0;
        while (true)
        {
            if (LibC.SemTryWaitRaw(_raw) == 0)
            {
                drained++;
                continue;
            }

            // Told apart by the count, not errno (read without SetLastError): glibc fails
            // sem_trywait only when the count is 0 (EAGAIN).
            int errno = Marshal.GetLastSystemError();
            int value;
            if (LibC.SemGetValueRaw(_raw, &value) == 0)
            {
                if (value > 0)
                {
                    continue; // tokens arrived in between: take them too
                }

                return drained;
            }

            throw new SystemCallException(null, $"sem_trywait(\"{OsName}\")", errno);
        }
    }

    /// <summary>The current count (diagnostics only: it may change at once).</summary>
    internal int Value
    {
        get
        {
            int value;
            return LibC.SemGetValue(_handle, &value) == 0 ? value : -1;
        }
    }

    /// <summary>
    /// The 32-bit word glibc keeps the count in: on 64-bit glibc (2.21 and later) a <c>sem_t</c>
    /// starts with one 64-bit word, the count in its low half and, in its high half, the number of
    /// sleepers a post must wake with <c>FUTEX_WAKE</c>. <see cref="Waiting.SemaphoreWatcher"/>
    /// sleeps on the count word with <c>futex_waitv</c> after adding itself as a sleeper
    /// (<see cref="AddSleeper"/>), so any process's <c>sem_post</c> wakes it. Valid while the
    /// semaphore is open.
    /// </summary>
    internal uint* CountWord => (uint*)_raw;

    /// <summary>
    /// Whether this glibc keeps the count where <see cref="CountWord"/> says (probed once, on a
    /// private semaphore: a post must turn a zeroed first word into 1).
    /// </summary>
    internal static bool CountWordKnown { get; } = ProbeCountWord();

    private static bool ProbeCountWord()
    {
        nint semaphore = (nint)NativeMemory.AllocZeroed(64);
        try
        {
            if (LibC.SemInit(semaphore, 0, 0) != 0)
            {
                return false;
            }

            ulong before = *(ulong*)semaphore;
            _ = LibC.SemPostRaw(semaphore);
            ulong after = *(ulong*)semaphore;
            _ = LibC.SemDestroy(semaphore);
            return before == 0 && after == 1;
        }
        finally
        {
            NativeMemory.Free((void*)semaphore);
        }
    }

    /// <summary>Counts one more sleeper: from now on every <c>sem_post</c> also wakes the count word's futex waiters.</summary>
    internal void AddSleeper() => Interlocked.Add(ref *(long*)_raw, 1L << 32);

    /// <summary>Undoes one <see cref="AddSleeper"/>.</summary>
    internal void RemoveSleeper() => Interlocked.Add(ref *(long*)_raw, -(1L << 32));

    /// <summary>The file glibc keeps a named semaphore in.</summary>
    internal static string ResourceFile(string osName) => Protocol.ResourceNames.SemaphoreFile(osName);

    private static bool IsFailure(nint sem) => sem == 0 || sem == -1; // SEM_FAILED is 0 in glibc, -1 elsewhere

    public void Dispose() => _handle.Dispose();
}
