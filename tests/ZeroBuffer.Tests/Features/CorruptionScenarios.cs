using ZeroBuffer.Tests.Infrastructure;
using static ZeroBuffer.Tests.Features.ScenarioData;

namespace ZeroBuffer.Tests.Features;

/// <summary>Upstream feature 5, "Corruption Detection" (5.1, 5.2, 5.5-5.7), under protocol-v1's rules.</summary>
public sealed class CorruptionScenarios
{
    private const int RingAt = 128; // metadata size 0: the ring follows the OIEB

    /// <summary>
    /// A damaged control block is refused by a connecting writer with a typed error naming what
    /// it found: an OIEB size other than 128, a major version other than 1, or sizes that do not
    /// fit the segment.
    /// </summary>
    [Theory]
    [InlineData(0, 256u, "OIEB size 256")] // oieb_size
    [InlineData(4, 2u, "version 2.0.0")] // version bytes major, minor, patch, reserved = 2, 0, 0, 0
    public void Feature_5_1_CorruptedOiebDetection(int offset, uint value, string named)
    {
        string name = TestNames.Unique("f5-1");
        using (var reader = new Reader(name, new BufferConfig(0, 4096)))
        {
            using (var writer = new Writer(name))
            {
                writer.WriteFrame("valid"u8);
            }

            using (RawSegment raw = RawSegment.Open(name))
            {
                raw.WriteUInt32(offset, value);
            }

            ProtocolMismatchException error = Assert.Throws<ProtocolMismatchException>(() => new Writer(name));
            Assert.Equal(ZeroBufferErrorKind.ProtocolMismatch, error.Kind);
            Assert.Equal(name, error.BufferName);
            Assert.Contains(named, error.Message, StringComparison.Ordinal);
            Assert.Equal(0UL, reader.GetStatus().WriterPid); // the refused writer claimed nothing
        }

        OsResources.AssertNone(name);
    }

    /// <summary>Payload size larger than the segment, or free bytes above the ring: refused as corrupted, never trusted.</summary>
    [Theory]
    [InlineData(32, 1UL << 40, "payload size")] // payload_size
    [InlineData(40, 8192UL, "free bytes 8192")] // payload_free_bytes > P
    public void Feature_5_1_ImpossibleOiebSizesAreRejected(int offset, ulong value, string named)
    {
        string name = TestNames.Unique("f5-1s");
        using (var reader = new Reader(name, new BufferConfig(0, 4096)))
        {
            using (RawSegment raw = RawSegment.Open(name))
            {
                raw.WriteUInt64(offset, value);
            }

            BufferCorruptedException error = Assert.Throws<BufferCorruptedException>(() => new Writer(name));
            Assert.Contains(named, error.Message, StringComparison.Ordinal);
            Assert.Equal(0UL, reader.GetStatus().WriterPid);
        }

        OsResources.AssertNone(name);
    }

    /// <summary>
    /// A frame header whose length was damaged is reported as corruption (never misread as a wrap
    /// marker, never read past the ring), and the frame is not consumed: every later read reports
    /// it again instead of delivering garbage.
    /// </summary>
    [Theory]
    [InlineData(0UL, "length 0 and sequence 1")] // length 0 but a frame's sequence: not a marker
    [InlineData(5000UL, "length 5000")] // runs past the end of the 4096-byte ring
    public void Feature_5_2_InvalidFrameHeaderDetection(ulong corruptLength, string named)
    {
        string name = TestNames.Unique("f5-2");
        using (var reader = new Reader(name, new BufferConfig(0, 4096)))
        using (var writer = new Writer(name))
        {
            writer.WriteFrame("test"u8);
            using (RawSegment raw = RawSegment.Open(name))
            {
                raw.WriteUInt64(RingAt + 0, corruptLength);
            }

            BufferCorruptedException first = Assert.Throws<BufferCorruptedException>(() => reader.ReadFrame(TimeSpan.FromSeconds(5)));
            Assert.Contains(named, first.Message, StringComparison.Ordinal);
            Assert.Equal(ZeroBufferErrorKind.BufferCorrupted, first.Kind);
            Assert.Throws<BufferCorruptedException>(() => reader.ReadFrame(TimeSpan.FromSeconds(5)));
            Assert.Equal(0UL, reader.GetStatus().ReadCount);
        }

        OsResources.AssertNone(name);
    }

    /// <summary>
    /// A frame leaving 100 bytes at the end, then a 200-byte frame: a wrap marker at the write
    /// position, free bytes drop by the wasted 100 too, the frame lands at 0, and the reader
    /// skips the marker and gets the wasted bytes back when it passes it.
    /// </summary>
    [Fact]
    public void Feature_5_5_WrapAroundWithWastedSpace()
    {
        string name = TestNames.Unique("f5-5");
        using (var reader = new Reader(name, new BufferConfig(0, 10240)))
        using (var writer = new Writer(name))
        using (RawSegment raw = RawSegment.Open(name))
        {
            writer.WriteFrame(Pattern(10124, 1)); // 10140 bytes: 100 left at the end
            ReadPattern(reader, 1, 10124, 1).Dispose();
            raw.Fill(RingAt + 10140, 100, 0xEE); // so the marker's zeros show

            writer.WriteFrame(Pattern(200, 77));
            BufferStatus written = reader.GetStatus();
            Assert.Equal(10240UL - 100 - 216, written.PayloadFreeBytes);
            Assert.Equal(216UL, written.WritePosition);
            Assert.Equal(3UL, written.WrittenCount); // frame, marker, frame
            Assert.Equal(new byte[16], raw.Read(RingAt + 10140, 16)); // marker {length 0, sequence 0}
            Assert.All(raw.Read(RingAt + 10156, 84), b => Assert.Equal(0xEE, b)); // rest of the tail untouched
            Assert.Equal(200UL, raw.ReadUInt64(RingAt + 0));
            Assert.Equal(2UL, raw.ReadUInt64(RingAt + 8));

            Frame frame = ReadPattern(reader, 2, 200, 77);
            BufferStatus read = reader.GetStatus();
            Assert.Equal(3UL, read.ReadCount);
            Assert.Equal(216UL, read.ReadPosition);
            Assert.Equal(10240UL - 216, read.PayloadFreeBytes); // wasted bytes returned on passing the marker
            frame.Dispose();
            Assert.Equal(10240UL, reader.GetStatus().PayloadFreeBytes);
        }

        OsResources.AssertNone(name);
    }

    /// <summary>
    /// Upstream's "continuous free space" table becomes our placement rule (protocol-v1 §3.1):
    /// from a given write position, a frame goes in place, wraps behind a marker, wraps behind a
    /// short tail, or is too large. Each row drives a real 10 KiB ring to the write position,
    /// writes, and checks the outcome in the OIEB.
    /// </summary>
    [Theory]
    [InlineData(0, 1000, "in-place", 0)]
    [InlineData(0, 10240, "in-place", 0)] // the whole ring
    [InlineData(0, 10230, "in-place", 0)] // a 10-byte tail at position 0 cannot be avoided
    [InlineData(5000, 1000, "in-place", 0)]
    [InlineData(5000, 5240, "in-place", 0)] // exactly to the end
    [InlineData(5000, 5224, "in-place", 0)] // leaves 16 bytes: room for a marker later
    [InlineData(5000, 5230, "in-place", 0)] // leaves 10, but wrapping needs 5240 + 5230 > 10240
    [InlineData(5000, 5241, "too-large", 0)] // wrap needs 5240 + 5241 > 10240: never fits here
    [InlineData(9000, 2000, "marker", 1240)] // does not fit before the end
    [InlineData(9000, 1235, "marker", 1240)] // would leave 5 bytes: wrap instead
    [InlineData(10230, 100, "implicit", 10)] // 10 bytes to the end: no room for a marker
    [InlineData(10224, 100, "marker", 16)] // 16 bytes to the end: a marker fits
    public void Feature_5_6_ContinuousFreeSpaceCalculation(int writePos, int total, string outcome, int tail)
    {
        const int p = 10240;
        string name = TestNames.Unique("f5-6");
        using (var reader = new Reader(name, new BufferConfig(0, p)))
        using (var writer = new Writer(name))
        {
            if (writePos > 0)
            {
                writer.WriteFrame(new byte[writePos - 16]);
                reader.ReadFrame(TimeSpan.FromSeconds(5)).Dispose();
            }

            BufferStatus before = reader.GetStatus();
            Assert.Equal((ulong)writePos, before.WritePosition);
            Assert.Equal((ulong)p, before.PayloadFreeBytes);

            byte[] frame = Pattern(total - 16, 5);
            if (outcome == "too-large")
            {
                Assert.Throws<FrameTooLargeException>(() => writer.TryWriteFrame(frame, TimeSpan.Zero));
                Assert.Equal(before.WrittenCount, reader.GetStatus().WrittenCount);
                return;
            }

            Assert.True(writer.TryWriteFrame(frame, TimeSpan.Zero));
            BufferStatus after = reader.GetStatus();
            int framePos = outcome == "in-place" ? writePos : 0;
            Assert.Equal((ulong)((framePos + total) % p), after.WritePosition);
            Assert.Equal((ulong)(p - tail - total), after.PayloadFreeBytes);
            Assert.Equal(before.WrittenCount + (outcome == "marker" ? 2UL : 1UL), after.WrittenCount);

            ReadPattern(reader, writePos > 0 ? 2UL : 1UL, total - 16, 5).Dispose();
            Assert.Equal((ulong)p, reader.GetStatus().PayloadFreeBytes);
        }

        OsResources.AssertNone(name);
    }

    /// <summary>A 100 MiB ring takes a frame of exactly P − 16 bytes; one byte more is rejected at once.</summary>
    [Fact]
    public void Feature_5_7_MaximumFrameSize()
    {
        const int p = 104857600;
        const int largest = p - 16;
        string name = TestNames.Unique("f5-7");
        using (var reader = new Reader(name, new BufferConfig(0, p)))
        using (var writer = new Writer(name) { WriteTimeout = Timeout.InfiniteTimeSpan })
        {
            Assert.Throws<FrameTooLargeException>(() => writer.GetFrameBuffer(largest + 1));
            Assert.Throws<FrameTooLargeException>(() => writer.GetFrameBuffer(p));

            // Zero-copy, so the test holds no 100 MiB array: a 251-byte pattern (prime, so it
            // never lines up with power-of-two offsets) copied over the whole frame.
            byte[] block = Pattern(251, 9);
            Span<byte> target = writer.GetFrameBuffer(largest, out ulong sequence);
            for (int at = 0; at < largest; at += block.Length)
            {
                block.AsSpan(0, Math.Min(block.Length, largest - at)).CopyTo(target[at..]);
            }

            writer.CommitFrame();
            BufferStatus full = reader.GetStatus();
            Assert.Equal(0UL, full.PayloadFreeBytes);
            Assert.Equal(0UL, full.WritePosition);

            using (Frame frame = reader.ReadFrame(TimeSpan.FromSeconds(5)))
            {
                Assert.Equal(sequence, frame.Sequence);
                Assert.Equal(largest, frame.Size);
                ReadOnlySpan<byte> data = frame.Span;
                for (int at = 0; at < largest; at += block.Length)
                {
                    int n = Math.Min(block.Length, largest - at);
                    if (!data.Slice(at, n).SequenceEqual(block.AsSpan(0, n)))
                    {
                        Assert.Fail($"mismatch in bytes {at}..{at + n}");
                    }
                }
            }

            Assert.Equal((ulong)p, reader.GetStatus().PayloadFreeBytes);
            Assert.Throws<FrameTooLargeException>(() => writer.GetFrameBuffer(largest + 1));
        }

        OsResources.AssertNone(name);
    }
}
