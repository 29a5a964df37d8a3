using System.Buffers.Binary;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests;

/// <summary>
/// <c>payload_free_bytes</c> (read through <see cref="Reader.GetStatus"/>) is exact at every step:
/// a frame costs 16 + n, a wrap costs its tail, and space comes back only in ring (FIFO) order.
/// </summary>
public sealed class FreeSpaceAccountingTests
{
    private const long Header = 16;
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(1);

    [Fact]
    public void FreeSpaceCorrectAfterSimpleWrap()
    {
        string name = TestNames.Unique("free-simple-wrap");
        using (var reader = new Reader(name, new BufferConfig(100, 1000)))
        using (var writer = new Writer(name))
        {
            const long P = 1024; // 1000 rounded up to 64
            Assert.Equal((ulong)P, Free(reader));

            for (int i = 0; i < 8; i++)
            {
                writer.WriteFrame(Pattern(i, 100));
            }

            Assert.Equal((ulong)(P - (8 * (Header + 100))), Free(reader));
            for (int i = 0; i < 8; i++)
            {
                using Frame frame = reader.ReadFrame(ReadTimeout);
                Assert.Equal(100, frame.Size);
            }

            Assert.Equal((ulong)P, Free(reader));

            // Write position 928: the 96-byte tail cannot hold 116 bytes, so the 9th frame wraps.
            writer.WriteFrame(Pattern(8, 100));
            Assert.Equal(116UL, reader.GetStatus().WritePosition);
            using (Frame frame = reader.ReadFrame(ReadTimeout))
            {
                Assert.Equal(100, frame.Size);
                Assert.Equal(9UL, frame.Sequence);
                Assert.Equal(Pattern(8, 100), frame.ToArray());
            }

            Assert.Equal((ulong)P, Free(reader));
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public void FreeSpaceCorrectAfterMultipleWraps()
    {
        string name = TestNames.Unique("free-multi-wrap");
        using (var reader = new Reader(name, new BufferConfig(100, 500)))
        using (var writer = new Writer(name))
        {
            const long P = 512;
            int wraps = 0;
            ulong sequence = 1;
            for (int cycle = 0; cycle < 10; cycle++)
            {
                ulong before = reader.GetStatus().WritePosition;
                for (int i = 0; i < 3; i++)
                {
                    writer.WriteFrame(Pattern(cycle * 3 + i, 120));
                }

                // 3 × 136 = 408 bytes; from position 408 the 104-byte tail is wasted too, filling the ring exactly.
                if (reader.GetStatus().WritePosition <= before)
                {
                    wraps++;
                    Assert.Equal(0UL, Free(reader));
                }

                for (int i = 0; i < 3; i++)
                {
                    using Frame frame = reader.ReadFrame(ReadTimeout);
                    Assert.Equal(120, frame.Size);
                    Assert.Equal(sequence++, frame.Sequence);
                    Assert.Equal(Pattern(cycle * 3 + i, 120), frame.ToArray());
                }

                Assert.Equal((ulong)P, Free(reader));
            }

            Assert.Equal(9, wraps);
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public void FreeSpaceWithPartialReads()
    {
        string name = TestNames.Unique("free-partial");
        using (var reader = new Reader(name, new BufferConfig(100, 1000)))
        using (var writer = new Writer(name))
        {
            const long P = 1024;
            const long Cost = Header + 100;
            for (int i = 1; i <= 5; i++)
            {
                writer.WriteFrame(Pattern(i, 100));
                Assert.Equal((ulong)(P - (i * Cost)), Free(reader));
            }

            // Reading does not return space; disposing does, frame by frame.
            using Frame first = reader.ReadFrame(ReadTimeout);
            using Frame second = reader.ReadFrame(ReadTimeout);
            Assert.Equal((ulong)(P - (5 * Cost)), Free(reader));
            first.Dispose();
            Assert.Equal((ulong)(P - (4 * Cost)), Free(reader));
            second.Dispose();
            Assert.Equal((ulong)(P - (3 * Cost)), Free(reader));

            for (int i = 3; i <= 5; i++)
            {
                using (Frame frame = reader.ReadFrame(ReadTimeout))
                {
                    Assert.Equal((ulong)i, frame.Sequence);
                    Assert.Equal((ulong)(P - ((6 - i) * Cost)), Free(reader));
                }

                Assert.Equal((ulong)(P - ((5 - i) * Cost)), Free(reader));
            }

            Assert.Equal((ulong)P, Free(reader));
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public void WrapMarkerSpaceAccountedCorrectly()
    {
        string name = TestNames.Unique("free-marker");
        using (var reader = new Reader(name, new BufferConfig(100, 1000)))
        using (var writer = new Writer(name))
        {
            const long P = 1024;
            for (int i = 0; i < 8; i++)
            {
                writer.WriteFrame(Pattern(i, 100));
                using Frame frame = reader.ReadFrame(ReadTimeout);
            }

            BufferStatus before = reader.GetStatus();
            Assert.Equal(928UL, before.WritePosition);
            Assert.Equal((ulong)P, before.PayloadFreeBytes);

            // 96-byte tail < 116: a wrap marker goes at 928, the frame at 0.
            writer.WriteFrame(Pattern(8, 100));
            BufferStatus afterWrite = reader.GetStatus();
            Assert.Equal((ulong)(P - 96 - 116), afterWrite.PayloadFreeBytes);
            Assert.Equal(before.WrittenCount + 2, afterWrite.WrittenCount); // marker + frame
            Assert.Equal(116UL, afterWrite.WritePosition);

            using (Frame frame = reader.ReadFrame(ReadTimeout))
            {
                // Passing the marker returned the tail at once; the frame is still held.
                BufferStatus afterRead = reader.GetStatus();
                Assert.Equal((ulong)(P - 116), afterRead.PayloadFreeBytes);
                Assert.Equal(afterWrite.WrittenCount, afterRead.ReadCount);
                Assert.Equal(116UL, afterRead.ReadPosition);
                Assert.Equal(100, frame.Size);
                Assert.Equal(9UL, frame.Sequence);
            }

            Assert.Equal((ulong)P, Free(reader));
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public void StressTestFreeSpaceAccounting()
    {
        string name = TestNames.Unique("free-stress");
        using (var reader = new Reader(name, new BufferConfig(100, 10000)))
        using (var writer = new Writer(name))
        {
            const long P = 10048; // 10000 rounded up to 64
            var random = new Random(42);
            var unread = new Queue<(ulong Sequence, int Size)>();
            var held = new List<HeldFrame>(); // in read order: held[0] is the oldest not disposed
            ulong nextSequence = 1;
            int writes = 0, fullRejections = 0, reads = 0, wraps = 0;
            try
            {
                for (int step = 0; step < 1000; step++)
                {
                    // Writes slightly more likely than reads and disposes, so the ring fills up now and then.
                    switch (random.Next(10))
                    {
                        case < 4 when unread.Count + held.Count < 60:
                            int size = random.Next(10, 400);
                            ulong positionBefore = reader.GetStatus().WritePosition;
                            if (writer.TryWriteFrame(Pattern((int)nextSequence, size), TimeSpan.Zero))
                            {
                                unread.Enqueue((nextSequence++, size));
                                writes++;
                                if (reader.GetStatus().WritePosition < positionBefore)
                                {
                                    wraps++;
                                }
                            }
                            else
                            {
                                fullRejections++;
                            }

                            break;
                        case >= 4 and < 7:
                            if (reader.TryReadFrame(TimeSpan.Zero, out Frame frame))
                            {
                                (ulong sequence, int expectedSize) = unread.Dequeue();
                                Assert.Equal(sequence, frame.Sequence);
                                Assert.Equal(expectedSize, frame.Size);
                                Assert.Equal(Pattern((int)sequence, expectedSize), frame.ToArray());
                                long end = (long)reader.GetStatus().ReadPosition;
                                held.Add(new HeldFrame(frame, (end == 0 ? P : end) - Header - frame.Size));
                                reads++;
                            }
                            else
                            {
                                Assert.Empty(unread);
                            }

                            break;
                        case >= 7 when held.Count > 0:
                            int victim = random.Next(held.Count); // any order, not only the oldest
                            held[victim].Frame.Dispose();
                            held.RemoveAt(victim);
                            break;
                    }

                    AssertFreeMatchesModel(reader, held, P);
                }

                // Drain: release everything still held, newest first, then read the rest.
                for (int i = held.Count - 1; i >= 0; i--)
                {
                    held[i].Frame.Dispose();
                    held.RemoveAt(i);
                    AssertFreeMatchesModel(reader, held, P);
                }

                while (unread.Count > 0)
                {
                    (ulong sequence, int _) = unread.Dequeue();
                    using Frame frame = reader.ReadFrame(ReadTimeout);
                    Assert.Equal(sequence, frame.Sequence);
                }
            }
            finally
            {
                held.ForEach(h => h.Frame.Dispose());
            }

            Assert.Equal((ulong)P, Free(reader));
            Assert.Equal(0, reader.OutstandingFrames);
            // The run really exercised the interesting paths.
            Assert.True(writes > 100, $"only {writes} writes");
            Assert.True(reads > 100, $"only {reads} reads");
            Assert.True(wraps > 0, "the ring never wrapped");
            Assert.True(fullRejections > 0, "the ring was never full");
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public void SingleFrameAccounting()
    {
        string name = TestNames.Unique("free-single");
        using (var reader = new Reader(name, new BufferConfig(0, 4096)))
        using (var writer = new Writer(name))
        {
            const long P = 4096;
            writer.WriteFrame(Pattern(1, 100));
            Assert.Equal((ulong)(P - (Header + 100)), Free(reader));

            using (Frame frame = reader.ReadFrame(ReadTimeout))
            {
                Assert.Equal((ulong)(P - (Header + 100)), Free(reader));
                Assert.Equal(1, reader.OutstandingFrames);
            }

            Assert.Equal((ulong)P, Free(reader));
            Assert.Equal(0, reader.OutstandingFrames);
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public void MultipleFramesAccounting()
    {
        string name = TestNames.Unique("free-multiple");
        using (var reader = new Reader(name, new BufferConfig(0, 4096)))
        using (var writer = new Writer(name))
        {
            const long P = 4096;
            int[] sizes = [100, 7, 333, 64];
            long[] costs = [.. sizes.Select(s => Header + s)];
            foreach (int size in sizes)
            {
                writer.WriteFrame(Pattern(size, size));
            }

            Assert.Equal((ulong)(P - costs.Sum()), Free(reader));

            Frame[] frames = new Frame[sizes.Length];
            try
            {
                for (int i = 0; i < frames.Length; i++)
                {
                    frames[i] = reader.ReadFrame(ReadTimeout);
                    Assert.Equal(sizes[i], frames[i].Size);
                }

                Assert.Equal((ulong)(P - costs.Sum()), Free(reader));
                Assert.Equal(4, reader.OutstandingFrames);

                // Newer frames disposed first: nothing comes back while the oldest is held.
                frames[2].Dispose();
                Assert.Equal((ulong)(P - costs.Sum()), Free(reader));
                frames[1].Dispose();
                frames[2].Dispose(); // idempotent
                Assert.Equal((ulong)(P - costs.Sum()), Free(reader));
                Assert.Equal(4, reader.OutstandingFrames);
                Assert.Throws<ObjectDisposedException>(() => frames[1].Span.Length);
                Assert.Equal(Pattern(sizes[0], sizes[0]), frames[0].ToArray()); // the oldest is intact

                // Disposing the oldest returns it and the two released behind it, in one go.
                frames[0].Dispose();
                Assert.Equal((ulong)(P - costs[3]), Free(reader));
                Assert.Equal(1, reader.OutstandingFrames);

                frames[3].Dispose();
                Assert.Equal((ulong)P, Free(reader));
                Assert.Equal(0, reader.OutstandingFrames);
            }
            finally
            {
                Array.ForEach(frames, f => f.Dispose());
            }
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public void WrapAroundAccounting()
    {
        string name = TestNames.Unique("free-wrap");
        using (var reader = new Reader(name, new BufferConfig(0, 1024)))
        using (var writer = new Writer(name))
        {
            const long P = 1024;

            // Implicit wrap: a 1000-byte frame at 0 leaves an 8-byte tail, too short for a marker.
            writer.WriteFrame(Pattern(1, 1000));
            using (Frame frame = reader.ReadFrame(ReadTimeout))
            {
                Assert.Equal(1000, frame.Size);
            }

            Assert.Equal((ulong)P, Free(reader));
            ulong writtenBefore = reader.GetStatus().WrittenCount;

            writer.WriteFrame(Pattern(2, 100));
            BufferStatus afterWrite = reader.GetStatus();
            Assert.Equal((ulong)(P - 8 - 116), afterWrite.PayloadFreeBytes); // the tail is charged at the wrap
            Assert.Equal(writtenBefore + 1, afterWrite.WrittenCount); // no marker counted
            Assert.Equal(116UL, afterWrite.WritePosition);

            using (Frame frame = reader.ReadFrame(ReadTimeout))
            {
                Assert.Equal(2UL, frame.Sequence);
                Assert.Equal(Pattern(2, 100), frame.ToArray());
                Assert.Equal((ulong)(P - 116), Free(reader)); // the tail came back when the reader skipped it
                Assert.Equal(afterWrite.WrittenCount, reader.GetStatus().ReadCount);
            }

            Assert.Equal((ulong)P, Free(reader));

            // Marker wrap while an older frame is held: the tail comes back only behind that frame.
            // Positions now: 116. A (300 B) at 116, B (400 B) at 432 → write position 848, tail 176.
            writer.WriteFrame(Pattern(3, 300));
            writer.WriteFrame(Pattern(4, 400));
            Assert.Equal(848UL, reader.GetStatus().WritePosition);
            using (Frame a = reader.ReadFrame(ReadTimeout))
            {
                Assert.Equal(3UL, a.Sequence);
            }

            Frame b = reader.ReadFrame(ReadTimeout);
            Frame c = default;
            try
            {
                Assert.Equal(4UL, b.Sequence);
                Assert.Equal((ulong)(P - 416), Free(reader));

                // C (250 B = 266) does not fit the 176-byte tail: marker at 848, C at 0; costs 176 + 266.
                ulong writtenBeforeMarker = reader.GetStatus().WrittenCount;
                writer.WriteFrame(Pattern(5, 250));
                BufferStatus afterMarker = reader.GetStatus();
                Assert.Equal(writtenBeforeMarker + 2, afterMarker.WrittenCount);
                Assert.Equal((ulong)(P - 416 - 176 - 266), afterMarker.PayloadFreeBytes);

                c = reader.ReadFrame(ReadTimeout);
                Assert.Equal(5UL, c.Sequence);
                Assert.Equal(Pattern(5, 250), c.ToArray());
                Assert.Equal((ulong)(P - 416 - 176 - 266), Free(reader)); // tail queued behind B
                c.Dispose();
                Assert.Equal((ulong)(P - 416 - 176 - 266), Free(reader)); // C queued behind B too

                b.Dispose();
                Assert.Equal((ulong)P, Free(reader));
            }
            finally
            {
                b.Dispose();
                c.Dispose();
            }
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task FullBufferAccounting()
    {
        string name = TestNames.Unique("free-full");
        using (var reader = new Reader(name, new BufferConfig(0, 1024)))
        using (var writer = new Writer(name) { WriteTimeout = TimeSpan.FromSeconds(10) })
        {
            const int P = 1024;

            // Exact fit: one frame of P − 16 bytes fills the ring.
            writer.WriteFrame(Pattern(1, P - (int)Header));
            Assert.Equal(0UL, Free(reader));
            Assert.False(writer.TryWriteFrame(Pattern(2, 1), TimeSpan.Zero));
            Assert.Equal(0UL, Free(reader));

            // A blocked writer stays blocked while the frame is only read, and resumes once it is disposed.
            Task blocked = Task.Run(() => writer.WriteFrame(Pattern(2, 1)));
            Frame full = reader.ReadFrame(ReadTimeout);
            try
            {
                Assert.Equal(P - (int)Header, full.Size);
                Assert.Equal(Pattern(1, P - (int)Header), full.ToArray());
                Assert.Equal(0UL, Free(reader));
                Assert.False(blocked.IsCompleted);
            }
            finally
            {
                full.Dispose();
            }

            await blocked.WaitAsync(TimeSpan.FromSeconds(5)); // the writer resumes once the frame is released
            Assert.Equal((ulong)(P - 17), Free(reader));

            using (Frame next = reader.ReadFrame(ReadTimeout))
            {
                Assert.Equal(2UL, next.Sequence);
                Assert.Equal(Pattern(2, 1), next.ToArray());
            }

            Assert.True(writer.TryWriteFrame(Pattern(3, 1), TimeSpan.Zero));
            using (Frame last = reader.ReadFrame(ReadTimeout))
            {
                Assert.Equal(3UL, last.Sequence);
            }

            Assert.Equal((ulong)P, Free(reader));
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public void MetadataSpaceAccounting()
    {
        string name = TestNames.Unique("free-metadata");
        using (var reader = new Reader(name, new BufferConfig(100, 1000)))
        using (var writer = new Writer(name))
        {
            const ulong M = 128; // 100 rounded up to 64
            const ulong P = 1024;
            BufferStatus initial = reader.GetStatus();
            Assert.Equal(M, initial.MetadataSize);
            Assert.Equal(M, initial.MetadataFreeBytes);
            Assert.Equal(0UL, initial.MetadataWrittenBytes);

            writer.SetMetadata(Pattern(9, 50));

            BufferStatus afterMetadata = reader.GetStatus();
            Assert.Equal(M - (8 + 50), afterMetadata.MetadataFreeBytes);
            Assert.Equal(8UL + 50, afterMetadata.MetadataWrittenBytes);
            Assert.Equal(P, afterMetadata.PayloadFreeBytes);
            Assert.Equal(Pattern(9, 50), reader.GetMetadata().ToArray());

            // Frames leave the metadata counters alone.
            writer.WriteFrame(Pattern(1, 100));
            BufferStatus afterFrame = reader.GetStatus();
            Assert.Equal(P - 116, afterFrame.PayloadFreeBytes);
            Assert.Equal(afterMetadata.MetadataFreeBytes, afterFrame.MetadataFreeBytes);
            Assert.Equal(afterMetadata.MetadataWrittenBytes, afterFrame.MetadataWrittenBytes);
            using (Frame frame = reader.ReadFrame(ReadTimeout))
            {
                Assert.Equal(Pattern(1, 100), frame.ToArray());
            }

            Assert.Equal(P, Free(reader));
        }

        OsResources.AssertNone(name);
    }

    private static ulong Free(Reader reader) => reader.GetStatus().PayloadFreeBytes;

    /// <summary>
    /// The exact rule: bytes in use run from the oldest frame still held (or, with none held, the
    /// read position) up to the write position; tails and released-but-queued frames in between
    /// are still in use. The ring is completely used when the two meet with anything outstanding.
    /// </summary>
    private static void AssertFreeMatchesModel(Reader reader, List<HeldFrame> held, long ringSize)
    {
        BufferStatus status = reader.GetStatus();
        long from = held.Count > 0 ? held[0].HeaderPosition : (long)status.ReadPosition;
        long used = (((long)status.WritePosition - from) % ringSize + ringSize) % ringSize;
        if (used == 0 && (held.Count > 0 || status.WrittenCount != status.ReadCount))
        {
            used = ringSize;
        }

        Assert.Equal((ulong)(ringSize - used), status.PayloadFreeBytes);
    }

    private static byte[] Pattern(int key, int size)
    {
        var data = new byte[size];
        for (int i = 0; i < size; i++)
        {
            data[i] = (byte)((key * 131) ^ i);
        }

        if (size >= sizeof(int))
        {
            BinaryPrimitives.WriteInt32LittleEndian(data, key);
        }

        return data;
    }

    private readonly record struct HeldFrame(Frame Frame, long HeaderPosition);
}
