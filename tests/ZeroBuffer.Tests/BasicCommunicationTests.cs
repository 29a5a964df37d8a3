using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests;

/// <summary>
/// The basic-communication feature (upstream Gherkin scenarios 1.1–1.7 and the gap analysis's
/// "feature" tests), in one process: reader in the test thread, writer in the test thread or a task.
/// </summary>
public sealed class BasicCommunicationTests
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(5);

    [Fact]
    public void WriterConnectsToExistingReader()
    {
        string name = TestNames.Unique("bc-connect");
        using (var reader = new Reader(name, new BufferConfig(1024, 10240)))
        {
            Assert.False(reader.IsWriterConnected());

            using (var writer = new Writer(name))
            {
                Assert.True(reader.IsWriterConnected());
                Assert.True(writer.IsReaderConnected());

                // The writer takes the sizes from the control block, not from any config of its own.
                Assert.Equal(1024, writer.MetadataBlockSize);
                Assert.Equal(10240, writer.RingSize);

                ulong self = (ulong)Environment.ProcessId;
                Assert.Equal(self, reader.GetStatus().WriterPid);
                Assert.Equal(self, writer.GetStatus().ReaderPid);
            }

            Assert.False(reader.IsWriterConnected());
            Assert.Equal(0UL, reader.GetStatus().WriterPid);
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public void ReaderAndWriterExchangeFrames()
    {
        string name = TestNames.Unique("bc-exchange");
        byte[] payload = Encoding.UTF8.GetBytes("Hello, ZeroBuffer!");
        using (var reader = new Reader(name, new BufferConfig(1024, 10240)))
        using (var writer = new Writer(name))
        {
            writer.WriteFrame(payload);

            using Frame frame = reader.ReadFrame(ReadTimeout);
            Assert.True(frame.IsValid);
            Assert.Equal(1UL, frame.Sequence);
            Assert.Equal(payload.Length, frame.Size);
            Assert.Equal(payload, frame.ToArray());
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public void FrameSequenceNumbersAreValidated()
    {
        string name = TestNames.Unique("bc-sequence");
        using (var reader = new Reader(name, new BufferConfig(1024, 10240)))
        using (var writer = new Writer(name))
        {
            for (int i = 1; i <= 3; i++)
            {
                writer.WriteFrame(Pattern(i, 64));
            }

            using (Frame first = reader.ReadFrame(ReadTimeout))
            {
                Assert.Equal(1UL, first.Sequence);
            }

            // Frame 2's header sits at the read position; corrupt its sequence field in the ring.
            BufferStatus status = reader.GetStatus();
            long header = (long)status.ReadPosition;
            Assert.Equal(64UL, SegmentBytes.ReadUInt64(name, SegmentBytes.FrameLengthOffset(status, header)));
            Assert.Equal(2UL, SegmentBytes.ReadUInt64(name, SegmentBytes.FrameSequenceOffset(status, header)));
            SegmentBytes.WriteUInt64(name, SegmentBytes.FrameSequenceOffset(status, header), 99);

            SequenceError error = Assert.Throws<SequenceError>(() => reader.ReadFrame(ReadTimeout));
            Assert.Equal(2UL, error.Expected);
            Assert.Equal(99UL, error.Actual);
            Assert.Equal(ZeroBufferErrorKind.SequenceError, error.Kind);
            Assert.Equal(name, error.BufferName);

            // As documented: the frame was not consumed, and its successors are expected from now on.
            Assert.Equal(status.ReadCount, reader.GetStatus().ReadCount);
            using (Frame kept = reader.ReadFrame(ReadTimeout))
            {
                Assert.Equal(99UL, kept.Sequence);
                Assert.Equal(Pattern(2, 64), kept.ToArray());
            }

            SequenceError next = Assert.Throws<SequenceError>(() => reader.ReadFrame(ReadTimeout));
            Assert.Equal(100UL, next.Expected);
            Assert.Equal(3UL, next.Actual);
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public void MultipleFramesCanBeExchanged()
    {
        string name = TestNames.Unique("bc-multiple");
        using (var reader = new Reader(name, new BufferConfig(0, 4096)))
        using (var writer = new Writer(name))
        {
            // Batches of 1..5 frames of varying size through a small ring: it wraps many times.
            int sent = 0, received = 0;
            for (int batch = 0; sent < 500; batch++)
            {
                int count = Math.Min(1 + (batch % 5), 500 - sent);
                for (int i = 0; i < count; i++, sent++)
                {
                    writer.WriteFrame(Pattern(sent, SizeOf(sent)));
                }

                for (int i = 0; i < count; i++, received++)
                {
                    using Frame frame = reader.ReadFrame(ReadTimeout);
                    Assert.True(frame.IsValid);
                    Assert.Equal((ulong)received + 1, frame.Sequence);
                    Assert.Equal(Pattern(received, SizeOf(received)), frame.ToArray());
                }
            }

            Assert.Equal(500, received);
            Assert.False(reader.TryReadFrame(TimeSpan.Zero, out _));
            Assert.Equal(4096UL, reader.GetStatus().PayloadFreeBytes);
        }

        OsResources.AssertNone(name);

        static int SizeOf(int index) => 1 + (index * 37 % 700);
    }

    [Fact]
    public void MetadataCanBeSetAndRetrieved()
    {
        string name = TestNames.Unique("bc-metadata");
        byte[] metadata = Pattern(5, 100);
        using (var reader = new Reader(name, new BufferConfig(1024, 10240)))
        using (var writer = new Writer(name))
        {
            Assert.True(reader.GetMetadata().IsEmpty);

            writer.SetMetadata(metadata);

            Assert.Equal(metadata, reader.GetMetadata().ToArray());
            Assert.Equal(8UL + 100, reader.GetStatus().MetadataWrittenBytes);
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public void ReaderTimeoutReturnsInvalidFrame()
    {
        string name = TestNames.Unique("bc-timeout");
        TimeSpan timeout = TimeSpan.FromMilliseconds(100);
        using (var reader = new Reader(name, new BufferConfig(1024, 10240)))
        {
            // No writer yet: a timeout, not a dead writer.
            var waited = Stopwatch.StartNew();
            using (Frame none = reader.ReadFrame(timeout))
            {
                waited.Stop();
                Assert.False(none.IsValid);
                Assert.Equal(0, none.Size);
                Assert.True(none.Span.IsEmpty);
                Assert.True(waited.Elapsed >= timeout, $"returned after {waited.Elapsed}, before the timeout");
            }

            using (var silent = new Writer(name))
            {
                // A writer connected but silent: still "no frame", no exception.
                using (Frame none = reader.ReadFrame(timeout))
                {
                    Assert.False(none.IsValid);
                }

                Assert.False(reader.TryReadFrame(timeout, out Frame invalid));
                Assert.False(invalid.IsValid);
            }

            // The boundary of "no frame": a writer the reader saw connected is gone (protocol-v1 §6),
            // even though it never wrote anything. That is reported (its clean close: the end of
            // the stream), not timed out.
            Assert.Throws<WriterClosedException>(() => reader.ReadFrame(ReadTimeout));

            // The timeouts left the reader usable for the next writer.
            using var writer = new Writer(name);
            writer.WriteFrame("after"u8);
            using Frame frame = reader.ReadFrame(ReadTimeout);
            Assert.True(frame.IsValid);
            Assert.Equal(1UL, frame.Sequence);
            Assert.Equal("after"u8.ToArray(), frame.ToArray());
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public void Test_1_4_ZeroCopyWrite()
    {
        string name = TestNames.Unique("bc-zerocopy");
        const int Size = 4096;
        using (var reader = new Reader(name, new BufferConfig(1024, 102400)))
        using (var writer = new Writer(name))
        {
            for (int round = 0; round < 2; round++)
            {
                Span<byte> target = writer.GetFrameBuffer(Size, out ulong sequence);
                Assert.Equal((ulong)round + 1, sequence);
                Assert.Equal(Size, target.Length);
                for (int i = 0; i < Size; i++)
                {
                    target[i] = (byte)((i + (int)sequence) % 256);
                }

                // Nothing is visible before the commit.
                Assert.False(reader.TryReadFrame(TimeSpan.Zero, out _));
                Assert.Equal((ulong)round, reader.GetStatus().WrittenCount);

                writer.CommitFrame();

                using Frame frame = reader.ReadFrame(ReadTimeout);
                Assert.True(frame.IsValid);
                Assert.Equal(sequence, frame.Sequence);
                Assert.Equal(Size, frame.Size);
                ReadOnlySpan<byte> span = frame.Span;
                for (int i = 0; i < Size; i++)
                {
                    if (span[i] != (byte)((i + (int)sequence) % 256))
                    {
                        Assert.Fail($"frame {sequence}: byte {i} is {span[i]}, expected {(i + (int)sequence) % 256}");
                    }
                }
            }
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public void Test_1_5_MixedFrameSizes()
    {
        string name = TestNames.Unique("bc-mixed");
        int[] sizes = [100, 1024, 10240, 1];
        using (var reader = new Reader(name, new BufferConfig(1024, 102400)))
        using (var writer = new Writer(name))
        {
            foreach (int size in sizes)
            {
                var data = new byte[size];
                for (int i = 0; i < size; i++)
                {
                    data[i] = (byte)(i % 256);
                }

                writer.WriteFrame(data);
            }

            for (int f = 0; f < sizes.Length; f++)
            {
                using Frame frame = reader.ReadFrame(ReadTimeout);
                Assert.True(frame.IsValid);
                Assert.Equal((ulong)f + 1, frame.Sequence);
                Assert.Equal(sizes[f], frame.Size);
                ReadOnlySpan<byte> span = frame.Span;
                for (int i = 0; i < span.Length; i++)
                {
                    if (span[i] != (byte)(i % 256))
                    {
                        Assert.Fail($"frame {f + 1} ({sizes[f]} B): byte {i} is {span[i]}, expected {i % 256}");
                    }
                }
            }
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task Test_1_6_SlowReaderFastWriter()
    {
        string name = TestNames.Unique("bc-slow-reader");
        const int Frames = 20;
        const int Size = 1024;
        // 5 frames of 16 + 1024 bytes fill the ring (5200 → 5248): the writer outruns the reader and blocks.
        using (var reader = new Reader(name, new BufferConfig(64, 5 * (16 + Size))))
        {
            using var writer = new Writer(name);
            Task writing = Task.Run(() =>
            {
                try
                {
                    for (int i = 1; i <= Frames; i++)
                    {
                        writer.WriteFrame(Pattern(i, Size));
                    }
                }
                finally
                {
                    writer.Dispose(); // disconnect as soon as the last frame is committed
                }
            });

            try
            {
                for (int i = 1; i <= Frames; i++)
                {
                    Thread.Sleep(50); // the scenario: a slow reader (50 ms per frame)
                    using Frame frame = reader.ReadFrame(ReadTimeout);
                    Assert.True(frame.IsValid, $"no frame {i}");
                    Assert.Equal((ulong)i, frame.Sequence);
                    Assert.Equal(Pattern(i, Size), frame.ToArray());
                }

                // Exactly 20: the writer closed after its last frame, so the next read reports the end of the stream.
                Assert.Throws<WriterClosedException>(() => reader.ReadFrame(ReadTimeout));
            }
            finally
            {
                await writing.WaitAsync(TimeSpan.FromSeconds(10));
            }

            Assert.Equal(5248UL, reader.GetStatus().PayloadFreeBytes);
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task Test_1_7_SlowReaderFastWriterHighVolume()
    {
        string name = TestNames.Unique("bc-high-volume");
        const int Frames = 50_000;
        const long P = 10240;
        using (var reader = new Reader(name, new BufferConfig(64, P)))
        {
            using var writer = new Writer(name);
            Task writing = Task.Run(() =>
            {
                try
                {
                    var data = new byte[MaxSize];
                    for (int i = 1; i <= Frames; i++)
                    {
                        int size = HighVolumeSize(i);
                        FillHighVolume(data.AsSpan(0, size), i);
                        writer.WriteFrame(data.AsSpan(0, size));
                    }
                }
                finally
                {
                    writer.Dispose(); // disconnect as soon as the last frame is committed
                }
            });

            try
            {
                for (int i = 1; i <= Frames; i++)
                {
                    using Frame frame = reader.ReadFrame(ReadTimeout); // a SequenceError here fails the test
                    if (!frame.IsValid)
                    {
                        Assert.Fail($"no frame {i} within {ReadTimeout}");
                    }

                    if (frame.Sequence != (ulong)i || frame.Size != HighVolumeSize(i) || !IsHighVolumeContent(frame.Span, i))
                    {
                        Assert.Fail($"frame {i}: sequence {frame.Sequence}, size {frame.Size} (expected {HighVolumeSize(i)}), content intact: {IsHighVolumeContent(frame.Span, i)}");
                    }
                }

                Assert.Throws<WriterClosedException>(() => reader.ReadFrame(ReadTimeout));
            }
            finally
            {
                await writing.WaitAsync(TimeSpan.FromSeconds(30));
            }

            BufferStatus status = reader.GetStatus();
            Assert.Equal((ulong)P, status.PayloadFreeBytes);
            Assert.Equal(status.WrittenCount, status.ReadCount);
            Assert.True(status.WrittenCount > Frames, "no wrap marker was ever written"); // many wraps happened
        }

        OsResources.AssertNone(name);
    }

    private const int MaxSize = 2048;

    /// <summary>1..2048 bytes, varying so wraps land at every kind of tail (marker, implicit, exact end).</summary>
    private static int HighVolumeSize(int index) => 1 + (int)((uint)index * 2654435761u % MaxSize);

    private static void FillHighVolume(Span<byte> data, int index)
    {
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (byte)(index + i);
        }
    }

    private static bool IsHighVolumeContent(ReadOnlySpan<byte> data, int index)
    {
        for (int i = 0; i < data.Length; i++)
        {
            if (data[i] != (byte)(index + i))
            {
                return false;
            }
        }

        return true;
    }

    private static byte[] Pattern(int key, int size)
    {
        var data = new byte[size];
        for (int i = 0; i < size; i++)
        {
            data[i] = (byte)((key * 251) + (i * 7));
        }

        if (size >= sizeof(int))
        {
            BinaryPrimitives.WriteInt32LittleEndian(data, key);
        }

        return data;
    }
}
