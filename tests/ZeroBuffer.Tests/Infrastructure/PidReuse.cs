using System.Diagnostics;
using System.Globalization;

namespace ZeroBuffer.Tests.Infrastructure;

/// <summary>
/// Real PID reuse, on demand: an unrelated process (<c>sleep</c>) started so that it gets a PID
/// that a dead process had, by setting <c>/proc/sys/kernel/ns_last_pid</c> (root only) to the PID
/// before it just before the fork. Another process may take the PID in between; the helper checks
/// the PID it got and tries again, a bounded number of times.
/// </summary>
internal static class PidReuse
{
    private const string LastPidFile = "/proc/sys/kernel/ns_last_pid";
    private const int Attempts = 50;

    /// <summary>A running <c>sleep</c> whose PID is <paramref name="pid"/> (which must be free, i.e. its process reaped). Kill it when done.</summary>
    internal static Process StartProcessWithPid(int pid)
    {
        for (int attempt = 0; attempt < Attempts; attempt++)
        {
            File.WriteAllText(LastPidFile, (pid - 1).ToString(CultureInfo.InvariantCulture));
            Process process = Process.Start(new ProcessStartInfo("sleep", "600") { UseShellExecute = false })!;
            if (process.Id == pid)
            {
                return process;
            }

            process.Kill();
            process.WaitForExit();
            process.Dispose();
        }

        throw new InvalidOperationException($"Could not start a process with PID {pid} in {Attempts} attempts through {LastPidFile}: other processes kept taking it.");
    }
}
