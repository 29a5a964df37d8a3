using System.Text.Json;
using ZeroBuffer.Cli;
using ZeroBuffer.Nats.Tests.Infrastructure;

namespace ZeroBuffer.Nats.Tests.BridgeCli;

/// <summary>
/// How the stream commands end: <c>--count</c> on either side (the other side ends with it, through
/// the end of the stream), Ctrl+C (the normal end of an open-ended bridge: its <c>done</c> event, exit
/// 0), SIGTERM (the same <c>done</c>, then exit 130).
/// </summary>
public sealed class BridgeCliLifecycleTests
{
    private const int Size = 4096;

    [Fact]
    public async Task An_export_count_ends_both_sides_after_that_many_frames()
    {
        await using NatsServer server = await NatsServer.StartAsync();
        (string source, string target, string subject) = (Names.Buffer("a"), Names.Buffer("b"), Names.Subject("count"));
        using var reader = new Reader(target, new BufferConfig(4096, 1 << 20));
        await using CliRun import = Import(subject, target, server.Url);
        _ = await import.WaitForEventAsync("started");
        await using CliRun export = Export(source, subject, server.Url, "--count", "5");
        _ = await export.WaitForEventAsync("started");

        var received = new List<Received>();
        using CancellationTokenSource safety = Eventually.Safety();
        Task reading = BridgeCliPeers.ReadUntilEndAsync(reader, received, safety.Token);
        _ = await BridgeCliPeers.ProduceAsync(source, 10, Size); // more than the export takes: the rest stays in its ring
        await reading;

        Assert.Equal(Enumerable.Range(1, 5).Select(i => (ulong)i), received.Select(r => r.Index));
        Assert.Equal(0, await export.WaitForExitAsync());
        Assert.Equal((5, "count"), Done(export));
        Assert.Equal(0, await import.WaitForExitAsync());
        Assert.Equal((5, "end-of-stream"), Done(import));
        Assert.Equal("stopped", import.Events("stream-ended").Single().GetProperty("reason").GetString());
    }

    [Fact]
    public async Task An_import_count_ends_the_import_and_Ctrl_C_ends_the_export_with_exit_0_and_SIGTERM_with_130()
    {
        await using NatsServer server = await NatsServer.StartAsync();
        (string source, string target, string subject) = (Names.Buffer("a"), Names.Buffer("b"), Names.Subject("stop"));
        using var reader = new Reader(target, new BufferConfig(4096, 1 << 20));
        await using CliRun import = Import(subject, target, server.Url, "--count", "3");
        _ = await import.WaitForEventAsync("started");
        await using CliRun export = Export(source, subject, server.Url);
        _ = await export.WaitForEventAsync("started");

        var received = new List<Received>();
        using CancellationTokenSource safety = Eventually.Safety();
        Task reading = BridgeCliPeers.ReadUntilEndAsync(reader, received, safety.Token);
        var mayClose = new TaskCompletionSource();
        Task<ulong> producing = BridgeCliPeers.ProduceAsync(source, 10, Size, closeAfter: async (_, last) =>
        {
            await mayClose.Task; // the writer stays: the export has no end of stream to end on
            return last;
        });
        await reading; // the import closed its writer after 3 frames

        Assert.Equal(Enumerable.Range(1, 3).Select(i => (ulong)i), received.Select(r => r.Index));
        Assert.Equal(0, await import.WaitForExitAsync());
        Assert.Equal((3, "count"), Done(import));

        await Eventually.TrueAsync(() => export.Events("progress").Any(p => p.GetProperty("frames").GetInt64() == 10), "every frame exported");
        export.Interrupt();
        Assert.Equal(0, await export.WaitForExitAsync());
        Assert.Equal((10, "stopped"), Done(export));
        mayClose.SetResult();
        _ = await producing;

        await using CliRun idle = Import(subject, Names.Buffer("c"), server.Url);
        _ = await idle.WaitForEventAsync("started");
        idle.Terminate();
        Assert.Equal(ExitCodes.Interrupted, await idle.WaitForExitAsync());
        Assert.Equal((0, "stopped"), Done(idle));
        Assert.Equal("Interrupted", idle.Events("error").Single().GetProperty("kind").GetString());
        Assert.Empty(Names.Leftovers(source));
    }

    private static (long Frames, string Reason) Done(CliRun cli)
    {
        JsonElement done = cli.Events("done").Single();
        return (done.GetProperty("frames").GetInt64(), done.GetProperty("reason").GetString()!);
    }

    private static CliRun Export(string buffer, string subject, string url, params string[] options) =>
        CliRun.Start(null, ["bridge", "export", buffer, "--subject", subject, "--nats", url, "--json", "--progress-ms", "100", .. BridgeCliPeers.QuickReconnect, .. options]);

    private static CliRun Import(string subject, string buffer, string url, params string[] options) =>
        CliRun.Start(null, ["bridge", "import", subject, "--to", buffer, "--nats", url, "--json", .. BridgeCliPeers.QuickReconnect, .. options]);
}
