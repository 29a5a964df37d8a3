using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ZeroBuffer.Bench;

/// <summary>
/// Sleeps until a <see cref="Stopwatch"/> timestamp with the kernel's resolution (tens of
/// microseconds), where <see cref="Thread.Sleep(int)"/> rounds to whole milliseconds: on Linux the
/// timestamp is <c>CLOCK_MONOTONIC</c> in nanoseconds, so <c>clock_nanosleep</c> can sleep until it
/// directly. Elsewhere it sleeps 1 ms at most per call (the caller looks at the clock again).
/// </summary>
internal static partial class MonotonicSleep
{
    private const int ClockMonotonic = 1;
    private const int TimerAbsoluteTime = 1;

    private static readonly bool s_precise = OperatingSystem.IsLinux() && Stopwatch.Frequency == 1_000_000_000;

    /// <summary>Sleeps until <paramref name="timestamp"/> (a <see cref="Stopwatch.GetTimestamp"/> value), or a little later; may return early on a signal.</summary>
    internal static void Until(long timestamp)
    {
        if (!s_precise)
        {
            Thread.Sleep(1);
            return;
        }

        var due = new TimeSpec { Seconds = timestamp / 1_000_000_000, Nanoseconds = timestamp % 1_000_000_000 };
        _ = ClockNanosleep(ClockMonotonic, TimerAbsoluteTime, in due, 0); // EINTR: the caller looks at the clock and sleeps again
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_nanosleep")]
    private static partial int ClockNanosleep(int clock, int flags, in TimeSpec request, nint remaining);
}
