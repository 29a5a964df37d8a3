using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests;

/// <summary>
/// The upstream TEST_SCENARIOS.md cases. This part holds the in-process ones; the cross-process
/// ones (1.1, 2.1, 2.2) are in ScenarioTests.CrossProcess.cs.
/// </summary>
public sealed partial class ScenarioTests
{
    private static readonly TimeSpan InProcessReadTimeout = TimeSpan.FromSeconds(1);

    [Fact]
    public void Test_1_2_MultipleFramesSequential()
    {
        string name = TestNames.Unique("scenario-1-2");
        using (var reader = new Reader(name, new BufferConfig(1024, 256 * 1024)))
        using (var writer = new Writer(name))
        {
            Span<byte> value = stackalloc byte[sizeof(int)];
            for (int i = 0; i < 100; i++)
            {
                BinaryPrimitives.WriteInt32LittleEndian(value, i);
                writer.WriteFrame(value);
            }

            Assert.Equal(101UL, writer.NextSequence);
            for (int i = 0; i < 100; i++)
            {
                using Frame frame = reader.ReadFrame(InProcessReadTimeout);
                Assert.True(frame.IsValid);
                Assert.Equal((ulong)i + 1, frame.Sequence);
                Assert.Equal(i, BinaryPrimitives.ReadInt32LittleEndian(frame.Span));
            }

            Assert.False(reader.TryReadFrame(TimeSpan.Zero, out _));
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public void Test_1_3_BufferFullHandling()
    {
        string name = TestNames.Unique("scenario-1-3");
        const int FrameSize = 1024;
        using (var reader = new Reader(name, new BufferConfig(256, 4096)))
        using (var writer = new Writer(name) { WriteTimeout = TimeSpan.FromMilliseconds(200) })
        {
            int written = 0;
            BufferFullException? full = null;
            var waited = Stopwatch.StartNew();
            while (written < 10)
            {
                try
                {
                    waited.Restart();
                    writer.WriteFrame(InProcessPattern(written + 1, FrameSize));
                    written++;
                }
                catch (BufferFullException e)
                {
                    full = e;
                    break;
                }
            }

            waited.Stop();
            Assert.NotNull(full);
            Assert.Equal(ZeroBufferErrorKind.BufferFull, full.Kind);
            // 4096 / (16 + 1024) = 3 frames fit; the 4th waits out WriteTimeout (the reader is alive).
            Assert.Equal(3, written);
            Assert.True(waited.Elapsed >= TimeSpan.FromMilliseconds(200), $"BufferFullException after {waited.Elapsed}, before WriteTimeout");
            Assert.Equal(4UL, writer.NextSequence); // the failed write took no sequence number

            // One read (and release) frees room for exactly one more frame.
            using (Frame frame = reader.ReadFrame(InProcessReadTimeout))
            {
                Assert.True(frame.IsValid);
                Assert.Equal(1UL, frame.Sequence);
            }

            writer.WriteFrame(InProcessPattern(4, FrameSize));
            Assert.False(writer.TryWriteFrame(InProcessPattern(5, FrameSize), TimeSpan.Zero));

            for (ulong sequence = 2; sequence <= 4; sequence++)
            {
                using Frame frame = reader.ReadFrame(InProcessReadTimeout);
                Assert.True(frame.IsValid);
                Assert.Equal(sequence, frame.Sequence);
                Assert.Equal(InProcessPattern((int)sequence, FrameSize), frame.ToArray());
            }

            Assert.Equal(4096UL, reader.GetStatus().PayloadFreeBytes);
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public void Test_4_1_MetadataWriteOnce()
    {
        string name = TestNames.Unique("scenario-4-1");
        byte[] original = Encoding.UTF8.GetBytes("Camera Config v1.0");
        using (var reader = new Reader(name, new BufferConfig(1024, 64 * 1024)))
        {
            using (var writer = new Writer(name))
            {
                writer.SetMetadata(original);

                Assert.Throws<MetadataAlreadyWrittenException>(() => writer.SetMetadata("Camera Config v2.0"u8));
                Assert.Throws<MetadataAlreadyWrittenException>(() => writer.GetMetadataBuffer(4));
                Assert.Equal(original, reader.GetMetadata().ToArray());
            }

            // Write-once per buffer, not per writer: a later writer cannot replace it either.
            using (var second = new Writer(name))
            {
                MetadataAlreadyWrittenException error = Assert.Throws<MetadataAlreadyWrittenException>(() => second.SetMetadata("other"u8));
                Assert.Equal(ZeroBufferErrorKind.MetadataAlreadyWritten, error.Kind);
            }

            Assert.Equal(original, reader.GetMetadata().ToArray());
            Assert.Equal(8UL + (ulong)original.Length, reader.GetStatus().MetadataWrittenBytes);
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public void Test_4_2_MetadataSizeValidation()
    {
        string name = TestNames.Unique("scenario-4-2");
        using (var reader = new Reader(name, new BufferConfig(256, 64 * 1024)))
        using (var writer = new Writer(name))
        {
            // M = 256 holds the 8-byte length prefix plus at most 248 content bytes.
            Assert.Throws<ArgumentOutOfRangeException>(() => writer.SetMetadata(new byte[512]));
            Assert.Throws<ArgumentOutOfRangeException>(() => writer.SetMetadata(new byte[249]));
            Assert.True(reader.GetMetadata().IsEmpty);
            Assert.Equal(0UL, reader.GetStatus().MetadataWrittenBytes);

            byte[] fitting = InProcessPattern(7, 248);
            writer.SetMetadata(fitting);

            Assert.Equal(fitting, reader.GetMetadata().ToArray());
            Assert.Equal(256UL, reader.GetStatus().MetadataWrittenBytes);
            Assert.Equal(0UL, reader.GetStatus().MetadataFreeBytes);
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public void Test_5_3_WrapAroundBehavior()
    {
        string name = TestNames.Unique("scenario-5-3");
        const int FrameSize = 1024;
        using (var reader = new Reader(name, new BufferConfig(512, 8192)))
        using (var writer = new Writer(name))
        {
            int wraps = 0;
            ulong previousPosition = 0;
            for (int i = 0; i < 50; i++)
            {
                byte[] data = InProcessPattern(i, FrameSize);
                data[0] = (byte)i;
                writer.WriteFrame(data);

                ulong position = writer.GetStatus().WritePosition;
                if (position < previousPosition)
                {
                    wraps++;
                }

                previousPosition = position;

                using Frame frame = reader.ReadFrame(InProcessReadTimeout);
                Assert.True(frame.IsValid);
                Assert.Equal((ulong)i + 1, frame.Sequence);
                Assert.Equal(FrameSize, frame.Size);
                Assert.Equal((byte)i, frame.Span[0]);
                Assert.Equal(data, frame.ToArray());
            }

            // 7 frames of 1040 bytes fit before the end of the 8192-byte ring: the 8th of every 7 wraps.
            Assert.Equal(7, wraps);
            BufferStatus status = reader.GetStatus();
            Assert.Equal(50UL + (ulong)wraps, status.WrittenCount); // every wrap left an explicit marker (tail 912 >= 16)
            Assert.Equal(status.WrittenCount, status.ReadCount);
            Assert.Equal(8192UL, status.PayloadFreeBytes);
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public void Test_6_1_RapidWriteReadCycles()
    {
        string name = TestNames.Unique("scenario-6-1");
        using (var reader = new Reader(name, new BufferConfig(1024, 64 * 1024)))
        using (var writer = new Writer(name))
        {
            Span<byte> value = stackalloc byte[sizeof(int)];
            for (int i = 0; i < 1000; i++)
            {
                BinaryPrimitives.WriteInt32LittleEndian(value, i);
                writer.WriteFrame(value);

                using Frame frame = reader.ReadFrame(InProcessReadTimeout);
                Assert.True(frame.IsValid);
                Assert.Equal((ulong)i + 1, frame.Sequence);
                Assert.Equal(i, BinaryPrimitives.ReadInt32LittleEndian(frame.Span));
            }

            Assert.Equal(64UL * 1024, reader.GetStatus().PayloadFreeBytes);
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public void Test_7_1_PatternValidation()
    {
        string name = TestNames.Unique("scenario-7-1");
        const int FrameCount = 100;
        const int FrameSize = 1024;
        using (var reader = new Reader(name, new BufferConfig(1024, 256 * 1024)))
        using (var writer = new Writer(name))
        {
            var hashes = new byte[FrameCount][];
            var data = new byte[FrameSize];
            for (int frame = 0; frame < FrameCount; frame++)
            {
                for (int offset = 0; offset < FrameSize; offset++)
                {
                    data[offset] = (byte)((frame * 7 + offset * 13) % 256);
                }

                hashes[frame] = SHA256.HashData(data);
                writer.WriteFrame(data);
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < FrameCount; i++)
            {
                using Frame frame = reader.ReadFrame(InProcessReadTimeout);
                Assert.True(frame.IsValid);
                Assert.Equal((ulong)i + 1, frame.Sequence);
                Assert.Equal(FrameSize, frame.Size);
                ReadOnlySpan<byte> span = frame.Span;
                Assert.Equal((byte)(i * 7 % 256), span[0]);
                Assert.Equal((byte)((i * 7 + 512 * 13) % 256), span[512]);
                Assert.Equal((byte)((i * 7 + 1023 * 13) % 256), span[1023]);

                byte[] hash = SHA256.HashData(span);
                Assert.Equal(hashes[i], hash);
                Assert.True(seen.Add(Convert.ToHexString(hash)));
            }

            Assert.Equal(FrameCount, seen.Count);
        }

        OsResources.AssertNone(name);
    }

    /// <summary>Deterministic content keyed by <paramref name="key"/>, so each frame differs.</summary>
    private static byte[] InProcessPattern(int key, int size)
    {
        var data = new byte[size];
        for (int i = 0; i < size; i++)
        {
            data[i] = (byte)((key * 31) + i);
        }

        return data;
    }
}
