using System.Buffers.Binary;
using ZeroBuffer.Tests.Infrastructure;
using static ZeroBuffer.Tests.Features.ScenarioData;

namespace ZeroBuffer.Tests.Features;

/// <summary>Upstream feature 4, "Edge Cases and Boundary Conditions", under protocol-v1's rules.</summary>
public sealed class EdgeCaseScenarios
{
    private static readonly TimeSpan Liveness = TimeSpan.FromSeconds(5);

    /// <summary>90 % frame, 1-byte frame, 90 % frame again: the third waits for the first to be released, then wraps. No deadlock.</summary>
    [Fact]
    public async Task Feature_4_1_AlternatingFrameSizes()
    {
        string name = TestNames.Unique("f4-1");
        using (var reader = new Reader(name, new BufferConfig(0, 10240)))
        using (var writer = new Writer(name) { WriteTimeout = Liveness })
        {
            writer.WriteFrame(Pattern(9200, 1));
            writer.WriteFrame(Pattern(1, 2));

            // 1007 bytes to the end and free; the big frame needs a wrap: 1007 + 9216 = 10223 <= 10240.
            Assert.Equal(10240UL - 9216 - 17, reader.GetStatus().PayloadFreeBytes);
            Assert.False(writer.TryWriteFrame(Pattern(9200, 3), TimeSpan.Zero));

            Task blocked = OnOwnThread(() => writer.WriteFrame(Pattern(9200, 3)));
            ReadPattern(reader, 1, 9200, 1).Dispose(); // returns 9216: exactly enough
            await blocked.WaitAsync(Liveness);

            ReadPattern(reader, 2, 1, 2).Dispose();
            ReadPattern(reader, 3, 9200, 3).Dispose();
            BufferStatus status = reader.GetStatus();
            Assert.Equal(4UL, status.WrittenCount); // three frames and one wrap marker
            Assert.Equal(10240UL, status.PayloadFreeBytes);
        }

        OsResources.AssertNone(name);
    }

    /// <summary>
    /// Ten frames written before the reader looks: one token each (no coalescing), exactly ten
    /// frames read. The blocking strategy takes one token per frame (the protocol's algorithm);
    /// polling strategies are covered by WaitStrategyTests.
    /// </summary>
    [Fact]
    public void Feature_4_2_SemaphoreSignalCoalescing()
    {
        string name = TestNames.Unique("f4-2");
        using (var reader = new Reader(name, new BufferConfig(1024, 10240)) { WaitStrategy = WaitStrategy.Blocking })
        using (var writer = new Writer(name))
        {
            for (int i = 0; i < 10; i++)
            {
                writer.WriteFrame(Pattern(32, i));
            }

            Assert.Equal(10, RawSegment.SemaphoreValue("/sem-w-" + name));
            for (int i = 0; i < 10; i++)
            {
                ReadPattern(reader, (ulong)i + 1, 32, i).Dispose();
            }

            Assert.Equal(0, RawSegment.SemaphoreValue("/sem-w-" + name));
            Assert.False(reader.ReadFrame(TimeSpan.FromMilliseconds(50)).IsValid);
        }

        OsResources.AssertNone(name);
    }

    /// <summary>Metadata size 0: any metadata is rejected, frames work, the reader sees empty metadata and the ring at 128.</summary>
    [Fact]
    public void Feature_4_3_ZeroSizedMetadataBlock()
    {
        string name = TestNames.Unique("f4-3");
        using (var reader = new Reader(name, new BufferConfig(0, 10240)))
        using (var writer = new Writer(name))
        using (RawSegment raw = RawSegment.Open(name))
        {
            Assert.Equal(0UL, reader.GetStatus().MetadataSize);
            Assert.Equal(0, writer.MetadataBlockSize);
            Assert.Equal(128 + 10240, raw.Length);

            var tooLarge = Assert.Throws<ArgumentOutOfRangeException>(() => writer.SetMetadata(new byte[100]));
            Assert.Contains("100", tooLarge.Message, StringComparison.Ordinal);
            Assert.Throws<ArgumentOutOfRangeException>(() => writer.SetMetadata([])); // even the 8-byte prefix does not fit
            Assert.Equal(0UL, reader.GetStatus().MetadataWrittenBytes);

            writer.WriteFrame(Pattern(64, 7));
            Assert.Equal(64UL, raw.ReadUInt64(128)); // the first frame header right after the OIEB
            Assert.Equal(1UL, raw.ReadUInt64(136));
            ReadPattern(reader, 1, 64, 7).Dispose();
            Assert.Equal(0, reader.GetMetadata().Length);
        }

        OsResources.AssertNone(name);
    }

    /// <summary>A 64-byte ring: 1-byte frames work, 49 bytes (16 + 49 &gt; 64) is too large, frames with 16 + n &lt;= 32 fit anywhere.</summary>
    [Fact]
    public void Feature_4_4_MinimumBufferSizes()
    {
        string name = TestNames.Unique("f4-4");
        using (var reader = new Reader(name, new BufferConfig(0, 64)))
        using (var writer = new Writer(name) { WriteTimeout = Timeout.InfiniteTimeSpan })
        {
            writer.WriteFrame(Pattern(1, 1));
            ReadPattern(reader, 1, 1, 1).Dispose();

            // Rejected at once (an infinite write timeout would hang if it waited).
            Assert.Throws<FrameTooLargeException>(() => writer.WriteFrame(new byte[49]));
            // 48 bytes fill the whole ring, which only works from position 0; we are at 17.
            var notHere = Assert.Throws<FrameTooLargeException>(() => writer.WriteFrame(new byte[48]));
            Assert.Contains("always fit", notHere.Message, StringComparison.Ordinal);
            Assert.Equal(8, writer.MaxFrameSizeAnywhere); // P/2 − 24: placeable anywhere and never a 1-15 byte tail

            // 16-byte frames (total 32 = P/2) fit from every position: 17 → 49 → (implicit wrap) 32 → 0 → 32 → 0.
            for (int i = 0; i < 5; i++)
            {
                writer.WriteFrame(Pattern(16, 10 + i));
                ReadPattern(reader, (ulong)i + 2, 16, 10 + i).Dispose();
            }

            Assert.Equal(0UL, reader.GetStatus().WritePosition);
            writer.WriteFrame(Pattern(48, 20)); // the exact fill, from position 0
            ReadPattern(reader, 7, 48, 20).Dispose();
            Assert.Equal(64UL, reader.GetStatus().PayloadFreeBytes);
        }

        OsResources.AssertNone(name);
    }

    /// <summary>
    /// A 1 KiB ring, 100-byte frames, a reader that takes 5 ms per frame: the writer fills the
    /// ring (8 frames), blocks, and continues as the reader frees space; no frame is lost.
    /// </summary>
    [Fact]
    public async Task Feature_4_5_ReaderSlowerThanWriter()
    {
        const int frames = 40;
        string name = TestNames.Unique("f4-5");
        using (var reader = new Reader(name, new BufferConfig(0, 1024)))
        using (var writer = new Writer(name) { WriteTimeout = TimeSpan.FromSeconds(10) })
        {
            var firstBlock = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            Task<int> writing = OnOwnThread(() =>
            {
                int blocked = 0;
                byte[] data = new byte[100];
                for (int i = 0; i < frames; i++)
                {
                    BinaryPrimitives.WriteInt32LittleEndian(data, i);
                    if (!writer.TryWriteFrame(data, TimeSpan.Zero))
                    {
                        blocked++;
                        firstBlock.TrySetResult(i);
                        writer.WriteFrame(data);
                    }
                }

                firstBlock.TrySetResult(-1);
                return blocked;
            });

            // 8 × 116 = 928 bytes; the 9th frame needs 96 + 116 with 96 free.
            Assert.Equal(8, await firstBlock.Task.WaitAsync(Liveness));
            for (int i = 0; i < frames; i++)
            {
                Thread.Sleep(5); // the slow reader: this delay is the scenario
                using Frame frame = reader.ReadFrame(Liveness);
                Assert.True(frame.IsValid, $"frame {i} missing");
                Assert.Equal((ulong)i + 1, frame.Sequence);
                Assert.Equal(i, BinaryPrimitives.ReadInt32LittleEndian(frame.Span));
            }

            Assert.True(await writing.WaitAsync(Liveness) >= 1);
            Assert.Equal(1024UL, reader.GetStatus().PayloadFreeBytes);
        }

        OsResources.AssertNone(name);
    }

    /// <summary>A frame of exactly P − 16 fills the ring: nothing else fits until it is released.</summary>
    [Fact]
    public void Feature_4_6_ExactBufferFit()
    {
        string name = TestNames.Unique("f4-6");
        using (var reader = new Reader(name, new BufferConfig(0, 10240)))
        using (var writer = new Writer(name) { WriteTimeout = TimeSpan.FromMilliseconds(200) })
        {
            writer.WriteFrame(Pattern(10224, 3));
            BufferStatus full = reader.GetStatus();
            Assert.Equal(0UL, full.PayloadFreeBytes);
            Assert.Equal(0UL, full.WritePosition); // ended exactly at the end of the ring
            Assert.Equal(1UL, full.WrittenCount);

            Assert.False(writer.TryWriteFrame([1], TimeSpan.Zero));
            Assert.Throws<BufferFullException>(() => writer.WriteFrame([1]));

            Frame frame = ReadPattern(reader, 1, 10224, 3);
            Assert.False(writer.TryWriteFrame([1], TimeSpan.Zero)); // still held
            frame.Dispose();
            Assert.Equal(10240UL, reader.GetStatus().PayloadFreeBytes);

            writer.WriteFrame([42]);
            using Frame next = reader.ReadFrame(Liveness);
            Assert.Equal(2UL, next.Sequence);
            Assert.Equal(42, next.Span[0]);
        }

        OsResources.AssertNone(name);
    }

    /// <summary>A 0-byte frame is rejected on every write path and takes no sequence number; a 1-byte frame costs 17 bytes.</summary>
    [Fact]
    public void Feature_4_7_MinimumFrameSize()
    {
        string name = TestNames.Unique("f4-7");
        using (var reader = new Reader(name, new BufferConfig(0, 10240)))
        using (var writer = new Writer(name))
        {
            Assert.Throws<InvalidFrameSizeException>(() => writer.WriteFrame([]));
            Assert.Throws<InvalidFrameSizeException>(() => writer.TryWriteFrame([], TimeSpan.Zero));
            Assert.Throws<InvalidFrameSizeException>(() => writer.GetFrameBuffer(0));
            var negative = Assert.Throws<InvalidFrameSizeException>(() => writer.GetFrameBuffer(-1));
            Assert.Equal(ZeroBufferErrorKind.InvalidFrameSize, negative.Kind);

            BufferStatus untouched = reader.GetStatus();
            Assert.Equal(0UL, untouched.WrittenCount);
            Assert.Equal(10240UL, untouched.PayloadFreeBytes);
            Assert.Equal(1UL, writer.NextSequence);
            Assert.Equal(0, RawSegment.SemaphoreValue("/sem-w-" + name));

            writer.WriteFrame([0xAB]);
            Assert.Equal(10240UL - 17, reader.GetStatus().PayloadFreeBytes); // 16-byte header + 1
            using Frame frame = reader.ReadFrame(Liveness);
            Assert.Equal(1UL, frame.Sequence);
            Assert.Equal(1, frame.Size);
            Assert.Equal(0xAB, frame.Span[0]);
        }

        OsResources.AssertNone(name);
    }

    /// <summary>
    /// 6 KiB then 7 KiB in a 10 KiB ring: the 7 KiB frame needs a wrap that can never fit
    /// (4080 + 7184 &gt; 10240), so it is rejected at once instead of waiting. A frame that fits
    /// after a wrap (4 KiB) waits while the first frame is held, then lands at offset 0.
    /// </summary>
    [Fact]
    public async Task Feature_4_8_WrapAroundBehavior()
    {
        string name = TestNames.Unique("f4-8");
        using (var reader = new Reader(name, new BufferConfig(0, 10240)))
        using (var writer = new Writer(name) { WriteTimeout = Liveness })
        using (RawSegment raw = RawSegment.Open(name))
        {
            writer.WriteFrame(Pattern(6144, 1));
            Frame first = ReadPattern(reader, 1, 6144, 1);

            var impossible = Assert.Throws<FrameTooLargeException>(() => writer.WriteFrame(new byte[7168]));
            Assert.Contains("5096", impossible.Message, StringComparison.Ordinal); // 10240 / 2 − 24 always fit
            Assert.Equal(5096, writer.MaxFrameSizeAnywhere);
            Assert.Equal(1UL, reader.GetStatus().WrittenCount);

            // 4096 + 16 > 4080 to the end: wrap, needing 4080 + 4112 with 4080 free.
            Assert.False(writer.TryWriteFrame(Pattern(4096, 2), TimeSpan.Zero));
            Task waiting = OnOwnThread(() => writer.WriteFrame(Pattern(4096, 2)));
            first.Dispose();
            await waiting.WaitAsync(Liveness);

            BufferStatus status = reader.GetStatus();
            Assert.Equal(3UL, status.WrittenCount); // frame, marker, frame
            Assert.Equal(4112UL, status.WritePosition);
            Assert.Equal(10240UL - 4080 - 4112, status.PayloadFreeBytes);
            Assert.Equal(new byte[16], raw.Read(128 + 6160, 16)); // the marker {0, 0}
            Assert.Equal(4096UL, raw.ReadUInt64(128 + 0)); // the frame at the start of the ring
            Assert.Equal(2UL, raw.ReadUInt64(128 + 8));

            using Frame second = ReadPattern(reader, 2, 4096, 2);
            Assert.Equal(10240UL - 4112, reader.GetStatus().PayloadFreeBytes); // the tail came back
        }

        OsResources.AssertNone(name);
    }

    /// <summary>10 000 frames of 1 KiB through a 10 KiB ring, read and released at once by another thread.</summary>
    [Fact]
    public async Task Feature_4_9_RapidWriteReadCycles()
    {
        const int frames = 10_000;
        string name = TestNames.Unique("f4-9");
        using (var reader = new Reader(name, new BufferConfig(0, 10240)))
        using (var writer = new Writer(name) { WriteTimeout = Liveness })
        {
            Task writing = OnOwnThread(() =>
            {
                byte[] data = new byte[1024];
                for (int i = 0; i < frames; i++)
                {
                    BinaryPrimitives.WriteInt32LittleEndian(data, i);
                    data[^1] = (byte)i;
                    writer.WriteFrame(data);
                }
            });

            for (int i = 0; i < frames; i++)
            {
                using Frame frame = reader.ReadFrame(Liveness);
                Assert.True(frame.IsValid, $"frame {i} missing");
                Assert.Equal((ulong)i + 1, frame.Sequence);
                Assert.Equal(i, BinaryPrimitives.ReadInt32LittleEndian(frame.Span));
                Assert.Equal((byte)i, frame.Span[^1]);
            }

            await writing.WaitAsync(Liveness);
            Assert.Equal((ulong)frames, writer.FramesWritten);
            Assert.Equal(10240UL, reader.GetStatus().PayloadFreeBytes);
        }

        OsResources.AssertNone(name);
    }

    /// <summary>
    /// At 80 % a second writer is refused and the first keeps its claim (its PID untouched);
    /// filling on to 100 % makes the first writer wait; one read lets it continue.
    /// </summary>
    [Fact]
    public void Feature_4_10_BufferFullWithMultipleWritersRejected()
    {
        string name = TestNames.Unique("f4-10");
        using (var reader = new Reader(name, new BufferConfig(0, 10240)))
        using (var writer = new Writer(name) { WriteTimeout = TimeSpan.FromMilliseconds(200) })
        {
            int written = 0;
            while (reader.GetStatus().Utilization < 0.8)
            {
                writer.WriteFrame(Pattern(1024, written++));
            }

            Assert.Equal(8, written);
            var rejected = Assert.Throws<WriterAlreadyConnectedException>(() => new Writer(name));
            Assert.Equal(ZeroBufferErrorKind.WriterAlreadyConnected, rejected.Kind);
            Assert.Equal((ulong)Environment.ProcessId, reader.GetStatus().WriterPid);
            Assert.True(reader.IsWriterConnected());

            while (writer.TryWriteFrame(Pattern(1024, written), TimeSpan.Zero))
            {
                written++;
            }

            Assert.Equal(9, written); // 9 × 1040 = 9360; the 10th needs a wrap: 880 + 1040 > 880 free
            Assert.Throws<BufferFullException>(() => writer.WriteFrame(Pattern(1024, 9)));

            ReadPattern(reader, 1, 1024, 0).Dispose();
            writer.WriteFrame(Pattern(1024, 9)); // the wrap now fits: 880 + 1040 <= 1920
            for (int i = 1; i < 10; i++)
            {
                ReadPattern(reader, (ulong)i + 1, 1024, i).Dispose();
            }

            Assert.Equal((ulong)Environment.ProcessId, reader.GetStatus().WriterPid);
        }

        OsResources.AssertNone(name);
    }
}
