using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Diagnostics;

/// <summary>
/// The "ZeroBuffer" meter: what an operator's exporter sees for a buffer, per role, for every
/// instrument of docs/operations.md. Other tests run in parallel, so each test reads only the
/// series of its own buffer.
/// </summary>
public sealed class MetricsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public void FramesAndBytes_AreCounted_PerRole_AndHeldFramesFillTheRing()
    {
        string name = TestNames.Unique("metrics-count");
        using (var reader = new Reader(name, new BufferConfig(0, 64 * 1024)))
        using (var writer = new Writer(name))
        {
            for (int i = 0; i < 10; i++)
            {
                writer.WriteFrame(new byte[1000]);
            }

            var held = new List<Frame>();
            for (int i = 0; i < 4; i++)
            {
                held.Add(reader.ReadFrame(Timeout));
            }

            MeterSnapshot during = MeterSnapshot.Collect();
            Assert.Equal(10, during.Get(name, "writer", "zerobuffer.frames.written"));
            Assert.Equal(10_000, during.Get(name, "writer", "zerobuffer.bytes.written"));
            Assert.Equal(4, during.Get(name, "reader", "zerobuffer.frames.read"));
            Assert.Equal(4_000, during.Get(name, "reader", "zerobuffer.bytes.read"));
            Assert.Equal(4, during.Get(name, "reader", "zerobuffer.frames.held"));
            Assert.Null(during.Get(name, "reader", "zerobuffer.frames.written")); // each instrument on its own role
            Assert.Null(during.Get(name, "writer", "zerobuffer.frames.read"));

            // Ten frames of 1,000 bytes (+16 each) are in use until the reader gives them back.
            double expected = 10 * 1016 / (64.0 * 1024);
            Assert.Equal(expected, during.Get(name, "reader", "zerobuffer.ring.utilization")!.Value, 6);
            Assert.Equal(expected, during.Get(name, "writer", "zerobuffer.ring.utilization")!.Value, 6);

            foreach (Frame frame in held)
            {
                frame.Dispose();
            }

            for (int i = 0; i < 6; i++)
            {
                reader.ReadFrame(Timeout).Dispose();
            }

            MeterSnapshot after = MeterSnapshot.Collect();
            Assert.Equal(10, after.Get(name, "reader", "zerobuffer.frames.read"));
            Assert.Equal(0, after.Get(name, "reader", "zerobuffer.frames.held"));
            Assert.Equal(0, after.Get(name, "reader", "zerobuffer.ring.utilization"));
            Assert.Equal(0, after.Get(name, "writer", "zerobuffer.peer.deaths"));
            Assert.Equal(0, after.Get(name, "reader", "zerobuffer.sequence.errors"));
        }

        // A disposed endpoint has no series any more.
        Assert.False(MeterSnapshot.Collect().Has(name));
        OsResources.AssertNone(name);
    }

    [Fact]
    public void EveryDocumentedInstrument_Reports()
    {
        string name = TestNames.Unique("metrics-all");
        using var reader = new Reader(name, new BufferConfig(0, 4096));
        using var writer = new Writer(name);
        string[] documented =
        [
            "zerobuffer.frames.written", "zerobuffer.bytes.written", "zerobuffer.frames.read", "zerobuffer.bytes.read",
            "zerobuffer.wait.time", "zerobuffer.peer.deaths", "zerobuffer.sequence.errors", "zerobuffer.ring.utilization",
            "zerobuffer.frames.held", "zerobuffer.frames.dropped", "zerobuffer.frames.skipped",
        ];
        Assert.Equal(documented.Order(), MeterSnapshot.Collect().Instruments.Order());
        string operations = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "operations.md"));
        Assert.All(documented, instrument => Assert.Contains($"`{instrument}`", operations, StringComparison.Ordinal));
    }

    [Fact]
    public async Task WaitTime_GrowsWhileTheReaderWaitsForAFrame_AndTheWriterForSpace()
    {
        string name = TestNames.Unique("metrics-wait");
        using var reader = new Reader(name, new BufferConfig(0, 2 * (16 + 100)));
        using var writer = new Writer(name);
        Assert.Equal(0, MeterSnapshot.Collect().Get(name, "reader", "zerobuffer.wait.time"));

        Assert.False(reader.TryReadFrame(TimeSpan.FromMilliseconds(20), out _)); // an empty ring: the reader waits 20 ms
        double readerWaited = MeterSnapshot.Collect().Get(name, "reader", "zerobuffer.wait.time")!.Value;
        Assert.InRange(readerWaited, 0.020, 60);

        writer.WriteFrame(new byte[100]);
        writer.WriteFrame(new byte[100]);
        Assert.False(writer.TryWriteFrame(new byte[100], TimeSpan.FromMilliseconds(20))); // a full ring: the writer waits 20 ms
        Assert.InRange(MeterSnapshot.Collect().Get(name, "writer", "zerobuffer.wait.time")!.Value, 0.020, 60);

        // Asynchronous waits count too.
        reader.ReadFrame(Timeout).Dispose();
        reader.ReadFrame(Timeout).Dispose();
        Assert.False((await reader.ReadFrameAsync(TimeSpan.FromMilliseconds(20))).IsValid);
        Assert.InRange(MeterSnapshot.Collect().Get(name, "reader", "zerobuffer.wait.time")!.Value, readerWaited + 0.020, 60);
    }

    [Fact]
    public void SequenceErrors_AreCounted()
    {
        string name = TestNames.Unique("metrics-seq");
        using var reader = new Reader(name, new BufferConfig(0, 4096));
        using var writer = new Writer(name);
        writer.WriteFrame([1], 1, CancellationToken.None);
        writer.WriteFrame([2], 4, CancellationToken.None);
        reader.ReadFrame(Timeout).Dispose();
        Assert.Throws<SequenceError>(() => reader.ReadFrame(Timeout));
        reader.ReadFrame(Timeout).Dispose(); // the frame kept by the error, now expected

        MeterSnapshot snapshot = MeterSnapshot.Collect();
        Assert.Equal(1, snapshot.Get(name, "reader", "zerobuffer.sequence.errors"));
        Assert.Equal(2, snapshot.Get(name, "reader", "zerobuffer.frames.read"));
    }

    [Fact]
    public async Task AKilledWriter_IsOnePeerDeath_ForItsReader_HoweverOftenItIsReported()
    {
        string name = TestNames.Unique("metrics-wdeath");
        using var reader = new Reader(name, new BufferConfig(0, 64 * 1024));
        await using CliProcess writer = CliProcess.Start("write", name, "--count", "0", "--hold", "--json");
        await writer.WaitForEventAsync("holding");
        Assert.True(reader.IsWriterConnected());
        await writer.KillAsync();

        Assert.Throws<WriterDeadException>(() => reader.ReadFrame(Timeout));
        Assert.Throws<WriterDeadException>(() => reader.ReadFrame(Timeout));
        Assert.Equal(1, MeterSnapshot.Collect().Get(name, "reader", "zerobuffer.peer.deaths"));
    }

    [Fact]
    public async Task AKilledReader_IsOnePeerDeath_ForItsWriter_AndACleanCloseIsNone()
    {
        string killed = TestNames.Unique("metrics-rdeath");
        await using (CliProcess reader = CliProcess.Start("read", killed, "--json"))
        {
            await reader.WaitForEventAsync("ready");
            using var writer = new Writer(killed);
            await reader.KillAsync();
            Assert.Throws<ReaderDeadException>(WriteUntilRefused);
            Assert.Throws<ReaderDeadException>(writer.ThrowIfReaderGone); // reported again: still one death
            Assert.Equal(1, MeterSnapshot.Collect().Get(killed, "writer", "zerobuffer.peer.deaths"));

            void WriteUntilRefused()
            {
                while (true)
                {
                    writer.WriteFrame(new byte[10]); // the death is seen at the next liveness look, within a second
                }
            }
        }

        CliProcess.RemoveAbandonedBuffer(killed);

        string closed = TestNames.Unique("metrics-rclose");
        var cleanReader = new Reader(closed, new BufferConfig(0, 4096));
        using (var writer = new Writer(closed))
        {
            cleanReader.Dispose();
            Assert.Throws<ReaderClosedException>(() => writer.WriteFrame(new byte[10]));
            Assert.Equal(0, MeterSnapshot.Collect().Get(closed, "writer", "zerobuffer.peer.deaths"));
        }

        OsResources.AssertNone(closed);
    }
}
