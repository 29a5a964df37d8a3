using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ZeroBuffer.Protocol;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Protocol;

/// <summary>
/// Wire compatibility, byte by byte (protocol-v1 §2-§4). Every offset below is a literal taken
/// from the spec's tables, never a library constant, so these tests check the constants too:
/// (a) a segment built by hand is read correctly by our reader; (b) what our writer and reader
/// leave in the segment equals an image built by hand from the spec.
/// </summary>
public sealed class GoldenBytesTests
{
    // OIEB field offsets, from the table in protocol-v1 §2.
    private const int OiebSizeAt = 0;
    private const int VersionAt = 4;
    private const int MetadataSizeAt = 8;
    private const int MetadataFreeAt = 16;
    private const int MetadataWrittenAt = 24;
    private const int PayloadSizeAt = 32;
    private const int PayloadFreeAt = 40;
    private const int WritePosAt = 48;
    private const int ReadPosAt = 56;
    private const int WrittenCountAt = 64;
    private const int ReadCountAt = 72;
    private const int WriterPidAt = 80;
    private const int ReaderPidAt = 88;

    // The extension words of docs/protocol.md §2.4, in the reserved area.
    private const int ExtMagicAt = 96; // u32 0x3158425A: the bytes "ZBX1"
    private const int ExtFeaturesAt = 100; // u32: 1 reader lock | 2 writer sessions | 4 commit record
    private const int WriterSessionAt = 104; // u64: tag (bits 0-31) | generation (32-55) | state (56-63)
    private const int SessionStartAt = 112; // u64: written count when the session began
    private const int CommitRecordAt = 120; // u64: write_pos << 24 | written count & 0xFFFFFF

    // The buffer both golden tests use: BufferConfig(64, 256) → M = 64, P = 256.
    private const int M = 64;
    private const int P = 256;
    private const int MetadataAt = 128; // metadata block right after the 128-byte OIEB
    private const int RingAt = 128 + M; // payload ring at 128 + M
    private const int SegmentLength = 128 + M + P;

    private static readonly ulong Pid = (ulong)Environment.ProcessId;
    private static readonly byte[] Metadata = "hello"u8.ToArray();

    [Fact]
    public void OiebStructOffsetsMatchTheSpec()
    {
        Assert.Equal(128, Marshal.SizeOf<Oieb>());
        Assert.Equal(128, Unsafe.SizeOf<Oieb>());
        Assert.Equal(0, Offset(nameof(Oieb.OiebSize)));
        Assert.Equal(4, Offset(nameof(Oieb.VersionMajor)));
        Assert.Equal(5, Offset(nameof(Oieb.VersionMinor)));
        Assert.Equal(6, Offset(nameof(Oieb.VersionPatch)));
        Assert.Equal(7, Offset(nameof(Oieb.VersionReserved)));
        Assert.Equal(8, Offset(nameof(Oieb.MetadataSize)));
        Assert.Equal(16, Offset(nameof(Oieb.MetadataFreeBytes)));
        Assert.Equal(24, Offset(nameof(Oieb.MetadataWrittenBytes)));
        Assert.Equal(32, Offset(nameof(Oieb.PayloadSize)));
        Assert.Equal(40, Offset(nameof(Oieb.PayloadFreeBytes)));
        Assert.Equal(48, Offset(nameof(Oieb.PayloadWritePos)));
        Assert.Equal(56, Offset(nameof(Oieb.PayloadReadPos)));
        Assert.Equal(64, Offset(nameof(Oieb.PayloadWrittenCount)));
        Assert.Equal(72, Offset(nameof(Oieb.PayloadReadCount)));
        Assert.Equal(80, Offset(nameof(Oieb.WriterPid)));
        Assert.Equal(88, Offset(nameof(Oieb.ReaderPid)));
        Assert.Equal(96, Offset(nameof(Oieb.ExtensionMagic)));
        Assert.Equal(100, Offset(nameof(Oieb.ExtensionFeatures)));
        Assert.Equal(104, Offset(nameof(Oieb.WriterSession)));
        Assert.Equal(112, Offset(nameof(Oieb.SessionStart)));
        Assert.Equal(120, Offset(nameof(Oieb.CommitRecord)));

        static int Offset(string field) => (int)Marshal.OffsetOf<Oieb>(field);
    }

    [Fact]
    public void LayoutConstantsMatchTheSpec()
    {
        Assert.Equal(128, ZeroBufferLayout.OiebSize);
        Assert.Equal(64, ZeroBufferLayout.BlockAlignment);
        Assert.Equal((byte)1, ZeroBufferLayout.VersionMajor);
        Assert.Equal(0, ZeroBufferLayout.OiebSizeOffset);
        Assert.Equal(4, ZeroBufferLayout.VersionOffset);
        Assert.Equal(8, ZeroBufferLayout.MetadataSizeOffset);
        Assert.Equal(16, ZeroBufferLayout.MetadataFreeBytesOffset);
        Assert.Equal(24, ZeroBufferLayout.MetadataWrittenBytesOffset);
        Assert.Equal(32, ZeroBufferLayout.PayloadSizeOffset);
        Assert.Equal(40, ZeroBufferLayout.PayloadFreeBytesOffset);
        Assert.Equal(48, ZeroBufferLayout.PayloadWritePosOffset);
        Assert.Equal(56, ZeroBufferLayout.PayloadReadPosOffset);
        Assert.Equal(64, ZeroBufferLayout.PayloadWrittenCountOffset);
        Assert.Equal(72, ZeroBufferLayout.PayloadReadCountOffset);
        Assert.Equal(80, ZeroBufferLayout.WriterPidOffset);
        Assert.Equal(88, ZeroBufferLayout.ReaderPidOffset);
        Assert.Equal(96, ZeroBufferLayout.ReservedOffset);
        Assert.Equal(128, ZeroBufferLayout.MetadataBlockOffset);
        Assert.Equal(8, ZeroBufferLayout.MetadataPrefixSize);
        Assert.Equal(16, ZeroBufferLayout.FrameHeaderSize);
        Assert.Equal(0, ZeroBufferLayout.FrameLengthOffset);
        Assert.Equal(8, ZeroBufferLayout.FrameSequenceOffset);
        Assert.Equal(0UL, ZeroBufferLayout.WrapMarkerLength);
        Assert.Equal(1UL, ZeroBufferLayout.FirstSequence);

        // The extension words (docs/protocol.md §2.4).
        Assert.Equal(96, ZeroBufferLayout.ExtensionMagicOffset);
        Assert.Equal(100, ZeroBufferLayout.ExtensionFeaturesOffset);
        Assert.Equal(104, ZeroBufferLayout.WriterSessionOffset);
        Assert.Equal(112, ZeroBufferLayout.SessionStartOffset);
        Assert.Equal(120, ZeroBufferLayout.CommitRecordOffset);
        Assert.Equal(0x3158425Au, ZeroBufferLayout.ExtensionMagic);
        Assert.Equal(0x3158425Au, BinaryPrimitives.ReadUInt32LittleEndian("ZBX1"u8)); // the bytes Z B X 1
        Assert.Equal(1u, ZeroBufferLayout.FeatureReaderLock);
        Assert.Equal(2u, ZeroBufferLayout.FeatureWriterSessions);
        Assert.Equal(4u, ZeroBufferLayout.FeatureCommitRecord);
        Assert.Equal(80, ZeroBufferLayout.WriterLockOffset);
        Assert.Equal(88, ZeroBufferLayout.ReaderLockOffset);
        Assert.Equal(8, ZeroBufferLayout.LivenessLockLength);
        Assert.Equal(32, ZeroBufferLayout.SessionGenerationShift);
        Assert.Equal(24, ZeroBufferLayout.SessionGenerationBits);
        Assert.Equal(56, ZeroBufferLayout.SessionStateShift);
        Assert.Equal(24, ZeroBufferLayout.CommitRecordCountBits);
        Assert.Equal(24, ZeroBufferLayout.CommitRecordPositionShift);
        Assert.Equal(1L << 40, ZeroBufferLayout.CommitRecordRingLimit);
    }

    /// <summary>
    /// A control block as every upstream reader writes it (pinned bytes: reserved words zero, so
    /// no extension advertised) is judged by the PID rules of protocol 1.0: a live reader PID makes
    /// the buffer Live and lets a writer connect, a dead one makes it Stale and refuses the writer.
    /// </summary>
    [Fact]
    public void AnUpstreamControlBlock_WithoutTheAdvertisement_IsJudgedByThePidRules()
    {
        Assert.Equal(
            "80000000010000004000000000000000" + "40000000000000000000000000000000" +
            "00040000000000000004000000000000" + "00000000000000000000000000000000" +
            "00000000000000000000000000000000" + "00000000000000000700000000000000" +
            "00000000000000000000000000000000" + "00000000000000000000000000000000",
            Convert.ToHexString(UpstreamBuffer.ControlBlockBytes(readerPid: 7)));

        string live = TestNames.Unique("golden-upstream-live");
        using (UpstreamBuffer.Create(live, readerPid: (ulong)Environment.ProcessId))
        {
            BufferInfo info = Lifecycle.BufferCatalog.Inspect(live)!;
            Assert.Equal(BufferState.Live, info.State);
            Assert.True(info.ReaderAlive);
            using var writer = new Writer(live);
            Assert.True(writer.IsReaderConnected());
        }

        string dead = TestNames.Unique("golden-upstream-dead");
        using (UpstreamBuffer.Create(dead, readerPid: (ulong)Abandon.DeadPid()))
        {
            Assert.Throws<ReaderDeadException>(() => new Writer(dead));
            BufferInfo? info = Lifecycle.BufferCatalog.Inspect(dead); // null: a parallel sweep removed it (only stale ones are)
            Assert.Contains(info?.State, new BufferState?[] { BufferState.Stale, null });
        }

        OsResources.AssertNone(live);
        OsResources.AssertNone(dead);
    }

    /// <summary>
    /// (a) Our reader on a segment written entirely by hand, as another implementation would
    /// write it: metadata, frames, an explicit wrap marker and an implicit (short-tail) wrap.
    /// </summary>
    [Fact]
    public void ReaderReadsAHandBuiltSegment()
    {
        string name = TestNames.Unique("golden-a");
        string dataAvailable = "/sem-w-" + name;
        using (var reader = new Reader(name, new BufferConfig(M, P)))
        using (RawSegment raw = RawSegment.Open(name))
        {
            Assert.Equal(SegmentLength, raw.Length);

            // Phase 1: the whole segment by hand. Frames 1 (100 B at 0) and 2 (50 B at 116).
            var image = new Image(SegmentLength);
            image.U32(OiebSizeAt, 128);
            image.Put(VersionAt, [1, 0, 0, 0]);
            image.U64(MetadataSizeAt, M);
            image.U64(MetadataFreeAt, M - (8 + 5));
            image.U64(MetadataWrittenAt, 8 + 5);
            image.U64(PayloadSizeAt, P);
            image.U64(PayloadFreeAt, P - 116 - 66);
            image.U64(WritePosAt, 182);
            image.U64(ReadPosAt, 0);
            image.U64(WrittenCountAt, 2);
            image.U64(ReadCountAt, 0);
            image.U64(WriterPidAt, Pid);
            image.U64(ReaderPidAt, Pid);
            image.U64(MetadataAt, 5);
            image.Put(MetadataAt + 8, Metadata);
            image.Frame(0, 100, 1);
            image.Frame(116, 50, 2);
            raw.Write(0, image.Bytes);
            RawSegment.PostSemaphore(dataAvailable); // one token per frame, as a writer posts them
            RawSegment.PostSemaphore(dataAvailable);

            Assert.Equal(Metadata, reader.GetMetadata().ToArray());
            Frame f1 = ReadExpecting(reader, 1, 100);
            Frame f2 = ReadExpecting(reader, 2, 50);
            Assert.Equal(182UL, raw.ReadUInt64(ReadPosAt));
            Assert.Equal(2UL, raw.ReadUInt64(ReadCountAt));
            Assert.Equal(74UL, raw.ReadUInt64(PayloadFreeAt)); // nothing returned while held
            f1.Dispose();
            f2.Dispose();
            Assert.Equal((ulong)P, raw.ReadUInt64(PayloadFreeAt));

            // Phase 2: frame 3 (60 B, total 76) does not fit the 74 bytes left: a wrap marker
            // {0, 0} at 182, the frame at 0. The marker is counted; its tail holds garbage.
            raw.Fill(RingAt + 182 + 16, P - 182 - 16, 0xEE);
            raw.Write(RingAt + 182, new byte[16]);
            raw.Write(RingAt + 0, FrameBytes(60, 3));
            raw.WriteUInt64(WritePosAt, 76);
            raw.WriteUInt64(PayloadFreeAt, P - 74 - 76);
            raw.WriteUInt64(WrittenCountAt, 4);
            RawSegment.PostSemaphore(dataAvailable); // no token for the marker

            Frame f3 = ReadExpecting(reader, 3, 60);
            Assert.Equal(76UL, raw.ReadUInt64(ReadPosAt));
            Assert.Equal(4UL, raw.ReadUInt64(ReadCountAt));
            Assert.Equal((ulong)(P - 76), raw.ReadUInt64(PayloadFreeAt)); // the tail came back when passed
            f3.Dispose();
            Assert.Equal((ulong)P, raw.ReadUInt64(PayloadFreeAt));

            // Phase 3: frame 4 (156 B at 76) ends 8 bytes before the end: a tail too short for a
            // header, left by a writer that does not avoid them. Frame 5 goes to 0 with no marker
            // and no count (implicit wrap). The 8 tail bytes hold garbage the reader must skip.
            raw.Write(RingAt + 76, FrameBytes(156, 4));
            raw.Fill(RingAt + 248, 8, 0xEE);
            raw.Write(RingAt + 0, FrameBytes(20, 5));
            raw.WriteUInt64(WritePosAt, 36);
            raw.WriteUInt64(PayloadFreeAt, P - 172 - 8 - 36);
            raw.WriteUInt64(WrittenCountAt, 6);
            RawSegment.PostSemaphore(dataAvailable);
            RawSegment.PostSemaphore(dataAvailable);

            Frame f4 = ReadExpecting(reader, 4, 156);
            Assert.Equal(248UL, raw.ReadUInt64(ReadPosAt));
            Frame f5 = ReadExpecting(reader, 5, 20);
            Assert.Equal(36UL, raw.ReadUInt64(ReadPosAt));
            Assert.Equal(6UL, raw.ReadUInt64(ReadCountAt));
            // The skipped tail sits behind frame 4 and comes back with it (FIFO), not before.
            Assert.Equal(40UL, raw.ReadUInt64(PayloadFreeAt));
            f4.Dispose();
            Assert.Equal((ulong)(P - 36), raw.ReadUInt64(PayloadFreeAt));
            f5.Dispose();
            Assert.Equal((ulong)P, raw.ReadUInt64(PayloadFreeAt));

            Assert.False(reader.ReadFrame(TimeSpan.Zero).IsValid); // no token left, no frame invented
            Assert.Equal(0, RawSegment.SemaphoreValue(dataAvailable));
        }

        OsResources.AssertNone(name);
    }

    /// <summary>
    /// (b) Our writer's and reader's bytes against an image built by hand, step by step: the
    /// fresh OIEB, metadata, frames, an explicit wrap, the short-tail rule (a wrap instead of a
    /// 1-15 byte tail), an unavoidable short tail and its implicit wrap, an exact fill, and a
    /// zero-copy frame that is invisible until committed.
    /// </summary>
    [Fact]
    public void WriterAndReaderProduceTheSpecifiedBytes()
    {
        string name = TestNames.Unique("golden-b");
        using (var reader = new Reader(name, new BufferConfig(M, P)))
        using (RawSegment raw = RawSegment.Open(name))
        {
            // The reader's fresh segment: the OIEB, everything else zero.
            var image = new Image(SegmentLength);
            image.U32(OiebSizeAt, 128);
            image.Put(VersionAt, [1, 0, 0, 0]);
            image.U64(MetadataSizeAt, M);
            image.U64(MetadataFreeAt, M);
            image.U64(MetadataWrittenAt, 0);
            image.U64(PayloadSizeAt, P);
            image.U64(PayloadFreeAt, P);
            image.U64(ReaderPidAt, Pid);
            image.Put(ExtMagicAt, "ZBX1"u8);
            image.U32(ExtFeaturesAt, 1 | 2 | 4);
            image.AssertMatches(raw, "fresh segment");

            // Fill the metadata block and the ring with garbage, so every byte the writer writes
            // (zeros of a wrap marker included) shows, and every byte it must not write stays.
            raw.Fill(MetadataAt, M, 0xDD);
            raw.Fill(RingAt, P, 0xEE);
            image.Fill(MetadataAt, M, 0xDD);
            image.Fill(RingAt, P, 0xEE);

            using var writer = new Writer(name);
            image.U64(WriterPidAt, Pid);
            image.U64(WriterSessionAt, Pid | (1UL << 32) | (1UL << 56)); // generation 1, connected
            image.U64(SessionStartAt, 0);
            image.U64(CommitRecordAt, 0); // nothing in flight at position 0, count 0
            image.AssertMatches(raw, "writer connected");

            writer.SetMetadata(Metadata);
            image.U64(MetadataAt, 5);
            image.Put(MetadataAt + 8, Metadata);
            image.U64(MetadataFreeAt, M - 13);
            image.U64(MetadataWrittenAt, 13);
            image.AssertMatches(raw, "metadata");

            // Frame 1: 100 B at 0.
            writer.WriteFrame(Payload(100, 1));
            image.Frame(0, 100, 1);
            image.Oieb(free: 140, writePos: 116, writtenCount: 1);
            image.AssertMatches(raw, "frame 1 written");
            Frame held = ReadExpecting(reader, 1, 100);
            image.U64(ReadPosAt, 116);
            image.U64(ReadCountAt, 1);
            image.AssertMatches(raw, "frame 1 read, held");
            held.Dispose();
            image.U64(PayloadFreeAt, P);
            image.AssertMatches(raw, "frame 1 released");

            // Frame 2: 100 B at 116, leaving 24 bytes (room for a marker).
            writer.WriteFrame(Payload(100, 2));
            image.Frame(116, 100, 2);
            image.Oieb(free: 140, writePos: 232, writtenCount: 2);
            image.AssertMatches(raw, "frame 2 written");
            ReadExpecting(reader, 2, 100).Dispose();
            image.Reader(free: P, readPos: 232, readCount: 2);
            image.AssertMatches(raw, "frame 2 read and released");

            // Frame 3: 40 B (total 56) > 24 to the end: marker {0, 0} at 232 (counted), frame at 0.
            // The 8 bytes after the marker header are not written.
            writer.WriteFrame(Payload(40, 3));
            image.Put(RingAt + 232, new byte[16]);
            image.Frame(0, 40, 3);
            image.Oieb(free: P - 24 - 56, writePos: 56, writtenCount: 4);
            image.AssertMatches(raw, "frame 3 written after a wrap marker");
            held = ReadExpecting(reader, 3, 40);
            image.Reader(free: P - 56, readPos: 56, readCount: 4); // the marker's tail is returned when passed
            image.AssertMatches(raw, "frame 3 read past the marker, held");
            held.Dispose();
            image.U64(PayloadFreeAt, P);
            image.AssertMatches(raw, "frame 3 released");

            // Frame 4: 174 B (total 190) at 56 leaves a 10-byte tail; a wrap would need
            // 200 + 190 > 256, so the short tail cannot be avoided.
            writer.WriteFrame(Payload(174, 4));
            image.Frame(56, 174, 4);
            image.Oieb(free: P - 190, writePos: 246, writtenCount: 5);
            image.AssertMatches(raw, "frame 4 written, unavoidable short tail");
            ReadExpecting(reader, 4, 174).Dispose();
            image.Reader(free: P, readPos: 246, readCount: 5);
            image.AssertMatches(raw, "frame 4 read and released");

            // Frame 5: implicit wrap over the 10-byte tail: nothing written there, not counted.
            writer.WriteFrame(Payload(20, 5));
            image.Frame(0, 20, 5);
            image.Oieb(free: P - 10 - 36, writePos: 36, writtenCount: 6);
            image.AssertMatches(raw, "frame 5 written after an implicit wrap");
            held = ReadExpecting(reader, 5, 20);
            image.Reader(free: P - 36, readPos: 36, readCount: 6);
            image.AssertMatches(raw, "frame 5 read past the short tail, held");
            held.Dispose();
            image.U64(PayloadFreeAt, P);

            // Frame 6: 148 B at 36, up to 200.
            writer.WriteFrame(Payload(148, 6));
            image.Frame(36, 148, 6);
            image.Oieb(free: P - 164, writePos: 200, writtenCount: 7);
            image.AssertMatches(raw, "frame 6 written");
            ReadExpecting(reader, 6, 148).Dispose();
            image.Reader(free: P, readPos: 200, readCount: 7);

            // Frame 7: 34 B (total 50) would fit at 200 but leave a 6-byte tail; wrapping needs
            // 56 + 50 <= 256, so the writer wraps with a marker instead.
            writer.WriteFrame(Payload(34, 7));
            image.Put(RingAt + 200, new byte[16]);
            image.Frame(0, 34, 7);
            image.Oieb(free: P - 56 - 50, writePos: 50, writtenCount: 9);
            image.AssertMatches(raw, "frame 7 written: wrap instead of a short tail");
            ReadExpecting(reader, 7, 34).Dispose();
            image.Reader(free: P, readPos: 50, readCount: 9);
            image.AssertMatches(raw, "frame 7 read and released");

            // Frame 8: 190 B (total 206) fills the ring exactly to its end: write_pos back to 0.
            writer.WriteFrame(Payload(190, 8));
            image.Frame(50, 190, 8);
            image.Oieb(free: P - 206, writePos: 0, writtenCount: 10);
            image.AssertMatches(raw, "frame 8 written to the end");
            ReadExpecting(reader, 8, 190).Dispose();
            image.Reader(free: P, readPos: 0, readCount: 10);
            image.AssertMatches(raw, "frame 8 read and released");

            // Frame 9, zero-copy: the payload lands in the ring, but the header and the OIEB
            // change only at commit.
            Span<byte> target = writer.GetFrameBuffer(30, out ulong sequence);
            Assert.Equal(9UL, sequence);
            Payload(30, 9).CopyTo(target);
            image.Put(RingAt + 16, Payload(30, 9));
            image.AssertMatches(raw, "frame 9 acquired and filled, not committed");
            Assert.False(reader.ReadFrame(TimeSpan.Zero).IsValid);
            writer.CommitFrame();
            image.Frame(0, 30, 9);
            image.Oieb(free: P - 46, writePos: 46, writtenCount: 11);
            image.AssertMatches(raw, "frame 9 committed");
            ReadExpecting(reader, 9, 30).Dispose();
            image.Reader(free: P, readPos: 46, readCount: 11);
            image.AssertMatches(raw, "frame 9 read and released");

            writer.Dispose();
            image.U64(WriterPidAt, 0);
            image.U64(WriterSessionAt, Pid | (1UL << 32) | (2UL << 56)); // closed: a clean end of stream
            image.AssertMatches(raw, "writer disposed");
        }

        OsResources.AssertNone(name);
    }

    private static Frame ReadExpecting(Reader reader, ulong sequence, int length)
    {
        Frame frame = reader.ReadFrame(TimeSpan.FromSeconds(5));
        Assert.True(frame.IsValid, $"frame {sequence} not read");
        Assert.Equal(sequence, frame.Sequence);
        Assert.Equal(length, frame.Size);
        Assert.Equal(Payload(length, sequence), frame.ToArray());
        return frame;
    }

    private static byte[] Payload(int length, ulong sequence)
    {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)(sequence * 37 + (ulong)i + 1);
        }

        return bytes;
    }

    /// <summary>A frame as the spec lays it out: u64 length, u64 sequence, payload.</summary>
    private static byte[] FrameBytes(int length, ulong sequence)
    {
        byte[] bytes = new byte[16 + length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(0), (ulong)length);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8), sequence);
        Payload(length, sequence).CopyTo(bytes.AsSpan(16));
        return bytes;
    }

    /// <summary>An expected segment, built field by field.</summary>
    private sealed class Image(int length)
    {
        internal byte[] Bytes { get; } = new byte[length];

        internal void U32(int offset, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Bytes.AsSpan(offset), value);

        internal void U64(int offset, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Bytes.AsSpan(offset), value);

        internal void Put(int offset, ReadOnlySpan<byte> bytes) => bytes.CopyTo(Bytes.AsSpan(offset));

        internal void Fill(int offset, int count, byte value) => Bytes.AsSpan(offset, count).Fill(value);

        /// <summary>A frame at <paramref name="ringOffset"/> in the payload ring.</summary>
        internal void Frame(int ringOffset, int length, ulong sequence) => Put(RingAt + ringOffset, FrameBytes(length, sequence));

        /// <summary>The writer's fields after a commit, its commit record included.</summary>
        internal void Oieb(long free, long writePos, ulong writtenCount)
        {
            U64(PayloadFreeAt, (ulong)free);
            U64(WritePosAt, (ulong)writePos);
            U64(WrittenCountAt, writtenCount);
            U64(CommitRecordAt, ((ulong)writePos << 24) | (writtenCount & 0xFFFFFF));
        }

        /// <summary>The reader's fields (and free bytes) after a read or release.</summary>
        internal void Reader(long free, long readPos, ulong readCount)
        {
            U64(PayloadFreeAt, (ulong)free);
            U64(ReadPosAt, (ulong)readPos);
            U64(ReadCountAt, readCount);
        }

        internal void AssertMatches(RawSegment raw, string step)
        {
            byte[] actual = raw.ReadAll();
            Assert.Equal(Bytes.Length, actual.Length);
            int at = Bytes.AsSpan().CommonPrefixLength(actual);
            if (at < Bytes.Length)
            {
                Assert.Fail($"{step}: segment differs first at byte {at} ({Describe(at)}): expected 0x{Bytes[at]:X2}, found 0x{actual[at]:X2}.\n" +
                            $"expected {Convert.ToHexString(Bytes, at & ~7, Math.Min(16, Bytes.Length - (at & ~7)))}\n" +
                            $"found    {Convert.ToHexString(actual, at & ~7, Math.Min(16, actual.Length - (at & ~7)))}");
            }
        }

        private static string Describe(int offset) => offset switch
        {
            < 128 => $"OIEB +{offset}",
            < RingAt => $"metadata block +{offset - MetadataAt}",
            _ => $"ring +{offset - RingAt}",
        };
    }
}
