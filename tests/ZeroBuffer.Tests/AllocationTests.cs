using ZeroBuffer.Tests.Infrastructure;
using ZeroBuffer.Tests.Diagnostics;

namespace ZeroBuffer.Tests;

/// <summary>
/// The steady-state hot path allocates nothing: writing a frame (copy and zero-copy) and
/// reading, touching and disposing a frame. Measured per thread around the loops, after a
/// warm-up so JIT and tiering work is not counted.
/// </summary>
public sealed class AllocationTests
{
    private const int Frames = 10_000;
    private const int Batch = 200;
    private const int FrameSize = 100;

    /// <param name="collecting">
    /// Whether a listener of the "ZeroBuffer" meter collects all the while, on another thread, as
    /// an exporter would: frames must cost nothing more.
    /// </param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WriteAndReadAllocateNothingPerFrame(bool collecting)
    {
        string name = TestNames.Unique("alloc");
        using var collector = collecting ? new BackgroundCollector() : null;
        using (var reader = new Reader(name, new BufferConfig(0, 64 * 1024)))
        using (var writer = new Writer(name))
        {
            byte[] payload = new byte[FrameSize];
            ulong nextSequence = 1;
            int errors = 0;

            // Warm-up: the same loops, long enough for tiered compilation to settle.
            for (int round = 0; round < 3; round++)
            {
                _ = Run(writer, reader, payload, Frames, ref nextSequence, ref errors);
            }

            (long writeBytes, long readBytes) = Run(writer, reader, payload, Frames, ref nextSequence, ref errors);

            Assert.True(writeBytes == 0, $"writing {Frames} frames allocated {writeBytes} bytes ({(double)writeBytes / Frames:0.##} per frame)");
            Assert.True(readBytes == 0, $"reading {Frames} frames allocated {readBytes} bytes ({(double)readBytes / Frames:0.##} per frame)");
            Assert.Equal(0, errors); // every frame read, in order, with its content
            Assert.Equal(4UL * Frames + 1, nextSequence);
            Assert.Equal(64UL * 1024, reader.GetStatus().PayloadFreeBytes);
            if (collector is not null)
            {
                Assert.True(collector.FramesReadSeen(name) > 0, "the collector saw frames read for the buffer");
            }
        }

        OsResources.AssertNone(name);
    }

    /// <summary>Writes and reads <paramref name="frames"/> frames in batches; returns the bytes each side allocated.</summary>
    private static (long Write, long Read) Run(Writer writer, Reader reader, byte[] payload, int frames, ref ulong nextSequence, ref int errors)
    {
        long write = 0;
        long read = 0;
        TimeSpan timeout = TimeSpan.FromSeconds(5);
        for (int done = 0; done < frames; done += Batch)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < Batch; i++)
            {
                if (i % 2 == 0)
                {
                    writer.WriteFrame(payload);
                }
                else
                {
                    Span<byte> target = writer.GetFrameBuffer(FrameSize);
                    target[0] = 1;
                    writer.CommitFrame();
                }
            }

            long between = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < Batch; i++)
            {
                using Frame frame = reader.ReadFrame(timeout);
                if (!frame.IsValid || frame.Sequence != nextSequence++ || frame.Span[0] != i % 2)
                {
                    errors++;
                }
            }

            long after = GC.GetAllocatedBytesForCurrentThread();
            write += between - before;
            read += after - between;
        }

        return (write, read);
    }

    /// <summary>
    /// The waiting paths allocate nothing either: a reader that meets an empty ring and has to
    /// poll or sleep (each strategy, with a cancellable token shared by both threads), and a
    /// writer that meets a full ring. Lock-step over two threads, allocations counted on each
    /// thread after a warm-up.
    /// </summary>
    [Theory]
    [InlineData("blocking")]
    [InlineData("spin-then-block")]
    [InlineData("busy-spin")]
    public async Task WaitingForFramesAndSpaceAllocatesNothing(string strategyName)
    {
        string name = TestNames.Unique("alloc-wait");
        WaitStrategy strategy = WaitStrategy.Parse(strategyName);
        const int rounds = 2_000;
        using (var reader = new Reader(name, new BufferConfig(0, 2 * (16 + FrameSize))) { WaitStrategy = strategy })
        using (var writer = new Writer(name) { WaitStrategy = strategy, WriteTimeout = TimeSpan.FromSeconds(10) })
        using (var cancel = new CancellationTokenSource())
        {
            // The ring holds two frames: the writer keeps meeting a full ring, the reader an empty one.
            Task<long> writing = Task.Factory.StartNew(() =>
            {
                byte[] payload = new byte[FrameSize];
                long allocated = 0;
                for (int i = 0; i < 2 * rounds; i++)
                {
                    long before = GC.GetAllocatedBytesForCurrentThread();
                    writer.WriteFrame(payload, cancel.Token);
                    allocated += i >= rounds ? GC.GetAllocatedBytesForCurrentThread() - before : 0;
                }

                return allocated;
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

            long readAllocated = 0;
            for (int i = 0; i < 2 * rounds; i++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                using (Frame frame = reader.ReadFrame(TimeSpan.FromSeconds(10), cancel.Token))
                {
                    Assert.True(frame.IsValid);
                }

                readAllocated += i >= rounds ? GC.GetAllocatedBytesForCurrentThread() - before : 0;
            }

            long writeAllocated = await writing.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(readAllocated == 0, $"{strategyName}: reading {rounds} frames allocated {readAllocated} bytes");
            Assert.True(writeAllocated == 0, $"{strategyName}: writing {rounds} frames allocated {writeAllocated} bytes");
        }

        OsResources.AssertNone(name);
    }
}
