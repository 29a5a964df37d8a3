using System.Text.Json;
using Xunit.Abstractions;
using ZeroBuffer.Nats.Tests.Infrastructure;

namespace ZeroBuffer.Nats.Tests.BridgeCli;

/// <summary>
/// Core NATS through the CLI bridge, the server SIGKILLed mid-stream and started again: what the
/// writer wrote either reached the reader or is in exactly one <c>gap</c> event of
/// <c>bridge import</c>, and its <c>done</c> totals say the same; the outage does cost frames.
/// </summary>
public sealed class BridgeCliCoreGapTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_server_SIGKILLed_and_restarted_costs_frames_that_the_gap_events_report_exactly()
    {
        const int count = 400;
        const int size = 8192;
        await using NatsServer server = await NatsServer.StartAsync();
        string source = Names.Buffer("a");
        string target = Names.Buffer("b");
        string subject = Names.Subject("gap");
        using var reader = new Reader(target, new BufferConfig(4096, 16 << 20));
        // The importer retries every 10 s, the exporter within 400 ms: once the importer's first attempt
        // has failed, the exporter is back first after the restart (even if the restart itself takes a
        // few seconds on a loaded machine), and what it publishes until the importer is subscribed
        // again is lost for sure. (Frames in flight at the kill are not counted on: the exporter keeps
        // up with the writer, batching what waits, and may have none.)
        await using CliRun import = CliRun.Start(null, ["bridge", "import", subject, "--to", target, "--nats", server.Url, "--json",
            "--reconnect-min-ms", "10000", "--reconnect-max-ms", "10000", "--reconnect-jitter-ms", "0"]);
        _ = await import.WaitForEventAsync("started");
        await using CliRun export = CliRun.Start(null, ["bridge", "export", source, "--subject", subject, "--nats", server.Url, "--payload-size", "16M", "--json",
            .. BridgeCliPeers.QuickReconnect]);
        _ = await export.WaitForEventAsync("started");

        var received = new List<Received>();
        using CancellationTokenSource safety = Eventually.Safety();
        Task reading = BridgeCliPeers.ReadUntilEndAsync(reader, received, safety.Token);
        ulong last = await BridgeCliPeers.ProduceAsync(source, count, size,
            afterFrame: async index =>
            {
                if (index == count / 2)
                {
                    await Eventually.TrueAsync(() => BridgeCliPeers.Snapshot(received).Count >= 50, "frames flowing");
                    await server.KillAsync();
                    _ = await import.WaitForEventAsync("disconnected");
                    _ = await import.WaitForEventAsync("reconnecting"); // its first attempt failed: the next is 10 s away
                }
                else if (index == count / 2 + 50)
                {
                    // Fifty frames written while the server is down: the exporter, publishing them, has
                    // seen the connection drop (an idle one may not have yet, and the exporter keeps up
                    // with the writer, batches and all), so it is back within 400 ms of the restart.
                    _ = await export.WaitForEventAsync("disconnected");
                    await server.RestartAsync();
                }
            },
            closeAfter: async (writer, written) =>
            {
                // Both sides back, and the importer subscribed again (a frame written now arrives), before
                // the end of the stream is published: otherwise the end itself could be lost.
                _ = await export.WaitForEventAsync("connected");
                _ = await import.WaitForEventAsync("connected");
                while (true)
                {
                    written++;
                    TestFrames.Fill(writer.GetFrameBuffer(size), written);
                    writer.CommitFrame();
                    ulong probe = written;
                    if (await Arrives(() => BridgeCliPeers.Snapshot(received).Exists(r => r.Index >= probe)))
                    {
                        return written;
                    }
                }
            });
        await reading;

        Assert.Equal(0, await import.WaitForExitAsync());
        Assert.Equal(0, await export.WaitForExitAsync());
        List<NatsGapEventArgs> gaps = [.. import.Events("gap").Select(g => new NatsGapEventArgs(GapKind.Lost, g.GetProperty("session").GetString()!,
            g.GetProperty("firstSequence").GetUInt64(), g.GetProperty("count").GetUInt64()))];
        Assert.All(import.Events("gap"), g => Assert.Equal("lost", g.GetProperty("kind").GetString()));
        GapAudit.AssertExact(received, gaps, (int)last, size);

        JsonElement done = import.Events("done").Single();
        long lost = (long)last - received.Count;
        Assert.Equal(lost, done.GetProperty("framesLost").GetInt64());
        Assert.Equal(gaps.Count, done.GetProperty("gaps").GetInt64());
        Assert.Equal(received.Count, done.GetProperty("frames").GetInt64());
        Assert.True(done.GetProperty("disconnects").GetInt64() >= 1);
        Assert.Equal((long)last, export.Events("done").Single().GetProperty("frames").GetInt64());
        output.WriteLine($"{last} frames written, {received.Count} read, {lost} lost in {gaps.Count} gaps: {string.Join(", ", gaps)}");
        Assert.True(lost > 0, "the outage cost frames (else this test checked nothing)");
        Assert.Empty(Names.Leftovers(source));
    }

    /// <summary>Whether <paramref name="condition"/> comes true within a second (a frame in flight arrives well within it).</summary>
    private static async Task<bool> Arrives(Func<bool> condition)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(1))
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10)); // a pause between looks, not a synchronisation
        }

        return true;
    }
}
