using System.Diagnostics;
using System.Globalization;

namespace ZeroBuffer.Tests.Infrastructure;

/// <summary>
/// Real PID reuse, on demand: an unrelated process (<c>sleep</c>) that gets the PID a dead process
/// had. A shell sets <c>/proc/sys/kernel/ns_last_pid</c> (root only) to the PID before it and forks
/// at once, so only a process created in those few microseconds can take the PID first; the helper
/// checks the PID the child got and tries again, a bounded number of times.
/// </summary>
internal static class PidReuse
{
    private const int Attempts = 200;

    /// <summary>
    /// A running <c>sleep</c> whose PID is <paramref name="pid"/> (which must be free: its process
    /// reaped), under a shell that waits for it. Dispose the result to end both.
    /// </summary>
    internal static Impostor StartProcessWithPid(int pid)
    {
        for (int attempt = 0; attempt < Attempts; attempt++)
        {
            var info = new ProcessStartInfo("sh") { UseShellExecute = false, RedirectStandardOutput = true };
            foreach (string arg in new[] { "-c", "echo \"$1\" > /proc/sys/kernel/ns_last_pid; sleep 600 & echo $!; wait", "sh", (pid - 1).ToString(CultureInfo.InvariantCulture) })
            {
                info.ArgumentList.Add(arg);
            }

            Process shell = Process.Start(info)!;
            string? line = shell.StandardOutput.ReadLine();
            if (int.TryParse(line, NumberStyles.Integer, CultureInfo.InvariantCulture, out int child) && child == pid)
            {
                return new Impostor(shell, child);
            }

            shell.Kill(entireProcessTree: true);
            shell.WaitForExit();
            shell.Dispose();
        }

        throw new InvalidOperationException($"Could not start a process with PID {pid} in {Attempts} attempts through ns_last_pid: other processes kept taking it.");
    }

    /// <summary>The process that took the PID, and the shell waiting for it.</summary>
    internal sealed class Impostor(Process shell, int pid) : IDisposable
    {
        /// <summary>The reused PID.</summary>
        internal int Pid { get; } = pid;

        public void Dispose()
        {
            shell.Kill(entireProcessTree: true);
            shell.WaitForExit();
            shell.Dispose();
        }
    }
}
