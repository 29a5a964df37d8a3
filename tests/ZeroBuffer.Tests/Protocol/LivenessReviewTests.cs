using System.Diagnostics;
using Microsoft.Extensions.Logging;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Protocol;

/// <summary>
/// Regressions found by reviewing the liveness and committed-bytes code: each case here went
/// wrong once (a false corruption report, a lock that outlived its writer, a hang on a FIFO, a
/// claim left behind by a failed connect, a clean close taken for a crash).
/// </summary>
[Collection(nameof(OrphanSweeps))]
public sealed class LivenessReviewTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A frame disposed on another thread publishes its space in two stores (free bytes, then the
    /// reader's published total). A budget refresh that lands between them must not come out short
    /// and report the next frame as corruption: staged here exactly, with the reader taking the
    /// next frame while the release is stopped between its stores.
    /// </summary>
    [Fact]
    public void ABudgetRefreshInTheMiddleOfARelease_IsNotCorruption()
    {
        string name = TestNames.Unique("rv-budget");
        using (var reader = new Reader(name, new BufferConfig(0, 4096)))
        using (var writer = new Writer(name))
        {
            writer.WriteFrame(new byte[100]);
            Frame first = reader.ReadFrame(Generous); // the budget now covers nothing more
            writer.WriteFrame(new byte[100]);

            Exception? readError = null;
            var reading = new Thread(() => readError = Record.Exception(() => reader.ReadFrame(Generous).Dispose()));
            reader.BetweenReleaseStores = () =>
            {
                reader.BetweenReleaseStores = null;
                reading.Start(); // a thread of its own: it refreshes its budget now, in the middle of this release
                reading.Join(TimeSpan.FromMilliseconds(300)); // it finishes here, or waits for the release to end
            };
            var releasing = new Thread(first.Dispose); // released on another thread than the reading one
            releasing.Start();
            releasing.Join();
            reading.Join();
            Assert.Null(readError);
            Assert.Equal(2UL, reader.GetStatus().ReadCount);
        }

        OsResources.AssertNone(name);
    }

    /// <summary>
    /// A writer disposed while another thread still fills a zero-copy frame keeps its mapping (the
    /// other thread may still write through the span), but not its writer lock: the stream ends.
    /// </summary>
    [Fact]
    public void AWriterDisposedWhileAnotherThreadFillsAFrame_StillEndsTheStream()
    {
        string name = TestNames.Unique("rv-filling");
        using (var reader = new Reader(name, new BufferConfig(0, 4096)))
        {
            var writer = new Writer(name);
            writer.WriteFrame([1]);
            var acquired = new ManualResetEventSlim();
            var thread = new Thread(() =>
            {
                writer.GetFrameBuffer(16); // acquired on this thread, never committed
                acquired.Set();
            });
            thread.Start();
            Assert.True(acquired.Wait(Generous));
            thread.Join();

            writer.Dispose(); // on another thread than the acquisition: the mapping stays
            Assert.False(reader.IsWriterConnected());
            reader.ReadFrame(Generous).Dispose();
            Assert.Throws<WriterClosedException>(() => reader.ReadFrame(Generous));
            using (var next = new Writer(name)) // the name is free for a new writer
            {
                next.WriteFrame([2]);
            }

            Assert.Equal(1UL, reader.ReadFrame(Generous).Sequence);
        }

        OsResources.AssertNone(name);
    }

    /// <summary>A writer that closes while the reader is checking on it is the end of the stream, every time, never a crash.</summary>
    [Fact]
    public async Task AWriterClosingWhileTheReaderChecksOnIt_IsAlwaysTheEndOfTheStream()
    {
        string name = TestNames.Unique("rv-closing");
        using (var reader = new Reader(name, new BufferConfig(0, 4096)))
        {
            for (int round = 0; round < 50; round++)
            {
                var writer = new Writer(name);
                writer.WriteFrame([1]);
                reader.ReadFrame(Generous).Dispose();
                Task<Exception?> reading = Task.Run<Exception?>(() => Record.Exception(() => reader.ReadFrame(Generous)));
                writer.Dispose(); // while the reader waits, looking at the writer every 100 ms
                Assert.IsType<WriterClosedException>(await reading);
            }
        }

        OsResources.AssertNone(name);
    }

    /// <summary>A connect that fails after it claimed the buffer gives the claim back (its PID and its lock).</summary>
    [Fact]
    public void AConnectThatFailsAfterItsClaim_GivesTheClaimBack()
    {
        string name = TestNames.Unique("rv-failed-claim");
        using (var reader = new Reader(name, new BufferConfig(0, 4096)))
        {
            Assert.Throws<InvalidOperationException>(() => new Writer(name, new ThrowingLogger()));
            Assert.Equal(0UL, reader.GetStatus().WriterPid);
            Assert.False(reader.IsWriterConnected());
            using var writer = new Writer(name); // not WriterAlreadyConnected
            writer.WriteFrame([1]);
        }

        OsResources.AssertNone(name);
    }

    /// <summary>
    /// Anyone can plant a FIFO in /dev/shm under a buffer's name. Opening it for reading would wait
    /// for a writer for ever; the tools and the sweep leave it alone instead, and at once.
    /// </summary>
    [Fact]
    public async Task AFifoPlantedInDevShm_HangsNothing_AndIsLeftAlone()
    {
        string planted = TestNames.Unique("rv-fifo");
        string path = "/dev/shm/" + planted;
        using (Process mkfifo = Process.Start("mkfifo", ["-m", "666", path]))
        {
            await mkfifo.WaitForExitAsync();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        try
        {
            using (new Reader(TestNames.Unique("rv-fifo-sweeper"), new BufferConfig(0, 4096))) // its sweep looks at every name
            {
            }

            Assert.Equal(BufferState.Live, Lifecycle.BufferCatalog.Inspect(planted)!.State);
            Assert.Contains("not a regular file", Lifecycle.BufferCatalog.Inspect(planted)!.Reason, StringComparison.Ordinal);
            Assert.Throws<ReaderAlreadyConnectedException>(() => new Reader(planted, new BufferConfig(0, 4096)));
            await using (CliProcess inspect = CliProcess.Start("inspect", planted, "--json"))
            {
                Assert.Equal(11, await inspect.WaitForExitAsync());
            }

            await using (CliProcess clean = CliProcess.Start("clean", "--stale", "--grace-ms", "0", "--json"))
            {
                Assert.Equal(0, await clean.WaitForExitAsync());
            }

            Assert.True(File.Exists(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private sealed class ThrowingLogger : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            throw new InvalidOperationException("a logger that fails");
    }
}
