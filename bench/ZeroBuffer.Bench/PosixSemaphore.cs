using System.Runtime.InteropServices;

namespace ZeroBuffer.Bench;

/// <summary>
/// A bare POSIX named semaphore for the semaphore ping-pong baseline: the same <c>sem_post</c> /
/// <c>sem_timedwait</c> calls the library makes, without the ring around them. (The library's own
/// wrapper is internal to it, so the bench has its own few imports.)
/// </summary>
internal sealed partial class PosixSemaphore : IDisposable
{
    private const int OCreat = 0x40;
    private const int OExcl = 0x80;
    private const int ClockRealtime = 0;
    private const int ETimedOut = 110;
    private const int EIntr = 4;

    private nint _handle;

    private PosixSemaphore(nint handle) => _handle = handle;

    /// <summary>Creates <paramref name="name"/> (e.g. <c>/zb-bench-x-a</c>) exclusively with count 0.</summary>
    internal static PosixSemaphore Create(string name) => Check(SemOpenCreate(name, OCreat | OExcl, 0x180 /* 0600 */, 0), name);

    internal static PosixSemaphore Open(string name) => Check(SemOpenExisting(name, 0), name);

    /// <summary>Removes the name; false when it did not exist.</summary>
    internal static bool Unlink(string name) => SemUnlink(name) == 0;

    internal void Post()
    {
        if (SemPost(_handle) != 0)
        {
            throw new IOException($"sem_post failed (errno {Marshal.GetLastPInvokeError()})");
        }
    }

    /// <summary>Takes a token, waiting at most <paramref name="milliseconds"/>; false on timeout.</summary>
    internal unsafe bool Wait(int milliseconds)
    {
        Timespec until;
        _ = ClockGetTime(ClockRealtime, &until);
        long nanos = until.Nanoseconds + (milliseconds % 1000) * 1_000_000L;
        until.Seconds += milliseconds / 1000 + nanos / 1_000_000_000L;
        until.Nanoseconds = nanos % 1_000_000_000L;
        while (true)
        {
            if (SemTimedWait(_handle, &until) == 0)
            {
                return true;
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno == ETimedOut)
            {
                return false;
            }

            if (errno != EIntr)
            {
                throw new IOException($"sem_timedwait failed (errno {errno})");
            }
        }
    }

    public void Dispose()
    {
        if (_handle != 0)
        {
            _ = SemClose(_handle);
            _handle = 0;
        }
    }

    private static PosixSemaphore Check(nint handle, string name) =>
        handle is 0 or -1 ? throw new IOException($"sem_open(\"{name}\") failed (errno {Marshal.GetLastPInvokeError()})") : new PosixSemaphore(handle);

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "sem_open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint SemOpenCreate(string name, int flags, uint mode, uint value);

    [LibraryImport("libc", EntryPoint = "sem_open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint SemOpenExisting(string name, int flags);

    [LibraryImport("libc", EntryPoint = "sem_close", SetLastError = true)]
    private static partial int SemClose(nint semaphore);

    [LibraryImport("libc", EntryPoint = "sem_unlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SemUnlink(string name);

    [LibraryImport("libc", EntryPoint = "sem_post", SetLastError = true)]
    private static partial int SemPost(nint semaphore);

    [LibraryImport("libc", EntryPoint = "sem_timedwait", SetLastError = true)]
    private static unsafe partial int SemTimedWait(nint semaphore, Timespec* until);

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static unsafe partial int ClockGetTime(int clock, Timespec* time);
}
