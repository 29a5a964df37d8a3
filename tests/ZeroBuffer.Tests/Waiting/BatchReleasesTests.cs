using ZeroBuffer.Lifecycle;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Waiting;

/// <summary>
/// <see cref="Reader.BatchReleases"/>: space of released frames is published in batches while the
/// reader keeps reading, never more than the threshold held back, everything published before
/// the reader waits and at once while it waits.
/// </summary>
public sealed class BatchReleasesTests
{
    private const int FrameSize = 1000;
    private const long FrameTotal = 16 + FrameSize;
    private const long Ring = 1 << 20; // threshold: min(64 KiB, 1 MiB / 8) = 64 KiB
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(10);

    private static ulong Free(Reader reader) => reader.GetStatus().PayloadFreeBytes;

    [Fact]
    public void OffByDefaultEveryReleaseIsPublishedAtOnce()
    {
        string name = TestNames.Unique("br-off");
        using (var reader = new Reader(name, new BufferConfig(0, Ring)))
        using (var writer = new Writer(name))
        {
            Assert.False(reader.BatchReleases);
            writer.WriteFrame(new byte[FrameSize]);
            writer.WriteFrame(new byte[FrameSize]);
            reader.ReadFrame(Generous).Dispose();
            Assert.Equal((ulong)(Ring - FrameTotal), Free(reader));
        }

        OsResources.AssertNone(name);
    }

    /// <summary>
    /// Reading 100 frames back to back: the free count moves in steps of at least 64 KiB, the
    /// space held back never reaches 64 KiB, and the reader's next wait publishes the rest.
    /// </summary>
    [Fact]
    public void SpaceIsHeldBackBelowTheThresholdUntilTheReaderWaits()
    {
        string name = TestNames.Unique("br-held");
        const int frames = 100;
        using (var reader = new Reader(name, new BufferConfig(0, Ring)) { BatchReleases = true })
        using (var writer = new Writer(name))
        {
            for (int i = 0; i < frames; i++)
            {
                writer.WriteFrame(new byte[FrameSize]);
            }

            ulong before = Free(reader);
            Assert.Equal((ulong)(Ring - frames * FrameTotal), before);
            int publications = 0;
            for (int i = 1; i <= frames; i++)
            {
                reader.ReadFrame(Generous).Dispose();
                ulong free = Free(reader);
                long heldBack = (Ring - (frames - i) * FrameTotal) - (long)free;
                Assert.InRange(heldBack, 0, Reader.MaxHeldBackBytes - 1);
                if (free != before)
                {
                    Assert.True(free - before >= Reader.MaxHeldBackBytes, $"a publication of only {free - before} bytes");
                    publications++;
                    before = free;
                }
            }

            Assert.Equal(frames * FrameTotal / Reader.MaxHeldBackBytes, publications);
            Assert.True(Free(reader) < (ulong)Ring);
            Assert.False(reader.TryReadFrame(TimeSpan.Zero, out _)); // waiting publishes everything
            Assert.Equal((ulong)Ring, Free(reader));
        }

        OsResources.AssertNone(name);
    }

    /// <summary>A frame released on another thread while the reader waits is published at once: a writer waiting for exactly that space gets it.</summary>
    [Fact]
    public async Task ReleaseWhileTheReaderWaitsIsPublishedAtOnce()
    {
        string name = TestNames.Unique("br-wait");
        const long ring = 4 * 1024; // threshold: 512 B
        using (var reader = new Reader(name, new BufferConfig(0, ring)) { BatchReleases = true })
        using (var writer = new Writer(name) { WriteTimeout = Generous })
        {
            writer.WriteFrame(new byte[ring / 2 - 16]);
            Frame held = reader.ReadFrame(Generous);
            Task<ulong> waiting = Task.Factory.StartNew(() =>
            {
                using Frame next = reader.ReadFrame(Generous);
                return next.Sequence;
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

            // Needs the held frame's space (and the tail before it): only its release can make room.
            writer.WriteFrame(new byte[ring / 2 - 16]);
            Task writing = Task.Factory.StartNew(() => writer.WriteFrame(new byte[ring / 2 + 100]),
                CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            Assert.Equal(2UL, await waiting.WaitAsync(Generous));
            held.Dispose();
            await writing.WaitAsync(Generous);
            using Frame last = reader.ReadFrame(Generous);
            Assert.Equal(3UL, last.Sequence);
        }

        OsResources.AssertNone(name);
    }

    /// <summary>
    /// Batching also defers read_pos and read_count (docs/protocol.md §4.6): frames taken back to
    /// back leave them where they were; the reader going idle publishes both, before the space.
    /// </summary>
    [Fact]
    public void ReadPositionAndCountGoOutWithTheBatch()
    {
        string name = TestNames.Unique("br-pos");
        using (var reader = new Reader(name, new BufferConfig(0, Ring)) { BatchReleases = true })
        using (var writer = new Writer(name))
        {
            for (int i = 0; i < 3; i++)
            {
                writer.WriteFrame(new byte[FrameSize]);
            }

            for (int i = 0; i < 3; i++)
            {
                reader.ReadFrame(Generous).Dispose();
            }

            BufferStatus taken = reader.GetStatus();
            Assert.Equal((0UL, 0UL, (ulong)(Ring - 3 * FrameTotal)), (taken.ReadCount, taken.ReadPosition, taken.PayloadFreeBytes));
            Assert.False(reader.TryReadFrame(TimeSpan.Zero, out _)); // gives up: goes idle
            BufferStatus idle = reader.GetStatus();
            Assert.Equal((3UL, (ulong)(3 * FrameTotal), (ulong)Ring), (idle.ReadCount, idle.ReadPosition, idle.PayloadFreeBytes));
        }

        OsResources.AssertNone(name);
    }

    /// <summary>
    /// With a writer that is not ours (upstream Python's looks at read_pos to decide whether to
    /// wrap) the read position and count go out per frame taken, batching or not; the space still
    /// goes out in batches.
    /// </summary>
    [Fact]
    public void WithAnUpstreamWriterTheReadPositionGoesOutPerFrame()
    {
        string name = TestNames.Unique("br-pos-upstream");
        using (var reader = new Reader(name, new BufferConfig(0, Ring)) { BatchReleases = true })
        {
            using (var writer = UpstreamPythonWriter.Connect(name))
            {
                for (int i = 0; i < 3; i++)
                {
                    Assert.True(writer.TryWrite(new byte[FrameSize]));
                }

                for (int i = 1; i <= 3; i++)
                {
                    reader.ReadFrame(Generous).Dispose();
                    BufferStatus status = reader.GetStatus();
                    Assert.Equal(((ulong)i, (ulong)(i * FrameTotal)), (status.ReadCount, status.ReadPosition));
                    Assert.Equal((ulong)(Ring - 3 * FrameTotal), status.PayloadFreeBytes); // held back
                }

                Assert.False(reader.TryReadFrame(TimeSpan.Zero, out _)); // idle: the space goes out
                Assert.Equal((ulong)Ring, Free(reader));
            }
        }

        OsResources.AssertNone(name);
    }

    /// <summary>
    /// Frames taken and never disposed under batching: once the reader goes idle, the writer and
    /// the catalog see them as held (§4.6), not as unread.
    /// </summary>
    [Fact]
    public void UndisposedFramesShowAsHeldOnceTheReaderIsIdle()
    {
        string name = TestNames.Unique("br-held-frames");
        using (var reader = new Reader(name, new BufferConfig(0, Ring)) { BatchReleases = true })
        using (var writer = new Writer(name))
        {
            writer.WriteFrame(new byte[FrameSize]);
            writer.WriteFrame(new byte[FrameSize]);
            Frame first = reader.ReadFrame(Generous);
            Frame second = reader.ReadFrame(Generous);
            Assert.False(reader.TryReadFrame(TimeSpan.Zero, out _));
            RingOccupancy? measured = BufferCatalog.Occupancy(name);
            Assert.NotNull(measured);
            RingOccupancy occupancy = measured.Value;
            Assert.Equal((2L, (ulong?)1UL, 0L), (occupancy.HeldFrames, occupancy.OldestHeldSequence, occupancy.UnreadFrames));
            second.Dispose();
            first.Dispose();
        }

        OsResources.AssertNone(name);
    }

    /// <summary>
    /// A busy-spinning reader never sleeps; after polling for <c>PeerWait.IdleAfter</c> it counts as
    /// idle all the same and publishes what it holds back, so a writer is never kept short by it.
    /// </summary>
    [Fact]
    public async Task ABusySpinningReaderPublishesWhatItHoldsBackOnceItPollsAWhile()
    {
        string name = TestNames.Unique("br-spin");
        using (var reader = new Reader(name, new BufferConfig(0, Ring)) { BatchReleases = true, WaitStrategy = WaitStrategy.BusySpin })
        using (var writer = new Writer(name))
        {
            writer.WriteFrame(new byte[FrameSize]);
            writer.WriteFrame(new byte[FrameSize]);
            reader.ReadFrame(Generous).Dispose();
            reader.ReadFrame(Generous).Dispose();
            Assert.Equal((ulong)(Ring - 2 * FrameTotal), Free(reader));
            Task<ulong> spinning = Task.Factory.StartNew(() =>
            {
                using Frame next = reader.ReadFrame(Generous);
                return next.Sequence;
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

            Assert.True(SpinWait.SpinUntil(() => Free(reader) == (ulong)Ring, Generous), "the spinning reader kept its batch");
            Assert.False(spinning.IsCompleted);
            writer.WriteFrame(new byte[FrameSize]);
            Assert.Equal(3UL, await spinning.WaitAsync(Generous));
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public void ChangingBatchingAfterDisposeThrowsInsteadOfTouchingUnmappedMemory()
    {
        string name = TestNames.Unique("br-disposed");
        var reader = new Reader(name, new BufferConfig(0, Ring)) { BatchReleases = true };
        using (var writer = new Writer(name))
        {
            writer.WriteFrame(new byte[FrameSize]);
            writer.WriteFrame(new byte[FrameSize]);
            reader.ReadFrame(Generous).Dispose(); // held back
            reader.Dispose();
            Assert.Throws<ObjectDisposedException>(() => reader.BatchReleases = false);
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public void TurningBatchingOffPublishesWhatIsHeldBack()
    {
        string name = TestNames.Unique("br-toggle");
        using (var reader = new Reader(name, new BufferConfig(0, Ring)) { BatchReleases = true })
        using (var writer = new Writer(name))
        {
            writer.WriteFrame(new byte[FrameSize]);
            writer.WriteFrame(new byte[FrameSize]);
            reader.ReadFrame(Generous).Dispose();
            Assert.Equal((ulong)(Ring - 2 * FrameTotal), Free(reader));
            reader.BatchReleases = false;
            Assert.False(reader.BatchReleases);
            Assert.Equal((ulong)(Ring - FrameTotal), Free(reader));
        }

        OsResources.AssertNone(name);
    }

    /// <summary>Batching changes when space is published, never how much: a long random run ends with the whole ring free.</summary>
    [Fact]
    public async Task BatchedReleasesReturnEveryByteExactlyOnce()
    {
        string name = TestNames.Unique("br-exact");
        const int frames = 20_000;
        var random = new Random(5);
        int[] sizes = Enumerable.Range(0, frames).Select(_ => random.Next(1, 3000)).ToArray();
        using (var reader = new Reader(name, new BufferConfig(0, 64 * 1024)) { BatchReleases = true })
        using (var writer = new Writer(name) { WriteTimeout = Generous })
        {
            Task writing = Task.Factory.StartNew(() =>
            {
                foreach (int size in sizes)
                {
                    Span<byte> target = writer.GetFrameBuffer(size);
                    target.Fill((byte)size);
                    writer.CommitFrame();
                }
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

            foreach (int size in sizes)
            {
                using Frame frame = reader.ReadFrame(Generous);
                Assert.Equal(size, frame.Size);
                Assert.Equal((byte)size, frame.Span[size - 1]);
            }

            await writing.WaitAsync(Generous);
            Assert.False(reader.TryReadFrame(TimeSpan.Zero, out _));
            Assert.Equal(64UL * 1024, Free(reader));
        }

        OsResources.AssertNone(name);
    }
}
