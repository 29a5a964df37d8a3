using System.Text.Json;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Cli;

/// <summary><c>zerobuffer relay</c> and <c>zerobuffer watch</c> as real processes.</summary>
public sealed class RelayWatchCliTests
{
    [Fact]
    public async Task Relay_ForwardsMetadataAndEveryFrameIntact_AndTheExitFrameEndsBothSides()
    {
        string input = TestNames.Unique("cli-relay-in");
        string output = TestNames.Unique("cli-relay-out");
        await using CliProcess sink = CliProcess.Start("read", output, "--json", "--hash");
        await sink.WaitForEventAsync("ready");
        await using CliProcess relay = CliProcess.Start("relay", input, output, "--json", "--progress-ms", "50");
        JsonElement ready = await relay.WaitForEventAsync("ready");
        Assert.Equal(input, ready.GetProperty("in").GetString());
        Assert.Equal(output, ready.GetProperty("out").GetString());

        var sent = new List<string>();
        using (var writer = new Writer(input))
        {
            writer.SetMetadata("fps=30"u8);
            for (int i = 1; i <= 20; i++)
            {
                byte[] payload = new byte[100 * i];
                Random.Shared.NextBytes(payload);
                sent.Add(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(payload)));
                writer.WriteFrame(payload);
            }

            writer.WriteFrame("EXIT"u8); // forwarded, then ends the relay; the sink ends on it too
            JsonElement done = await relay.WaitForEventAsync("done");
            Assert.Equal(0, await relay.WaitForExitAsync());
            Assert.Equal("exit-frame", done.GetProperty("reason").GetString());
            Assert.Equal(20, done.GetProperty("frames").GetInt64());
        }

        Assert.Equal(0, await sink.WaitForExitAsync());
        Assert.Single(relay.Events("metadata"));
        Assert.Equal("fps=30", sink.Events("metadata").Single().GetProperty("text").GetString());
        Assert.Equal(sent, sink.Events("frame").Select(f => f.GetProperty("sha256").GetString()));
        Assert.Single(sink.Events("exit-frame"));
        OsResources.AssertNone(input);
        OsResources.AssertNone(output);
    }

    [Fact]
    public async Task Relay_InputWriterLeaves_EndsAfterForwardingEverything()
    {
        string input = TestNames.Unique("cli-relay-in");
        string output = TestNames.Unique("cli-relay-out");
        await using CliProcess sink = CliProcess.Start("read", output, "--json");
        await sink.WaitForEventAsync("ready");
        await using CliProcess relay = CliProcess.Start("relay", input, output, "--json");
        await relay.WaitForEventAsync("ready");
        using (var writer = new Writer(input))
        {
            for (int i = 0; i < 3; i++)
            {
                writer.WriteFrame(new byte[500]);
            }
        }

        JsonElement done = await relay.WaitForEventAsync("done");
        Assert.Equal(0, await relay.WaitForExitAsync());
        Assert.Equal("input-writer-gone", done.GetProperty("reason").GetString());
        Assert.Equal(3, done.GetProperty("frames").GetInt64());
        Assert.Single(relay.Events("input-writer-gone"));

        // The relay was the sink's writer: it closed, so the sink read everything and reports the end of the stream.
        Assert.Equal(0, await sink.WaitForExitAsync());
        Assert.Equal(3, sink.Events("frame").Count);
        Assert.Equal(3, sink.Events("end").Single().GetProperty("frames").GetInt64());
        OsResources.AssertNone(input);
        OsResources.AssertNone(output);
    }

    [Fact]
    public async Task Relay_OutputReaderDies_ExitsWithReaderDeadAndRemovesItsInput()
    {
        string input = TestNames.Unique("cli-relay-in");
        string output = TestNames.Unique("cli-relay-out");
        await using CliProcess sink = CliProcess.Start("read", output, "--json");
        await sink.WaitForEventAsync("ready");
        await using CliProcess relay = CliProcess.Start("relay", input, output, "--json");
        await relay.WaitForEventAsync("ready");

        await sink.KillAsync();
        JsonElement error = await relay.WaitForEventAsync("error");
        Assert.Equal(15, await relay.WaitForExitAsync());
        Assert.Equal("ReaderDead", error.GetProperty("kind").GetString());
        Assert.DoesNotContain("   at ", relay.ErrorOutput, StringComparison.Ordinal);
        OsResources.AssertNone(input);
        CliProcess.RemoveAbandonedBuffer(output);
        OsResources.AssertNone(output);
    }

    [Fact]
    public async Task Relay_UnknownOutput_FailsWithBufferNotFoundAndCreatesNothing()
    {
        string input = TestNames.Unique("cli-relay-in");
        string output = TestNames.Unique("cli-relay-none");
        await using CliProcess relay = CliProcess.Start("relay", input, output, "--json");
        JsonElement error = await relay.WaitForEventAsync("error");
        Assert.Equal(12, await relay.WaitForExitAsync());
        Assert.Equal("BufferNotFound", error.GetProperty("kind").GetString());
        OsResources.AssertNone(input);
    }

    [Fact]
    public async Task Watch_Json_EmitsOneSamplePerIntervalWithRatesUtilizationAndPeers()
    {
        string name = TestNames.Unique("cli-watch");
        using (var reader = new Reader(name, new BufferConfig(0, 8192)))
        using (var writer = new Writer(name))
        {
            writer.WriteFrame(new byte[6000]); // 6016 of 8192 bytes unread: 73 %
            await using CliProcess watch = CliProcess.Start("watch", name, "--json", "--interval-ms", "50", "--count", "3");
            Assert.Equal(0, await watch.WaitForExitAsync());
            IReadOnlyList<JsonElement> samples = watch.Events("sample");
            Assert.Equal(3, samples.Count);
            Assert.Equal([1L, 2L, 3L], samples.Select(s => s.GetProperty("sample").GetInt64()));
            JsonElement last = samples[^1];
            Assert.Equal(name, last.GetProperty("name").GetString());
            Assert.Equal(6016, last.GetProperty("usedBytes").GetInt64());
            Assert.Equal("healthy", last.GetProperty("health").GetString());
            Assert.Equal(1, last.GetProperty("unreadEntries").GetInt64());
            Assert.Equal(0, last.GetProperty("framesPerSecond").GetDouble());
            Assert.Equal(Environment.ProcessId, last.GetProperty("readerPid").GetInt32());
            Assert.True(last.GetProperty("readerAlive").GetBoolean());
            Assert.True(last.GetProperty("writerAlive").GetBoolean());
            Assert.Equal(3, watch.Events("done").Single().GetProperty("samples").GetInt64());
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task Watch_CountsFramesTheReaderConsumes()
    {
        string name = TestNames.Unique("cli-watch-rate");
        using (var reader = new Reader(name, new BufferConfig(0, 64 * 1024)))
        using (var writer = new Writer(name))
        {
            await using CliProcess watch = CliProcess.Start("watch", name, "--json", "--interval-ms", "100", "--count", "1000");
            await watch.WaitForEventAsync("sample");
            for (int i = 0; i < 50; i++)
            {
                writer.WriteFrame(new byte[1000]);
                reader.ReadFrame(TimeSpan.FromSeconds(5)).Dispose();
            }

            string line = await watch.WaitForLineAsync(l => l.Contains("\"readCount\":50", StringComparison.Ordinal));
            JsonElement sample = JsonDocument.Parse(line).RootElement.Clone();
            Assert.Equal(50, sample.GetProperty("writtenCount").GetInt64());
            Assert.True(watch.Events("sample").Sum(s => s.GetProperty("framesPerSecond").GetDouble()) > 0);
            await watch.TerminateAsync(TimeSpan.FromSeconds(5));
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task Watch_UnknownBuffer_ExitsWithBufferNotFound()
    {
        await using CliProcess watch = CliProcess.Start("watch", TestNames.Unique("cli-watch-none"), "--count", "1");
        Assert.Equal(12, await watch.WaitForExitAsync());
        Assert.StartsWith("error: ", watch.ErrorOutput, StringComparison.Ordinal);
        Assert.Single(watch.ErrorOutput.Split('\n'));
    }

    [Fact]
    public async Task Watch_Text_DrawsALiveTable()
    {
        string name = TestNames.Unique("cli-watch-text");
        using (new Reader(name, new BufferConfig(0, 4096)))
        {
            await using CliProcess watch = CliProcess.Start("watch", name, "--interval-ms", "20", "--count", "2");
            Assert.Equal(0, await watch.WaitForExitAsync());
            string text = string.Join('\n', watch.Output);
            Assert.Contains("frames/s", text, StringComparison.Ordinal);
            Assert.Contains("health", text, StringComparison.Ordinal);
        }

        OsResources.AssertNone(name);
    }
}
