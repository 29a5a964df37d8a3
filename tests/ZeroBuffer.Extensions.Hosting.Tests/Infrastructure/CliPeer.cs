using System.Diagnostics;

namespace ZeroBuffer.Extensions.Hosting.Tests.Infrastructure;

/// <summary>
/// The project's CLI (<c>zerobuffer</c>, run with <c>--json</c>) as the other process of a test.
/// Starting it is all this adds: the process is a <see cref="JsonEventProcess"/>, so a test waits
/// for its events instead of sleeping, and <see cref="JsonEventProcess.KillAsync"/> is SIGKILL (no
/// cleanup runs in the process, as in a crash).
/// </summary>
internal static class CliPeer
{
    /// <summary>Starts <c>zerobuffer ARGS --json</c> from the test's output folder.</summary>
    internal static JsonEventProcess Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true, // not the test host's stdin
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ZeroBuffer.Cli.dll"));
        foreach (string arg in args.Append("--json"))
        {
            info.ArgumentList.Add(arg);
        }

        return JsonEventProcess.Start(info, $"the CLI 'zerobuffer {string.Join(' ', args)} --json'");
    }
}
