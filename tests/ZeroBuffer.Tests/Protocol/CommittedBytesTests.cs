using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Protocol;

/// <summary>
/// The reader's defences against counts that claim more than the writer charged, and against
/// frame headers no writer can produce (docs/protocol.md §4.3): corruption is reported as
/// <see cref="BufferCorruptedException"/>, never turned into replayed frames or free bytes above P.
/// </summary>
public sealed class CommittedBytesTests
{
    private const int P = 4096;
    private const int WrittenCountAt = 64;
    private const int PayloadFreeAt = 40;
    private const int WritePosAt = 48;
    private const int WriterPidAt = 80;
    private const int RingAt = 128; // M = 0

    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(5);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AnInflatedWrittenCount_IsCorruption_NotReplayedFrames(bool writerStillConnected)
    {
        string name = TestNames.Unique("cb-inflated");
        using (var reader = new Reader(name, new BufferConfig(0, P)))
        using (RawSegment raw = RawSegment.Open(name))
        {
            Writer? writer = new(name);
            try
            {
                for (int i = 1; i <= 3; i++)
                {
                    writer.WriteFrame(new byte[100]);
                    reader.ReadFrame(Generous).Dispose();
                }

                if (!writerStillConnected)
                {
                    writer.Dispose();
                    writer = null;
                }

                // Somebody adds 5 to the count by hand: the old frames' bytes are still in the ring.
                raw.WriteUInt64(WrittenCountAt, raw.ReadUInt64(WrittenCountAt) + 5);
                for (int attempt = 0; attempt < 5; attempt++)
                {
                    BufferCorruptedException error = Assert.Throws<BufferCorruptedException>(() => reader.ReadFrame(TimeSpan.Zero));
                    Assert.Contains("payload_written_count is ahead", error.Message, StringComparison.Ordinal);
                }

                Assert.Equal((ulong)P, raw.ReadUInt64(PayloadFreeAt)); // nothing replayed, nothing returned twice
                Assert.Equal(0, reader.OutstandingFrames);
            }
            finally
            {
                writer?.Dispose();
            }
        }

        OsResources.AssertNone(name);
    }

    /// <summary>
    /// A writer that does not know the extensions (upstream) publishes its count before it charges
    /// free bytes: a frame seen in that window is not corruption, just not charged yet.
    /// </summary>
    [Fact]
    public void AnUpstreamWritersUnchargedFrame_IsTakenOnceItIsCharged()
    {
        string name = TestNames.Unique("cb-upstream");
        using (var reader = new Reader(name, new BufferConfig(0, P)))
        using (RawSegment raw = RawSegment.Open(name))
        {
            // An upstream writer: a live PID (ours) in writer_pid, no session, no writer lock.
            raw.WriteUInt64(WriterPidAt, (ulong)Environment.ProcessId);
            raw.Write(RingAt, Frame(100, 1));
            raw.WriteUInt64(WritePosAt, 116);
            raw.WriteUInt64(WrittenCountAt, 1); // counted, not yet charged

            Assert.False(reader.TryReadFrame(TimeSpan.Zero, out _)); // not yet: no error

            raw.WriteUInt64(PayloadFreeAt, P - 116); // the charge lands
            using (Frame frame = reader.ReadFrame(Generous))
            {
                Assert.Equal(1UL, frame.Sequence);
                Assert.Equal(100, frame.Size);
            }

            Assert.Equal((ulong)P, raw.ReadUInt64(PayloadFreeAt));
            raw.WriteUInt64(WriterPidAt, 0);
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public void TheReaderNeverPublishesFreeBytesAboveTheRing()
    {
        string name = TestNames.Unique("cb-overflow");
        using (var reader = new Reader(name, new BufferConfig(0, P)))
        using (var writer = new Writer(name))
        using (RawSegment raw = RawSegment.Open(name))
        {
            writer.WriteFrame(new byte[100]);
            Frame held = reader.ReadFrame(Generous);

            raw.WriteUInt64(PayloadFreeAt, P); // damaged: the held frame's bytes counted free already
            held.Dispose();
            Assert.Equal((ulong)P, raw.ReadUInt64(PayloadFreeAt)); // not P + 116

            writer.WriteFrame(new byte[100]);
            Assert.Throws<BufferCorruptedException>(() => reader.ReadFrame(Generous));
        }

        OsResources.AssertNone(name);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AFrameWithSequenceZero_IsCorruption_NeverDelivered(bool checkContinuity)
    {
        string name = TestNames.Unique("cb-seq0");
        using (var reader = new Reader(name, new BufferConfig(0, P)) { CheckSequenceContinuity = checkContinuity })
        using (var writer = new Writer(name))
        using (RawSegment raw = RawSegment.Open(name))
        {
            writer.WriteFrame(new byte[50]);
            reader.ReadFrame(Generous).Dispose();
            writer.WriteFrame(new byte[50]);
            raw.WriteUInt64(RingAt + 66 + 8, 0); // the second frame's sequence field

            BufferCorruptedException error = Assert.Throws<BufferCorruptedException>(() => reader.ReadFrame(Generous));
            Assert.Contains("sequence 0", error.Message, StringComparison.Ordinal);
            Assert.Throws<BufferCorruptedException>(() => reader.ReadFrame(TimeSpan.Zero)); // kept, never delivered
        }

        OsResources.AssertNone(name);
    }

    private static byte[] Frame(int length, ulong sequence)
    {
        byte[] bytes = new byte[16 + length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)length);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8), sequence);
        return bytes;
    }
}
