using System.Text.Json;
using ZeroBuffer.Cli;
using ZeroBuffer.Tests.Infrastructure;
using ZeroBuffer.Topics;

namespace ZeroBuffer.Tests.Cli;

/// <summary>
/// What a stop means, by command and signal: Ctrl+C (SIGINT) ends a command that runs until
/// stopped (watch, serve, read, subscribe and relay without --count, the hold of write --hold and
/// publish --hold) normally: its done event, exit 0, no error. A job with an end of its own, or
/// SIGTERM (a stop from outside), is interrupted: exit 130 and the Interrupted error.
/// </summary>
public sealed class StopSignalTests
{
    [Fact]
    public async Task Watch_CtrlC_ExitsZeroWithADoneEventAndNoError()
    {
        string name = TestNames.Unique("cli-stop-watch");
        using (new Reader(name, new BufferConfig(0, 4096)))
        {
            await using CliProcess watch = await WatchingAsync(name);
            await watch.InterruptAsync();
            await AssertEndedNormally(watch);
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task Watch_CtrlC_InTextMode_PrintsNoErrorLine()
    {
        string name = TestNames.Unique("cli-stop-watch-text");
        using (new Reader(name, new BufferConfig(0, 4096)))
        {
            await using CliProcess watch = CliProcess.Start("watch", name, "--interval-ms", "50");
            await watch.WaitForLineAsync(l => l.Contains("frames/s", StringComparison.Ordinal));
            await watch.InterruptAsync();
            Assert.Equal(ExitCodes.Success, await watch.WaitForExitAsync());
            Assert.Equal("", watch.ErrorOutput);
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task Serve_CtrlC_ExitsZeroWithADoneEvent()
    {
        string channel = TestNames.Unique("cli-stop-serve");
        await using CliProcess serve = CliProcess.Start("serve", channel, "--json");
        await serve.WaitForEventAsync("ready");
        await serve.InterruptAsync();
        JsonElement done = await AssertEndedNormally(serve);
        Assert.Equal(0, done.GetProperty("requests").GetInt64());
        Duplex.DuplexPair.AssertNoBuffers(channel);
    }

    [Fact]
    public async Task Read_WithoutCount_CtrlC_ExitsZeroWithADoneEvent_AndRemovesTheBuffer()
    {
        string name = TestNames.Unique("cli-stop-read");
        await using (CliProcess read = CliProcess.Start("read", name, "--json"))
        {
            await read.WaitForEventAsync("ready");
            using (var writer = new Writer(name))
            {
                writer.WriteFrame(new byte[10]);
                await read.WaitForEventAsync("frame");

                // Stopped while the writer is still connected (its leaving would be the end of the stream).
                await read.InterruptAsync();
                JsonElement done = await AssertEndedNormally(read);
                Assert.Equal(1, done.GetProperty("frames").GetInt64());
            }
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task Relay_WithoutCount_CtrlC_ExitsZeroWithReasonStopped()
    {
        string input = TestNames.Unique("cli-stop-in");
        string output = TestNames.Unique("cli-stop-out");
        using (new Reader(output, new BufferConfig(0, 4096)))
        {
            await using CliProcess relay = CliProcess.Start("relay", input, output, "--json");
            await relay.WaitForEventAsync("ready");
            await relay.InterruptAsync();
            JsonElement done = await AssertEndedNormally(relay);
            Assert.Equal("stopped", done.GetProperty("reason").GetString());
        }

        OsResources.AssertNone(input);
        OsResources.AssertNone(output);
    }

    [Fact]
    public async Task WriteHold_CtrlC_ExitsZero()
    {
        string name = TestNames.Unique("cli-stop-hold");
        using (new Reader(name, new BufferConfig(0, 4096)))
        {
            await using CliProcess write = CliProcess.Start("write", name, "--count", "1", "--size", "10", "--hold", "--json");
            await write.WaitForEventAsync("holding");
            await write.InterruptAsync();
            Assert.Equal(ExitCodes.Success, await write.WaitForExitAsync());
            Assert.Empty(write.Events("error"));
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task PublishHold_CtrlC_ExitsZero_AndGivesUpTheTopic()
    {
        string topic = TestNames.Unique("cli-stop-publish");
        await using (CliProcess publish = CliProcess.Start("publish", topic, "--count", "1", "--size", "10", "--hold", "--json"))
        {
            await publish.WaitForEventAsync("holding");
            await publish.InterruptAsync();
            Assert.Equal(ExitCodes.Success, await publish.WaitForExitAsync());
            Assert.Empty(publish.Events("error"));
        }

        Assert.False(File.Exists(TopicNames.PublisherLockFile(topic)));
    }

    [Fact]
    public async Task Publish_WaitingForSubscribers_CtrlC_IsInterrupted()
    {
        await using CliProcess publish = CliProcess.Start("publish", TestNames.Unique("cli-stop-publish-wait"), "--subscribers", "1", "--json");
        Assert.Equal(0, (await publish.WaitForEventAsync("waiting")).GetProperty("connected").GetInt32());
        await publish.InterruptAsync();
        Assert.Equal(ExitCodes.Interrupted, await publish.WaitForExitAsync());
        Assert.Equal("Interrupted", Assert.Single(publish.Events("error")).GetProperty("kind").GetString());
        Assert.Empty(publish.Events("written"));
    }

    [Fact]
    public async Task Subscribe_WithoutCount_CtrlC_ExitsZeroWithADoneEvent_AndRemovesTheBuffer()
    {
        string topic = TestNames.Unique("cli-stop-subscribe");
        await using (CliProcess subscribe = CliProcess.Start("subscribe", topic, "--policy", "latest-only", "--id", "stop", "--json"))
        {
            await subscribe.WaitForEventAsync("ready");
            await subscribe.InterruptAsync();
            JsonElement done = await AssertEndedNormally(subscribe);
            Assert.Equal((0, 0, 0), (done.GetProperty("frames").GetInt32(), done.GetProperty("missed").GetInt32(), done.GetProperty("skipped").GetInt32()));
        }

        OsResources.AssertNone(TopicNames.SubscriberBuffer(topic, DeliveryPolicy.LatestOnly, "stop"));
    }

    [Fact]
    public async Task Read_WithCount_CtrlC_IsInterrupted()
    {
        string name = TestNames.Unique("cli-stop-count");
        await using (CliProcess read = CliProcess.Start("read", name, "--count", "5", "--json"))
        {
            await read.WaitForEventAsync("ready");
            await read.InterruptAsync();
            Assert.Equal(ExitCodes.Interrupted, await read.WaitForExitAsync());
            Assert.Equal("Interrupted", Assert.Single(read.Events("error")).GetProperty("kind").GetString());
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task Watch_Sigterm_IsInterrupted_AfterItsDoneEvent()
    {
        string name = TestNames.Unique("cli-stop-watch-term");
        using (new Reader(name, new BufferConfig(0, 4096)))
        {
            await using CliProcess watch = await WatchingAsync(name);
            await watch.TerminateAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(ExitCodes.Interrupted, await watch.WaitForExitAsync());
            Assert.Single(watch.Events("done"));
            Assert.Equal("Interrupted", Assert.Single(watch.Events("error")).GetProperty("kind").GetString());
        }

        OsResources.AssertNone(name);
    }

    /// <summary>A watch of <paramref name="name"/> (JSON, 50 ms samples) that has taken its first sample.</summary>
    private static async Task<CliProcess> WatchingAsync(string name)
    {
        CliProcess watch = CliProcess.Start("watch", name, "--json", "--interval-ms", "50");
        await watch.WaitForEventAsync("sample");
        return watch;
    }

    /// <summary>Exit 0, the done event last, no error event, nothing on stderr; returns the done event.</summary>
    private static async Task<JsonElement> AssertEndedNormally(CliProcess process)
    {
        Assert.Equal(ExitCodes.Success, await process.WaitForExitAsync());
        Assert.Empty(process.Events("error"));
        Assert.Equal("", process.ErrorOutput);
        string last = process.Output[^1];
        JsonElement done = JsonDocument.Parse(last).RootElement.Clone();
        Assert.Equal("done", done.GetProperty("event").GetString());
        return done;
    }
}
