using ZeroBuffer.Cli;
using ZeroBuffer.Nats.Tests.Infrastructure;

namespace ZeroBuffer.Nats.Tests.BridgeCli;

/// <summary>
/// A duplex channel across two hosts through the CLI: <c>zerobuffer serve</c> and
/// <c>bridge export-channel</c> on host B, <c>bridge import-channel</c> and <c>zerobuffer call</c> on
/// host A, each host with its own /dev/shm and /tmp (so both channels can have the same name).
/// Responses are the server's; its handler's failure and a reply that does not come in time reach
/// the caller as errors, as they do locally.
/// </summary>
public sealed class BridgeCliDuplexTests
{
    [Fact]
    public async Task Calls_on_host_A_are_answered_by_the_server_on_host_B_and_its_errors_and_timeouts_reach_the_caller()
    {
        await using NatsServer server = await NatsServer.StartAsync();
        await using SimulatedHost hostA = await SimulatedHost.StartAsync("A");
        await using SimulatedHost hostB = await SimulatedHost.StartAsync("B");
        string subject = Names.Subject("duplex");
        const string channel = "resize"; // on both hosts: each has its own

        // Host B: every 3rd request fails in the handler; each takes 300 ms.
        await using CliRun serve = CliRun.Start(hostB, "serve", channel, "--reverse", "--fail-every", "3", "--delay-ms", "300", "--json");
        _ = await serve.WaitForEventAsync("ready");
        await using CliRun exported = CliRun.Start(hostB, ["bridge", "export-channel", channel, "--subject", subject, "--nats", server.Url, "--json"]);
        _ = await exported.WaitForEventAsync("started");

        // Host A: the same channel, patient; and a second one whose replies may take 100 ms at most.
        await using CliRun imported = CliRun.Start(hostA, ["bridge", "import-channel", subject, "--to", channel, "--nats", server.Url, "--timeout-ms", "10000", "--json"]);
        _ = await imported.WaitForEventAsync("started");
        await using CliRun hasty = CliRun.Start(hostA, ["bridge", "import-channel", subject, "--to", "hasty", "--nats", server.Url, "--timeout-ms", "100", "--json"]);
        _ = await hasty.WaitForEventAsync("started");

        Assert.Equal("olleh", await CallAsync(hostA, channel, "hello", ExitCodes.Success));
        Assert.Equal("cba", await CallAsync(hostA, channel, "abc", ExitCodes.Success));
        string failed = await CallAsync(hostA, channel, "third", ExitCodes.For(ZeroBufferErrorKind.DuplexHandlerFailed));
        Assert.Contains("failed on purpose", failed, StringComparison.Ordinal);
        string late = await CallAsync(hostA, "hasty", "late", ExitCodes.For(ZeroBufferErrorKind.DuplexHandlerFailed));
        Assert.Contains("No answer", late, StringComparison.Ordinal);
        Assert.Contains("100 ms", late, StringComparison.Ordinal);

        _ = await imported.WaitForEventAsync("server-error");
        _ = await hasty.WaitForEventAsync("server-error");
        imported.Interrupt();
        Assert.Equal(0, await imported.WaitForExitAsync());
        Assert.Equal(1, imported.Events("done").Single().GetProperty("failed").GetInt64());
        exported.Interrupt();
        Assert.Equal(0, await exported.WaitForExitAsync());
        var done = exported.Events("done").Single();
        Assert.True(done.GetProperty("forwarded").GetInt64() >= 2, exported.Transcript()); // the late one may be answered after its caller gave up
        Assert.Equal(1, done.GetProperty("failed").GetInt64());
    }

    /// <summary>Runs <c>zerobuffer call CHANNEL --text TEXT</c> on <paramref name="host"/>; returns the response text, or the error line when it fails.</summary>
    private static async Task<string> CallAsync(SimulatedHost host, string channel, string text, int expectedExit)
    {
        await using CliRun call = CliRun.Start(host, "call", channel, "--text", text, "--json");
        int exit = await call.WaitForExitAsync();
        Assert.True(exit == expectedExit, $"call exited {exit}, not {expectedExit}.\n{call.Transcript()}");
        if (exit != ExitCodes.Success)
        {
            return Assert.Single(call.ErrorLines);
        }

        return call.Events("response").Single().GetProperty("text").GetString()!;
    }
}
