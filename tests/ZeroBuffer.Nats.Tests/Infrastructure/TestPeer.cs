using System.Diagnostics;

namespace ZeroBuffer.Nats.Tests.Infrastructure;

/// <summary>
/// tests/peers/ZeroBuffer.Nats.TestPeer in a process of its own (built with these tests, run from
/// their output folder): a bridge the test can SIGKILL at a point it chose. Starting it is all this
/// adds: the process is a <see cref="JsonEventProcess"/>, whose events a test waits for with the
/// safety deadline, never a sleep. Disposing closes its stdin (the peer's signal to stop) and kills
/// it if it is still running after a grace period.
/// </summary>
internal static class TestPeer
{
    /// <summary>How long the peer gets to stop by itself once its stdin is closed.</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

    /// <summary>Starts <c>ZeroBuffer.Nats.TestPeer ARGS</c>.</summary>
    internal static JsonEventProcess Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true, // closing it stops the peer
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ZeroBuffer.Nats.TestPeer.dll"));
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return JsonEventProcess.Start(info, $"the test peer '{string.Join(' ', args)}'", StopGrace);
    }
}
