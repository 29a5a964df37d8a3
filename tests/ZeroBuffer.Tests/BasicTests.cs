using System.Buffers.Binary;
using System.Text;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests;

/// <summary>The basic life of one buffer: create, metadata, frames, name reuse, reader gone.</summary>
public sealed class BasicTests
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(1);

    [Fact]
    public void CanCreateAndDestroyBuffer()
    {
        string name = TestNames.Unique("create");
        OsResources.AssertNone(name);

        using (var reader = new Reader(name, new BufferConfig(1024, 64 * 1024)))
        {
            Assert.Equal(name, reader.Name);
            Assert.False(reader.IsWriterConnected());
            Assert.True(OsResources.SegmentExists(name));
            OsResources.AssertAll(name);

            BufferStatus status = reader.GetStatus();
            Assert.Equal((ulong)Environment.ProcessId, status.ReaderPid);
            Assert.Equal(0UL, status.WriterPid);
            Assert.Equal(1024UL, status.MetadataSize);
            Assert.Equal(64UL * 1024, status.PayloadSize);
            Assert.Equal(64UL * 1024, status.PayloadFreeBytes);
        }

        Assert.False(OsResources.SegmentExists(name));
        OsResources.AssertNone(name);
    }

    [Fact]
    public void CanWriteAndReadMetadata()
    {
        string name = TestNames.Unique("metadata");
        byte[] metadata = Encoding.UTF8.GetBytes("Test metadata");
        using (var reader = new Reader(name, new BufferConfig(1024, 64 * 1024)))
        using (var writer = new Writer(name))
        {
            Assert.True(reader.GetMetadata().IsEmpty);

            writer.SetMetadata(metadata);

            // Content only: no length prefix, no padding up to the block size.
            Assert.Equal(metadata, reader.GetMetadata().ToArray());
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public void CanWriteAndReadFrames()
    {
        string name = TestNames.Unique("frames");
        using (var reader = new Reader(name, new BufferConfig(1024, 64 * 1024)))
        using (var writer = new Writer(name))
        {
            for (int i = 0; i < 10; i++)
            {
                writer.WriteFrame(Encoding.UTF8.GetBytes($"Frame {i}"));
            }

            for (int i = 0; i < 10; i++)
            {
                using Frame frame = reader.ReadFrame(ReadTimeout);
                Assert.True(frame.IsValid);
                Assert.Equal((ulong)i + 1, frame.Sequence);
                Assert.Equal($"Frame {i}", Encoding.UTF8.GetString(frame.Span));
            }
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public void CanHandleSequentialWriteRead()
    {
        string name = TestNames.Unique("sequential");
        using (var reader = new Reader(name, new BufferConfig(1024, 64 * 1024)))
        using (var writer = new Writer(name))
        {
            Span<byte> value = stackalloc byte[sizeof(int)];
            for (int i = 0; i < 100; i++)
            {
                BinaryPrimitives.WriteInt32LittleEndian(value, i);
                writer.WriteFrame(value);
            }

            for (int i = 0; i < 100; i++)
            {
                using Frame frame = reader.ReadFrame(ReadTimeout);
                Assert.True(frame.IsValid);
                Assert.Equal(sizeof(int), frame.Size);
                Assert.Equal((ulong)i + 1, frame.Sequence);
                Assert.Equal(i, BinaryPrimitives.ReadInt32LittleEndian(frame.Span));
            }

            Assert.False(reader.TryReadFrame(TimeSpan.Zero, out _));
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public void CanReuseBufferNameAfterDispose()
    {
        string name = TestNames.Unique("reuse");
        var config = new BufferConfig(1024, 64 * 1024);

        using (var reader = new Reader(name, config))
        using (var writer = new Writer(name))
        {
            writer.SetMetadata("first"u8);
            writer.WriteFrame("First"u8);
            writer.WriteFrame("First again"u8);
            using Frame first = reader.ReadFrame(ReadTimeout);
            Assert.Equal("First", Encoding.UTF8.GetString(first.Span));
            Assert.Equal(1UL, first.Sequence);
        }

        OsResources.AssertNone(name);

        using (var reader = new Reader(name, config))
        using (var writer = new Writer(name))
        {
            // A fresh buffer: no metadata and no frame left from the first one, counters at zero.
            BufferStatus status = reader.GetStatus();
            Assert.True(reader.GetMetadata().IsEmpty);
            Assert.Equal(0UL, status.WrittenCount);
            Assert.Equal(0UL, status.WritePosition);
            Assert.Equal(64UL * 1024, status.PayloadFreeBytes);
            Assert.False(reader.TryReadFrame(TimeSpan.Zero, out _));

            writer.SetMetadata("second"u8);
            writer.WriteFrame("Second"u8);
            using Frame second = reader.ReadFrame(ReadTimeout);
            Assert.True(second.IsValid);
            Assert.Equal("Second", Encoding.UTF8.GetString(second.Span));
            Assert.Equal(1UL, second.Sequence);
            Assert.Equal("second"u8.ToArray(), reader.GetMetadata().ToArray());
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public void WriterDetectsReaderDeath()
    {
        string name = TestNames.Unique("reader-death");
        using var reader = new Reader(name, new BufferConfig(1024, 1024));
        using var writer = new Writer(name);
        writer.WriteFrame(new byte[512]);
        Assert.True(writer.IsReaderConnected());

        reader.Dispose(); // a clean close: reader_pid = 0, every name unlinked (disposing again at scope end is a no-op)

        Assert.False(writer.IsReaderConnected());
        // The very next write fails: reader_pid is 0, so there is no waiting for WriteTimeout.
        // A clean close is reported as ReaderClosedException, a ReaderDeadException with its own kind.
        ReaderDeadException error = Assert.ThrowsAny<ReaderDeadException>(() => writer.WriteFrame(new byte[512]));
        Assert.IsType<ReaderClosedException>(error);
        Assert.Equal(ZeroBufferErrorKind.ReaderClosed, error.Kind);
        Assert.Equal(1UL, writer.FramesWritten);

        // The writer still has the segment mapped, but every name is already gone.
        OsResources.AssertNone(name);
    }

    /// <summary>
    /// Not a matrix row: the stop pattern of every server (dispose the reader while another thread
    /// waits in ReadFrame) must end that read with ObjectDisposedException, never touch the
    /// unmapped segment (which crashed the process with an AccessViolationException).
    /// </summary>
    [Fact]
    public async Task DisposingReaderEndsReadWaitingOnAnotherThread()
    {
        for (int attempt = 0; attempt < 12; attempt++)
        {
            string name = TestNames.Unique("dispose-while-reading");
            using var reader = new Reader(name, new BufferConfig(0, 4096));
            Task reading = Task.Run(() => reader.ReadFrame(Timeout.InfiniteTimeSpan));

            // Not synchronisation: the outcome must be the same whatever the interleaving; the varying
            // pause only makes the dispose land before, at the start of, and deep inside the wait.
            await Task.Delay(attempt % 4 * 40);
            reader.Dispose();

            await Assert.ThrowsAsync<ObjectDisposedException>(() => reading.WaitAsync(TimeSpan.FromSeconds(5)));
            OsResources.AssertNone(name);
        }
    }
}
