using System.Diagnostics;
using ZeroBuffer.Primitives;

namespace ZeroBuffer.Tests.Primitives;

public sealed class ProcessLivenessTests
{
    [Fact]
    public void SelfIsAliveAndAbsentPidsAreNot()
    {
        Assert.True(ProcessLiveness.IsAlive(ProcessLiveness.Self));
        Assert.False(ProcessLiveness.IsAlive(0));
        Assert.False(ProcessLiveness.IsAlive((ulong)int.MaxValue + 1));
    }

    [Fact]
    public async Task KilledProcessNotYetReapedCountsAsDead()
    {
        // sh starts a background sleep, prints its PID and execs a long sleep that never reaps it:
        // once the background sleep is SIGKILLed it stays a zombie, which kill(pid, 0) still accepts.
        var info = new ProcessStartInfo("sh", ["-c", "sleep 600 & echo $!; exec sleep 600"]) { RedirectStandardOutput = true };
        using Process parent = Process.Start(info)!;
        try
        {
            int child = int.Parse((await parent.StandardOutput.ReadLineAsync())!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(ProcessLiveness.IsAlive((ulong)child));

            // Until sh has exec'd into sleep it may still reap the child itself: wait (bounded) for the exec.
            var execDeadline = Stopwatch.StartNew();
            while (!File.ReadAllText($"/proc/{parent.Id}/stat").Contains("(sleep)", StringComparison.Ordinal))
            {
                Assert.True(execDeadline.Elapsed < TimeSpan.FromSeconds(10), "sh never exec'd into sleep");
                await Task.Yield();
            }

            using (Process.Start("kill", ["-9", child.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
            {
            }

            // Wait (bounded) until the kernel has turned it into a zombie.
            var deadline = Stopwatch.StartNew();
            while (!File.ReadAllText($"/proc/{child}/stat").Contains(") Z ", StringComparison.Ordinal))
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), "the killed child never became a zombie");
                await Task.Yield();
            }

            Assert.False(ProcessLiveness.IsAlive((ulong)child));
        }
        finally
        {
            parent.Kill(); // its zombie child is reaped by init
            await parent.WaitForExitAsync();
        }
    }
}
