using ZeroBuffer.Protocol;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Protocol;

/// <summary>
/// Placement that every upstream reader can follow, and a reader that follows every upstream
/// writer (issue 14 item 6; docs/protocol.md §3.2 and §4.2), pinned byte by byte.
/// </summary>
public sealed class UpstreamPlacementTests
{
    private const int P = 4096;
    private const int PayloadFreeAt = 40;
    private const int WritePosAt = 48;
    private const int ReadPosAt = 56;
    private const int WrittenCountAt = 64;
    private const int ReadCountAt = 72;

    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(5);

    [Theory]
    [InlineData(64, 8)]
    [InlineData(1024, 488)]
    [InlineData(1025, 489)]
    [InlineData(4096, 2024)]
    [InlineData(1 << 20, (1 << 19) - 24)]
    public void TheBoundIsHalfTheRingLess24(long ring, long expected) =>
        Assert.Equal(expected, WritePlan.MaxFrameSizeAnywhere(ring));

    /// <summary>
    /// Every write position reachable with frames up to the bound, every size up to it: placeable,
    /// and never a tail of 1-15 bytes. One byte more, and some sequence leaves one.
    /// </summary>
    [Theory]
    [InlineData(128)]
    [InlineData(201)]
    [InlineData(256)]
    [InlineData(1024)]
    public void FramesUpToTheBound_NeverLeaveAShortTail_OneMoreCan(long ring)
    {
        long bound = WritePlan.MaxFrameSizeAnywhere(ring);
        Assert.Null(FirstShortTail(ring, bound));
        (long Position, long Length)? broken = FirstShortTail(ring, bound + 1);
        Assert.NotNull(broken);
    }

    /// <summary>The case against a buffer an upstream reader created: refused at once, nothing changed.</summary>
    [Fact]
    public void WithAnUpstreamReader_AFrameThatWouldLeaveAShortTail_IsRefusedAndNothingChanges()
    {
        string name = TestNames.Unique("up-tail");
        using (UpstreamBuffer.Create(name, readerPid: (ulong)Environment.ProcessId, payloadSize: P))
        using (var writer = new Writer(name))
        using (RawSegment raw = RawSegment.Open(name))
        {
            Assert.Equal(2024, writer.MaxFrameSizeAnywhere);
            writer.WriteFrame(Pattern(2020, 1));
            byte[] before = raw.ReadAll();

            FrameTooLargeException refused = Assert.Throws<FrameTooLargeException>(() => writer.WriteFrame(Pattern(2032, 2)));
            Assert.Contains("Frame of 2032 bytes", refused.Message, StringComparison.Ordinal);
            Assert.Contains("write position 2036", refused.Message, StringComparison.Ordinal);
            Assert.Contains("12-byte tail", refused.Message, StringComparison.Ordinal);
            Assert.Contains("up to 2024 bytes", refused.Message, StringComparison.Ordinal);
            Assert.Equal(before, raw.ReadAll()); // not a byte written, no count, no charge
            Assert.Throws<FrameTooLargeException>(() => writer.GetFrameBuffer(2032)); // the zero-copy path too

            writer.WriteFrame(Pattern(2024, 2)); // the bound fits here and leaves 20 bytes: a marker fits there later
            const long second = 128 + UpstreamBuffer.MetadataSize + 2036;
            Assert.Equal(2024UL, raw.ReadUInt64(second));
            Assert.Equal(2UL, raw.ReadUInt64(second + 8));
            Assert.Equal(4076UL, raw.ReadUInt64(WritePosAt));
            Assert.Equal(2UL, raw.ReadUInt64(WrittenCountAt));
            Assert.Equal(20UL, raw.ReadUInt64(PayloadFreeAt));
        }

        OsResources.AssertNone(name);
    }

    /// <summary>The same sizes with our reader: placed, the 12-byte tail skipped later.</summary>
    [Fact]
    public void WithOurReader_TheSameFrameIsPlaced_AndItsTailSkipped()
    {
        string name = TestNames.Unique("up-ours");
        using (var reader = new Reader(name, new BufferConfig(0, P)))
        using (var writer = new Writer(name))
        using (RawSegment raw = RawSegment.Open(name))
        {
            writer.WriteFrame(Pattern(2020, 1));
            writer.WriteFrame(Pattern(2032, 2));
            Assert.Equal(4084UL, raw.ReadUInt64(WritePosAt)); // a 12-byte tail
            for (ulong sequence = 1; sequence <= 2; sequence++)
            {
                using Frame frame = reader.ReadFrame(Generous);
                Assert.Equal(sequence, frame.Sequence);
            }

            writer.WriteFrame(Pattern(100, 3)); // implicit wrap: no marker, not counted
            Assert.Equal(116UL, raw.ReadUInt64(WritePosAt));
            Assert.Equal(3UL, raw.ReadUInt64(WrittenCountAt));
            using (Frame frame = reader.ReadFrame(Generous))
            {
                Assert.Equal(3UL, frame.Sequence);
                Assert.True(frame.Span.SequenceEqual(Pattern(100, 3)));
            }

            Assert.Equal(3UL, raw.ReadUInt64(ReadCountAt));
            Assert.Equal((ulong)P, raw.ReadUInt64(PayloadFreeAt));
        }

        OsResources.AssertNone(name);
    }

    /// <summary>
    /// Upstream Python's writer counts a wrap over an 8-byte tail (no marker): the counts run one
    /// ahead of what was written. Pinned step by step; today's reader raised BufferCorrupted here.
    /// </summary>
    [Fact]
    public void AnUpstreamPythonWritersCountedShortTail_IsReconciled_ByteForByte()
    {
        string name = TestNames.Unique("up-py-tail");
        using (var reader = new Reader(name, new BufferConfig(0, P)))
        using (RawSegment raw = RawSegment.Open(name))
        {
            using (UpstreamPythonWriter writer = UpstreamPythonWriter.Connect(name))
            {
                Assert.True(writer.TryWrite(Pattern(2028, 1)));
                Assert.True(writer.TryWrite(Pattern(2028, 2)));
                Assert.Equal(4088UL, raw.ReadUInt64(WritePosAt)); // an 8-byte tail
                Assert.False(writer.TryWrite(Pattern(100, 3))); // needs 8 + 116: only 8 free
                ExpectFrame(reader, 1, 2028);
                Assert.True(writer.TryWrite(Pattern(100, 3)));

                // The wrap was counted: 2 frames + wrap + frame = 4 items for 3 frames.
                Assert.Equal(4UL, raw.ReadUInt64(WrittenCountAt));
                Assert.Equal(116UL, raw.ReadUInt64(WritePosAt));
                Assert.Equal((ulong)(P - 2044 - 8 - 116), raw.ReadUInt64(PayloadFreeAt));

                ExpectFrame(reader, 2, 2028);
                ExpectFrame(reader, 3, 100);
                Assert.False(reader.TryReadFrame(TimeSpan.Zero, out _)); // the fourth count announced no frame
                Assert.Equal(4UL, raw.ReadUInt64(ReadCountAt)); // taken over by the read count
                Assert.Equal(116UL, raw.ReadUInt64(ReadPosAt));
                Assert.Equal((ulong)P, raw.ReadUInt64(PayloadFreeAt));

                Assert.True(writer.TryWrite(Pattern(1, 4)));
                Assert.True(writer.TryWrite(Pattern(13, 5)));
                Assert.True(writer.TryWrite(Pattern(2028, 6)));
                ExpectFrame(reader, 4, 1);
                ExpectFrame(reader, 5, 13);
                ExpectFrame(reader, 6, 2028);
                Assert.Equal(7UL, raw.ReadUInt64(ReadCountAt));
            }

            Assert.Throws<WriterDeadException>(() => reader.ReadFrame(Generous)); // an upstream writer's departure
        }

        OsResources.AssertNone(name);
    }

    /// <summary>
    /// Lap after lap with the sizes, and with frames that end exactly at the end of the ring
    /// (Python stores write_pos = P and counts the wrap at its next write): every frame, in order,
    /// intact; the counts end equal; every byte comes back.
    /// </summary>
    [Theory]
    [InlineData(new[] { 2028, 2028, 100, 1, 13 })]
    [InlineData(new[] { 2032, 2032, 500, 1000 })] // 2048 + 2048 = P exactly
    [InlineData(new[] { 1008, 1008, 1008, 1008, 7, 1000 })] // 4 x 1024 = P exactly
    [InlineData(new[] { 4080 })] // frames that fill the whole ring
    public void AnUpstreamPythonWriter_IsReadLapAfterLap(int[] sizes)
    {
        string name = TestNames.Unique("up-py-laps");
        using (var reader = new Reader(name, new BufferConfig(0, P)))
        using (RawSegment raw = RawSegment.Open(name))
        {
            ulong written = 0;
            ulong read = 0;
            using (UpstreamPythonWriter writer = UpstreamPythonWriter.Connect(name))
            {
                for (int i = 0; i < 10 * sizes.Length; i++)
                {
                    byte[] payload = Pattern(sizes[i % sizes.Length], written + 1);
                    while (!writer.TryWrite(payload))
                    {
                        Assert.True(read < written, $"the writer waits for space, but every frame was read (frame {written + 1})");
                        read++;
                        ExpectFrame(reader, read, sizes[(int)((read - 1) % (ulong)sizes.Length)]);
                    }

                    written++;
                }

                while (read < written)
                {
                    read++;
                    ExpectFrame(reader, read, sizes[(int)((read - 1) % (ulong)sizes.Length)]);
                }

                Assert.False(reader.TryReadFrame(TimeSpan.Zero, out _));
                Assert.Equal(raw.ReadUInt64(WrittenCountAt), raw.ReadUInt64(ReadCountAt));
                Assert.Equal((ulong)P, raw.ReadUInt64(PayloadFreeAt));
            }

            Assert.Throws<WriterDeadException>(() => reader.ReadFrame(Generous));
        }

        OsResources.AssertNone(name);
    }

    /// <summary>
    /// A count inflated beyond the wraps crossed is corruption, never replayed frames: reported once
    /// the upstream writer is gone (while it lives, the count may be a frame it has not charged yet).
    /// </summary>
    [Fact]
    public void MoreCountsThanWrapsCrossed_IsStillCorruption()
    {
        string name = TestNames.Unique("up-py-inflated");
        using (var reader = new Reader(name, new BufferConfig(0, P)))
        using (RawSegment raw = RawSegment.Open(name))
        {
            using (UpstreamPythonWriter writer = UpstreamPythonWriter.Connect(name))
            {
                Assert.True(writer.TryWrite(Pattern(2028, 1)));
                Assert.True(writer.TryWrite(Pattern(2028, 2)));
                ExpectFrame(reader, 1, 2028);
                Assert.True(writer.TryWrite(Pattern(100, 3))); // counted wrap over 8 bytes
                raw.WriteUInt64(WrittenCountAt, raw.ReadUInt64(WrittenCountAt) + 1); // one more than the wrap explains
                ExpectFrame(reader, 2, 2028);
                ExpectFrame(reader, 3, 100);
                Assert.False(reader.TryReadFrame(TimeSpan.Zero, out _)); // nothing delivered, nothing replayed
            }

            BufferCorruptedException error = Assert.Throws<BufferCorruptedException>(() => reader.ReadFrame(TimeSpan.Zero));
            Assert.Contains("nothing was written there", error.Message, StringComparison.Ordinal);
            Assert.Equal((ulong)P, raw.ReadUInt64(PayloadFreeAt));
        }

        OsResources.AssertNone(name);
    }

    private static void ExpectFrame(Reader reader, ulong sequence, int size)
    {
        using Frame frame = reader.ReadFrame(TimeSpan.Zero);
        Assert.True(frame.IsValid, $"frame {sequence} was not delivered");
        Assert.Equal(sequence, frame.Sequence);
        Assert.Equal(size, frame.Size);
        Assert.True(frame.Span.SequenceEqual(Pattern(size, sequence)), $"frame {sequence} differs");
    }

    private static byte[] Pattern(int size, ulong sequence)
    {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++)
        {
            bytes[i] = (byte)((i * 7) + (int)sequence);
        }

        return bytes;
    }

    /// <summary>
    /// Walks every write position reachable from 0 with frames of 1..<paramref name="maxLength"/>
    /// bytes under the placement rule; the first (position, length) that leaves a tail of 1-15
    /// bytes or cannot be placed, or null.
    /// </summary>
    private static (long Position, long Length)? FirstShortTail(long ring, long maxLength)
    {
        var seen = new HashSet<long> { 0 };
        var pending = new Stack<long>([0]);
        while (pending.Count > 0)
        {
            long position = pending.Pop();
            for (long length = 1; length <= maxLength; length++)
            {
                long total = 16 + length;
                if (!WritePlan.TryCreate(ring, position, total, out WritePlan plan) || plan.LeavesShortTail(ring, total))
                {
                    return (position, length);
                }

                long next = (plan.FramePosition + total) % ring;
                if (seen.Add(next))
                {
                    pending.Push(next);
                }
            }
        }

        return null;
    }
}
