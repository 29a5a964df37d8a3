using System.Runtime.InteropServices;

namespace ZeroBuffer.Bench;

/// <summary>
/// <c>getrusage(2)</c>: what the kernel counted for this process, or for its children that have
/// ended and been waited for: CPU time, page faults, context switches.
/// </summary>
internal static partial class ResourceUsage
{
    /// <summary>The calling process, all its threads.</summary>
    internal const int Self = 0;

    /// <summary>Every child that ended and was waited for (the bench's peers, once reaped).</summary>
    internal const int Children = -1;

    /// <summary>The kernel's <c>struct rusage</c> on 64-bit Linux: two <c>timeval</c>s, then 14 longs.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Usage
    {
        public long UserSeconds;
        public long UserMicroseconds;
        public long SystemSeconds;
        public long SystemMicroseconds;
        public long MaxResidentKilobytes;
        public long SharedText;
        public long UnsharedData;
        public long UnsharedStack;
        public long MinorFaults;
        public long MajorFaults;
        public long Swaps;
        public long BlockInputs;
        public long BlockOutputs;
        public long MessagesSent;
        public long MessagesReceived;
        public long Signals;
        public long VoluntarySwitches;
        public long InvoluntarySwitches;

        /// <summary>User plus system time, seconds.</summary>
        public readonly double CpuSeconds => UserSeconds + SystemSeconds + (UserMicroseconds + SystemMicroseconds) / 1e6;
    }

    /// <summary>Reads the counters of <paramref name="who"/> (<see cref="Self"/> or <see cref="Children"/>).</summary>
    internal static unsafe Usage Read(int who)
    {
        Usage usage;
        if (GetRUsage(who, &usage) != 0)
        {
            throw new IOException($"getrusage failed (errno {Marshal.GetLastPInvokeError()})");
        }

        return usage;
    }

    [LibraryImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    private static unsafe partial int GetRUsage(int who, Usage* usage);
}
