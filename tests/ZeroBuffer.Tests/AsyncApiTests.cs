using System.Diagnostics;
using ZeroBuffer.Tests.Infrastructure;
using ZeroBuffer.Waiting;

namespace ZeroBuffer.Tests;

/// <summary>
/// The asynchronous API (issue 14 item 1; docs/async.md): <see cref="Reader.ReadFrameAsync(CancellationToken)"/>,
/// <see cref="Reader.ReadAllAsync"/>, <see cref="Writer.WriteFrameAsync"/> and <see cref="Frame.Memory"/>,
/// with cancellation, timeouts, the peer's crash during an await, the clean end of the stream and
/// frames disposed out of order while awaited. Peers in other processes are the CLI.
/// </summary>
public sealed class AsyncApiTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ACommittedFrame_CompletesTheReadAtOnce_AndSpaceCompletesTheWriteAtOnce()
    {
        string name = TestNames.Unique("async-sync");
        using (var reader = new Reader(name, new BufferConfig(0, 4096)))
        using (var writer = new Writer(name))
        {
            ValueTask written = writer.WriteFrameAsync(new byte[] { 1, 2, 3 });
            Assert.True(written.IsCompletedSuccessfully);
            await written;

            ValueTask<Frame> read = reader.ReadFrameAsync();
            Assert.True(read.IsCompletedSuccessfully);
            using Frame frame = await read;
            Assert.Equal(new byte[] { 1, 2, 3 }, frame.Span.ToArray());
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task ReadFrameAsync_WaitsForAFrameFromAnotherProcess()
    {
        string name = TestNames.Unique("async-wait");
        using (var reader = new Reader(name, new BufferConfig(0, 4096)))
        {
            ValueTask<Frame> pending = reader.ReadFrameAsync();
            Assert.False(pending.IsCompleted); // no writer yet: it can only be waiting
            await using (CliProcess writer = CliProcess.Start("write", name, "--count", "1", "--size", "100", "--json"))
            {
                using (Frame frame = await pending.AsTask().WaitAsync(Generous))
                {
                    Assert.Equal(1UL, frame.Sequence);
                    Assert.Equal(100, frame.Size);
                }

                Assert.Equal(0, await writer.WaitForExitAsync());
            }
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task ReadFrameAsync_WithATimeout_CompletesWithAnInvalidFrame()
    {
        string name = TestNames.Unique("async-timeout");
        using (var reader = new Reader(name, new BufferConfig(0, 4096)))
        {
            var clock = Stopwatch.StartNew();
            Frame frame = await reader.ReadFrameAsync(TimeSpan.FromMilliseconds(200));
            Assert.False(frame.IsValid);
            Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(200), Generous);
            Assert.Throws<ArgumentOutOfRangeException>(() => { _ = reader.ReadFrameAsync(TimeSpan.FromSeconds(-2)).AsTask(); });
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task Cancellation_EndsAnAwaitedRead_AndTheReaderStaysUsable()
    {
        string name = TestNames.Unique("async-cancel");
        using (var reader = new Reader(name, new BufferConfig(0, 4096)))
        using (var cancel = new CancellationTokenSource())
        {
            ValueTask<Frame> pending = reader.ReadFrameAsync(cancel.Token);
            Assert.False(pending.IsCompleted);
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pending.AsTask().WaitAsync(Generous));

            using (var writer = new Writer(name))
            {
                writer.WriteFrame([9]);
                using Frame frame = await reader.ReadFrameAsync(CancellationToken.None).AsTask().WaitAsync(Generous);
                Assert.Equal(9, frame.Span[0]);
            }

            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await reader.ReadFrameAsync(cancel.Token)); // already cancelled
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task AWriterCrashDuringAnAwaitedRead_IsWriterDead_AfterItsFrames()
    {
        string name = TestNames.Unique("async-crash");
        using (var reader = new Reader(name, new BufferConfig(0, 4096)))
        {
            await using CliProcess writer = CliProcess.Start("write", name, "--count", "2", "--hold", "--json");
            await writer.WaitForEventAsync("holding");
            for (ulong sequence = 1; sequence <= 2; sequence++)
            {
                using Frame frame = await reader.ReadFrameAsync().AsTask().WaitAsync(Generous);
                Assert.Equal(sequence, frame.Sequence);
            }

            ValueTask<Frame> pending = reader.ReadFrameAsync();
            Assert.False(pending.IsCompleted); // the writer holds, writes nothing more
            await writer.KillAsync();
            await Assert.ThrowsAsync<WriterDeadException>(async () => await pending.AsTask().WaitAsync(Generous));
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task ReadAllAsync_EndsNormallyAtTheCleanEndOfTheStream_WithEveryFrame()
    {
        string name = TestNames.Unique("async-all");
        using (var reader = new Reader(name, new BufferConfig(0, 8192)))
        {
            // 40 frames of 1000 bytes through an 8 KiB ring: the writer has to wait for space too.
            await using CliProcess writer = CliProcess.Start("write", name, "--count", "40", "--size", "1000", "--json");
            ulong expected = 1;
            await foreach (Frame frame in reader.ReadAllAsync().WithCancellation(new CancellationTokenSource(Generous).Token))
            {
                using (frame)
                {
                    Assert.Equal(expected++, frame.Sequence);
                    Assert.Equal(1000, frame.Size);
                }
            }

            Assert.Equal(41UL, expected); // ended after the 40th frame, without an exception
            Assert.Equal(0, await writer.WaitForExitAsync());
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task ReadAllAsync_ThrowsWhenTheWriterCrashes()
    {
        string name = TestNames.Unique("async-all-crash");
        using (var reader = new Reader(name, new BufferConfig(0, 4096)))
        {
            await using CliProcess writer = CliProcess.Start("write", name, "--count", "3", "--hold", "--json");
            await writer.WaitForEventAsync("holding");
            int frames = 0;
            await Assert.ThrowsAsync<WriterDeadException>(async () =>
            {
                await foreach (Frame frame in reader.ReadAllAsync())
                {
                    frame.Dispose();
                    if (++frames == 3)
                    {
                        await writer.KillAsync();
                    }
                }
            }).WaitAsync(Generous);
            Assert.Equal(3, frames);
        }

        OsResources.AssertNone(name);
    }

    /// <summary>
    /// Frames held across awaits through <see cref="Frame.Memory"/>, disposed out of order: space
    /// returns in ring order only, a write waiting for it completes when it does, and a memory kept
    /// past its frame's disposal throws instead of reading reused bytes.
    /// </summary>
    [Fact]
    public async Task FramesDisposedOutOfOrderWhileAwaited_ReturnSpaceInRingOrder()
    {
        string name = TestNames.Unique("async-order");
        const int size = 1008;
        const int ring = 4 * (16 + size); // 4096: a multiple of 64, as the reader sizes rings
        using (var reader = new Reader(name, new BufferConfig(0, ring)))
        using (var writer = new Writer(name))
        {
            for (byte i = 1; i <= 4; i++)
            {
                await writer.WriteFrameAsync(Filled(size, i));
            }

            var held = new List<(Frame Frame, ReadOnlyMemory<byte> Memory)>();
            for (int i = 0; i < 3; i++)
            {
                Frame frame = await reader.ReadFrameAsync();
                held.Add((frame, frame.Memory));
                await Task.Yield(); // the memory is used across awaits
            }

            for (int i = 0; i < 3; i++)
            {
                await Task.Yield();
                Assert.True(held[i].Memory.Span.SequenceEqual(Filled(size, (byte)(i + 1))));
            }

            ValueTask waitingWrite = writer.WriteFrameAsync(Filled(size, 5)); // needs frame 1's space
            Assert.False(waitingWrite.IsCompleted);

            held[2].Frame.Dispose(); // released early: queued behind frames 1 and 2
            Assert.Throws<ObjectDisposedException>(() => held[2].Memory.Span.Length);
            Assert.Equal(0UL, reader.GetStatus().PayloadFreeBytes);
            Assert.False(waitingWrite.IsCompleted);

            held[0].Frame.Dispose(); // frame 1 comes back: the write fits
            await waitingWrite.AsTask().WaitAsync(Generous);
            Assert.Throws<ObjectDisposedException>(() => held[0].Memory.Span.Length);
            Assert.True(held[1].Memory.Span.SequenceEqual(Filled(size, 2))); // still held, still intact

            held[1].Frame.Dispose(); // frames 2 and 3 come back together
            Assert.Equal((ulong)(2 * (16 + size)), reader.GetStatus().PayloadFreeBytes);
            for (byte i = 4; i <= 5; i++)
            {
                using Frame frame = await reader.ReadFrameAsync();
                Assert.True(frame.Memory.Span.SequenceEqual(Filled(size, i)));
            }

            Assert.Equal((ulong)ring, reader.GetStatus().PayloadFreeBytes);
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task WriteFrameAsync_Cancelled_OrTimedOut_WhileTheRingStaysFull()
    {
        string name = TestNames.Unique("async-full");
        using (var reader = new Reader(name, new BufferConfig(0, 2 * (16 + 100))))
        using (var writer = new Writer(name) { WriteTimeout = TimeSpan.FromMilliseconds(300) })
        using (var cancel = new CancellationTokenSource())
        {
            await writer.WriteFrameAsync(new byte[100]);
            await writer.WriteFrameAsync(new byte[100]);

            ValueTask cancelled = writer.WriteFrameAsync(new byte[100], cancel.Token);
            Assert.False(cancelled.IsCompleted);
            Assert.Throws<InvalidOperationException>(() => writer.WriteFrame(new byte[1])); // one write at a time
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await cancelled.AsTask().WaitAsync(Generous));

            var clock = Stopwatch.StartNew();
            await Assert.ThrowsAsync<BufferFullException>(async () => await writer.WriteFrameAsync(new byte[100]));
            Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(300), Generous);
            Assert.Equal(2UL, writer.FramesWritten); // nothing half-written
            await Assert.ThrowsAsync<InvalidFrameSizeException>(async () => await writer.WriteFrameAsync(ReadOnlyMemory<byte>.Empty));
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task AReaderCrashDuringAnAwaitedWrite_IsReaderDead()
    {
        string name = TestNames.Unique("async-reader-crash");
        await using (CliProcess reader = CliProcess.Start("read", name, "--payload-size", "4096", "--pause-at", "holding-frame", "--json"))
        {
            await reader.WaitForEventAsync("ready");
            using var writer = new Writer(name) { WriteTimeout = Timeout.InfiniteTimeSpan };
            ValueTask pending = default;
            for (int i = 0; i < 10 && (i == 0 || pending.IsCompleted); i++)
            {
                await pending;
                pending = writer.WriteFrameAsync(new byte[1000]); // the reader holds frame 1 and reads no more
            }

            Assert.False(pending.IsCompleted);
            await reader.KillAsync();
            await Assert.ThrowsAsync<ReaderDeadException>(async () => await pending.AsTask().WaitAsync(Generous));
            CliProcess.RemoveAbandonedBuffer(name);
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task DisposingDuringAnAwait_EndsItWithObjectDisposed()
    {
        string name = TestNames.Unique("async-dispose");
        var reader = new Reader(name, new BufferConfig(0, 2 * (16 + 100)));
        ValueTask<Frame> read = reader.ReadFrameAsync();
        Assert.False(read.IsCompleted);
        reader.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await read.AsTask().WaitAsync(Generous));
        OsResources.AssertNone(name);

        using (var full = new Reader(name, new BufferConfig(0, 2 * (16 + 100))))
        {
            var writer = new Writer(name);
            await writer.WriteFrameAsync(new byte[100]);
            await writer.WriteFrameAsync(new byte[100]);
            ValueTask write = writer.WriteFrameAsync(new byte[100]);
            Assert.False(write.IsCompleted);
            writer.Dispose();
            await Assert.ThrowsAsync<ObjectDisposedException>(async () => await write.AsTask().WaitAsync(Generous));
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task ASecondAsyncRead_WhileOneWaits_IsRefused()
    {
        string name = TestNames.Unique("async-twice");
        using (var reader = new Reader(name, new BufferConfig(0, 4096)))
        using (var cancel = new CancellationTokenSource())
        {
            ValueTask<Frame> first = reader.ReadFrameAsync(cancel.Token);
            Assert.Throws<InvalidOperationException>(() => { _ = reader.ReadFrameAsync().AsTask(); }); // refused at the call, not through the task
            Assert.Throws<InvalidOperationException>(() => reader.ReadFrame(TimeSpan.Zero));
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await first);
        }

        OsResources.AssertNone(name);
    }

    /// <summary>A hundred idle async readers are watched by the process's shared watcher, not a thread each.</summary>
    [Fact]
    public async Task AHundredIdleAsyncReaders_NeedNoThreadEach()
    {
        string prefix = TestNames.Unique("async-idle");
        var readers = Enumerable.Range(0, 100).Select(i => new Reader($"{prefix}-{i}", new BufferConfig(0, 4096))).ToList();
        try
        {
            int threadsBefore = Process.GetCurrentProcess().Threads.Count;
            var pending = readers.Select(r => r.ReadFrameAsync().AsTask()).ToList();
            Assert.All(pending, p => Assert.False(p.IsCompleted));
            Assert.True(SemaphoreWatcher.SleepsInKernel, "futex_waitv is available on this kernel");
            Assert.InRange(SemaphoreWatcher.Threads, 1, 2); // 127 waits per watcher; other test classes may wait too
            Assert.InRange(Process.GetCurrentProcess().Threads.Count - threadsBefore, int.MinValue, 20);

            for (int i = 0; i < readers.Count; i++)
            {
                using var writer = new Writer(readers[i].Name);
                writer.WriteFrame([(byte)i]);
            }

            Frame[] frames = await Task.WhenAll(pending).WaitAsync(Generous);
            for (int i = 0; i < frames.Length; i++)
            {
                Assert.Equal((byte)i, frames[i].Span[0]);
                frames[i].Dispose();
            }
        }
        finally
        {
            readers.ForEach(r => r.Dispose());
        }

        for (int i = 0; i < readers.Count; i++)
        {
            OsResources.AssertNone($"{prefix}-{i}");
        }
    }

    private static byte[] Filled(int size, byte value) => Enumerable.Repeat(value, size).ToArray();
}
