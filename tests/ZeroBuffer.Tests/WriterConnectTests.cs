using System.Diagnostics;
using System.Text.Json;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests;

/// <summary>
/// Any start order (issue 14): <see cref="Writer.Connect"/> and <see cref="Writer.ConnectAsync(string, TimeSpan, Microsoft.Extensions.Logging.ILogger?, CancellationToken)"/>
/// wait for the reader to create the buffer, or to replace a reader that crashed; other errors come at once.
/// </summary>
public sealed class WriterConnectTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Connect_WaitsForTheReaderToCreateTheBuffer()
    {
        string name = TestNames.Unique("wc-wait");
        Task<Writer> connecting = Task.Factory.StartNew(() => Writer.Connect(name, Generous), TaskCreationOptions.LongRunning);
        Assert.False(connecting.IsCompleted); // nothing to connect to: it can only be waiting
        using (var reader = new Reader(name, new BufferConfig(0, 4096)))
        {
            using (Writer writer = await connecting.WaitAsync(Generous))
            {
                writer.WriteFrame([42]);
            }

            using Frame frame = reader.ReadFrame(Generous);
            Assert.Equal(42, frame.Span[0]);
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task ConnectAsync_WaitsForTheReader_AndForACrashedReadersReplacement()
    {
        string name = TestNames.Unique("wc-async");
        await using (CliProcess crashed = CliProcess.Start("read", name, "--json"))
        {
            await crashed.WaitForEventAsync("ready");
            await crashed.KillAsync(); // its buffer stays, with a dead reader
        }

        ValueTask<Writer> connecting = Writer.ConnectAsync(name, Generous);
        Assert.False(connecting.IsCompleted); // the dead reader's buffer is not connectable: waiting
        using (var replacement = new Reader(name, new BufferConfig(0, 4096)))
        {
            using (Writer writer = await connecting)
            {
                writer.WriteFrame([7]);
            }

            Assert.Equal(7, replacement.ReadFrame(Generous).Span[0]);
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task Connect_GivesUpAtItsTimeout_OrWhenCancelled()
    {
        string name = TestNames.Unique("wc-none");
        var clock = Stopwatch.StartNew();
        BufferNotFoundException missing = Assert.Throws<BufferNotFoundException>(() => Writer.Connect(name, TimeSpan.FromMilliseconds(200)));
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(200), Generous);
        Assert.Contains("within 200 ms", missing.Message, StringComparison.Ordinal);
        Assert.IsType<BufferNotFoundException>(missing.InnerException);

        using var cancel = new CancellationTokenSource();
        ValueTask<Writer> waiting = Writer.ConnectAsync(name, cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await waiting);
        Assert.Throws<ArgumentOutOfRangeException>(() => Writer.Connect(name, TimeSpan.FromSeconds(-2)));
        Assert.Throws<ArgumentException>(() => Writer.Connect("bad/name", Generous));
        OsResources.AssertNone(name);
    }

    [Fact]
    public void Connect_ReportsAnotherLiveWriterAtOnce()
    {
        string name = TestNames.Unique("wc-taken");
        using (var reader = new Reader(name, new BufferConfig(0, 4096)))
        using (var first = new Writer(name))
        {
            var clock = Stopwatch.StartNew();
            Assert.Throws<WriterAlreadyConnectedException>(() => Writer.Connect(name, Generous));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task Cli_WriteWaitsForTheReader_OrGivesUpAfterItsLimit()
    {
        string name = TestNames.Unique("wc-cli");
        await using (CliProcess writer = CliProcess.Start("write", name, "--wait-for-reader", "--count", "3", "--json"))
        {
            await writer.WaitForEventAsync("waiting"); // started first, and says so
            using var reader = new Reader(name, new BufferConfig(0, 4096));
            Assert.Equal(0, await writer.WaitForExitAsync());
            Assert.Equal(3, writer.Events("written").Count);
            for (int i = 1; i <= 3; i++)
            {
                Assert.Equal((ulong)i, reader.ReadFrame(Generous).Sequence);
            }
        }

        await using (CliProcess writer = CliProcess.Start("write", name + "-none", "--wait-for-reader", "300", "--json"))
        {
            Assert.Equal(12, await writer.WaitForExitAsync()); // BufferNotFound, after the wait
            JsonElement error = writer.Events("error").Single();
            Assert.Contains("within 300 ms", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        OsResources.AssertNone(name);
    }
}
