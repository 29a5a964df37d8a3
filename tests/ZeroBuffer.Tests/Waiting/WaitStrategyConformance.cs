using System.Diagnostics;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Waiting;

/// <summary>
/// What every wait strategy must guarantee, written once: frames arrive in order whether they
/// are found by polling or announced by a token, timeouts and cancellation end waits, a dead or
/// departed peer is reported within about a second, a full ring blocks and resumes, and the
/// sem-w count stays bounded. One sealed subclass per strategy.
/// </summary>
public abstract class WaitStrategyConformance
{
    private static readonly TimeSpan Liveness = TimeSpan.FromSeconds(1.5);
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(10);

    /// <summary>The strategy under test, used on both sides.</summary>
    protected abstract WaitStrategy Strategy { get; }

    private Reader NewReader(string name, long ringSize) => new(name, new BufferConfig(0, ringSize)) { WaitStrategy = Strategy };

    private Writer NewWriter(string name) => new(name) { WaitStrategy = Strategy };

    private static Task<T> OnOwnThread<T>(Func<T> work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>
    /// Lock-step frames: the writer sends the next frame only after the reader took the previous
    /// one, so the reader meets an empty ring and has to wait (poll or sleep) for most of them.
    /// </summary>
    [Fact]
    public async Task LockStepFramesArriveInOrder()
    {
        string name = TestNames.Unique("ws-lock");
        const int count = 300;
        using (Reader reader = NewReader(name, 64 * 1024))
        using (Writer writer = NewWriter(name))
        using (var taken = new SemaphoreSlim(0))
        {
            Task<int> reading = OnOwnThread(() =>
            {
                for (int i = 1; i <= count; i++)
                {
                    using Frame frame = reader.ReadFrame(Generous);
                    Assert.True(frame.IsValid, $"frame {i} did not arrive");
                    Assert.Equal((ulong)i, frame.Sequence);
                    Assert.Equal(BitConverter.GetBytes(i), frame.ToArray());
                    taken.Release();
                }

                return count;
            });

            for (int i = 1; i <= count; i++)
            {
                writer.WriteFrame(BitConverter.GetBytes(i));
                Assert.True(await taken.WaitAsync(Generous), $"frame {i} was not taken");
            }

            Assert.Equal(count, await reading.WaitAsync(Generous));
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public void TimeoutReturnsNoFrameAfterTheTimeout()
    {
        string name = TestNames.Unique("ws-timeout");
        using (Reader reader = NewReader(name, 4096))
        {
            var clock = Stopwatch.StartNew();
            Assert.False(reader.TryReadFrame(TimeSpan.FromMilliseconds(60), out Frame frame));
            Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(60), $"returned after {clock.Elapsed.TotalMilliseconds} ms");
            Assert.False(frame.IsValid);
            Assert.False(reader.TryReadFrame(TimeSpan.Zero, out _));
        }

        OsResources.AssertNone(name);
    }

    /// <summary>Frames committed before a disconnect are all delivered, then the departure is reported within the liveness bound.</summary>
    [Fact]
    public void DepartedWriterIsReportedAfterItsFrames()
    {
        string name = TestNames.Unique("ws-gone");
        using (Reader reader = NewReader(name, 4096))
        {
            using (Writer writer = NewWriter(name))
            {
                writer.WriteFrame([1]);
                writer.WriteFrame([2]);
                writer.WriteFrame([3]);
            }

            for (byte i = 1; i <= 3; i++)
            {
                using Frame frame = reader.ReadFrame(Generous);
                Assert.Equal(i, frame.Span[0]);
            }

            var clock = Stopwatch.StartNew();
            Assert.Throws<WriterClosedException>(() => reader.ReadFrame(Timeout.InfiniteTimeSpan)); // a clean close: the end of the stream
            Assert.True(clock.Elapsed < Liveness, $"reported after {clock.Elapsed.TotalMilliseconds} ms");
        }

        OsResources.AssertNone(name);
    }

    /// <summary>
    /// The writer commits a frame and leaves just after the reader's last look for frames, right
    /// before it looks at the writer: that frame is still delivered, and only then the departure.
    /// </summary>
    [Fact]
    public void FrameCommittedJustBeforeTheWriterLeavesIsNotLost()
    {
        string name = TestNames.Unique("ws-last");
        using (Reader reader = NewReader(name, 4096))
        {
            Writer writer = NewWriter(name);
            writer.WriteFrame([1]);
            reader.ReadFrame(Generous).Dispose();
            reader.BeforeWriterCheck = () =>
            {
                reader.BeforeWriterCheck = null;
                writer.WriteFrame([2]);
                writer.Dispose();
            };

            using (Frame last = reader.ReadFrame(Generous))
            {
                Assert.True(last.IsValid);
                Assert.Equal(2UL, last.Sequence);
            }

            Assert.Throws<WriterClosedException>(() => reader.ReadFrame(Generous));
            Assert.Equal(0, reader.OutstandingFrames);
        }

        OsResources.AssertNone(name);
    }

    /// <summary>A caller that polls with zero timeouts still learns of a departed writer within the bound (protocol §6: whatever the timeout).</summary>
    [Fact]
    public void DepartedWriterIsReportedToZeroTimeoutPolls()
    {
        string name = TestNames.Unique("ws-poll0");
        using (Reader reader = NewReader(name, 4096))
        {
            using (Writer writer = NewWriter(name))
            {
                writer.WriteFrame([1]);
            }

            reader.ReadFrame(Generous).Dispose();
            var clock = Stopwatch.StartNew();
            Assert.Throws<WriterClosedException>(() =>
            {
                while (clock.Elapsed < Generous)
                {
                    Assert.False(reader.TryReadFrame(TimeSpan.Zero, out _));
                }
            });
            Assert.True(clock.Elapsed < Liveness, $"reported after {clock.Elapsed.TotalMilliseconds} ms");
        }

        OsResources.AssertNone(name);
    }

    /// <summary>A writer process SIGKILLed while connected: its frames first, then WriterDeadException within the bound.</summary>
    [Fact]
    public async Task KilledWriterProcessIsReported()
    {
        string name = TestNames.Unique("ws-kill");
        using (Reader reader = NewReader(name, 64 * 1024))
        {
            await using (CliProcess writer = CliProcess.Start("write", name, "--count", "2", "--size", "8", "--hold", "--json"))
            {
                await writer.WaitForEventAsync("holding");
                for (ulong i = 1; i <= 2; i++)
                {
                    using Frame frame = reader.ReadFrame(Generous);
                    Assert.Equal(i, frame.Sequence);
                }

                Task<Exception?> waiting = OnOwnThread<Exception?>(() => Record.Exception(() => reader.ReadFrame(Timeout.InfiniteTimeSpan)));
                await writer.KillAsync();
                var clock = Stopwatch.StartNew();
                Assert.IsType<WriterDeadException>(await waiting.WaitAsync(Generous));
                Assert.True(clock.Elapsed < Liveness, $"reported after {clock.Elapsed.TotalMilliseconds} ms");
            }
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task CancellationEndsTheReadersWait()
    {
        string name = TestNames.Unique("ws-cancel");
        using (Reader reader = NewReader(name, 4096))
        using (var cancel = new CancellationTokenSource())
        {
            Task<Exception?> waiting = OnOwnThread<Exception?>(() => Record.Exception(() => reader.ReadFrame(Timeout.InfiniteTimeSpan, cancel.Token)));
            await cancel.CancelAsync();
            Assert.IsAssignableFrom<OperationCanceledException>(await waiting.WaitAsync(Generous));
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task DisposeFromAnotherThreadEndsTheReadersWait()
    {
        string name = TestNames.Unique("ws-dispose");
        Reader reader = NewReader(name, 4096);
        Task<Exception?> waiting = OnOwnThread<Exception?>(() => Record.Exception(() => reader.ReadFrame(Timeout.InfiniteTimeSpan)));
        reader.Dispose();
        Assert.IsType<ObjectDisposedException>(await waiting.WaitAsync(Generous));
        OsResources.AssertNone(name);
    }

    /// <summary>A writer waiting on a full ring continues as soon as the reader gives a frame back.</summary>
    [Fact]
    public async Task WriterBlockedOnAFullRingResumesWhenSpaceIsReleased()
    {
        string name = TestNames.Unique("ws-full");
        using (Reader reader = NewReader(name, 4 * (16 + 100)))
        using (Writer writer = NewWriter(name))
        {
            writer.WriteTimeout = Generous;
            for (byte i = 1; i <= 4; i++)
            {
                writer.WriteFrame(Enumerable.Repeat(i, 100).ToArray());
            }

            Assert.False(writer.TryWriteFrame(new byte[100], TimeSpan.Zero));
            Task writing = OnOwnThread(() =>
            {
                writer.WriteFrame(Enumerable.Repeat((byte)5, 100).ToArray());
                return true;
            });

            for (byte i = 1; i <= 5; i++)
            {
                using Frame frame = reader.ReadFrame(Generous);
                Assert.True(frame.IsValid, $"frame {i} did not arrive");
                Assert.All(frame.ToArray(), b => Assert.Equal(i, b));
            }

            await writing.WaitAsync(Generous);
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public void FullRingTimesOut()
    {
        string name = TestNames.Unique("ws-fullto");
        using (Reader reader = NewReader(name, 2 * (16 + 100)))
        using (Writer writer = NewWriter(name))
        {
            writer.WriteFrame(new byte[100]);
            writer.WriteFrame(new byte[100]);
            var clock = Stopwatch.StartNew();
            Assert.False(writer.TryWriteFrame(new byte[100], TimeSpan.FromMilliseconds(60)));
            Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(60), $"returned after {clock.Elapsed.TotalMilliseconds} ms");
            writer.WriteTimeout = TimeSpan.FromMilliseconds(60);
            Assert.Throws<BufferFullException>(() => writer.WriteFrame(new byte[100]));
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task CancellationEndsTheWritersWait()
    {
        string name = TestNames.Unique("ws-wcancel");
        using (Reader reader = NewReader(name, 16 + 100))
        using (Writer writer = NewWriter(name))
        using (var cancel = new CancellationTokenSource())
        {
            writer.WriteTimeout = Timeout.InfiniteTimeSpan;
            writer.WriteFrame(new byte[100]);
            Task<Exception?> waiting = OnOwnThread<Exception?>(() => Record.Exception(() => writer.WriteFrame(new byte[100], cancel.Token)));
            await cancel.CancelAsync();
            Assert.IsAssignableFrom<OperationCanceledException>(await waiting.WaitAsync(Generous));
        }

        OsResources.AssertNone(name);
    }

    /// <summary>The reader leaves while the writer waits for space (even with an infinite timeout): ReaderDeadException within the bound.</summary>
    [Fact]
    public async Task DepartedReaderEndsTheWritersWait()
    {
        string name = TestNames.Unique("ws-rgone");
        Reader reader = NewReader(name, 16 + 100);
        using (Writer writer = NewWriter(name))
        {
            writer.WriteTimeout = Timeout.InfiniteTimeSpan;
            writer.WriteFrame(new byte[100]);
            Task<Exception?> waiting = OnOwnThread<Exception?>(() => Record.Exception(() => writer.WriteFrame(new byte[100])));
            reader.Dispose();
            var clock = Stopwatch.StartNew();
            Assert.IsType<ReaderClosedException>(await waiting.WaitAsync(Generous)); // a clean close, still a ReaderDeadException
            Assert.True(clock.Elapsed < Liveness, $"reported after {clock.Elapsed.TotalMilliseconds} ms");
        }

        OsResources.AssertNone(name);
    }

    /// <summary>Whatever the strategy, tokens of frames already read do not pile up: after the reader next waits, sem-w is 0.</summary>
    [Fact]
    public void TokensOfReadFramesAreGoneAfterTheNextWait()
    {
        string name = TestNames.Unique("ws-tokens");
        using (Reader reader = NewReader(name, 4096))
        using (Writer writer = NewWriter(name))
        {
            for (int i = 0; i < 10; i++)
            {
                writer.WriteFrame([(byte)i]);
            }

            Assert.Equal(10, RawSegment.SemaphoreValue("/sem-w-" + name));
            for (int i = 0; i < 10; i++)
            {
                using Frame frame = reader.ReadFrame(Generous);
                Assert.Equal((byte)i, frame.Span[0]);
            }

            Assert.False(reader.TryReadFrame(TimeSpan.FromMilliseconds(10), out _));
            Assert.Equal(0, RawSegment.SemaphoreValue("/sem-w-" + name));
        }

        OsResources.AssertNone(name);
    }
}

/// <summary><see cref="WaitStrategyConformance"/> for <see cref="WaitStrategy.Blocking"/>.</summary>
public sealed class BlockingWaitStrategyConformance : WaitStrategyConformance
{
    protected override WaitStrategy Strategy => WaitStrategy.Blocking;
}

/// <summary><see cref="WaitStrategyConformance"/> for the default <see cref="WaitStrategy.SpinThenBlock"/>.</summary>
public sealed class SpinThenBlockWaitStrategyConformance : WaitStrategyConformance
{
    protected override WaitStrategy Strategy => WaitStrategy.SpinThenBlock;
}

/// <summary><see cref="WaitStrategyConformance"/> for <see cref="WaitStrategy.BusySpin"/>.</summary>
public sealed class BusySpinWaitStrategyConformance : WaitStrategyConformance
{
    protected override WaitStrategy Strategy => WaitStrategy.BusySpin;
}
