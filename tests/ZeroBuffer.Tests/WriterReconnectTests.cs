using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests;

/// <summary>A new writer connection restarts the sequence at 1 without a SequenceError, however the connections interleave with reads.</summary>
public sealed class WriterReconnectTests
{
    [Fact]
    public void WriterThatReconnectsBeforeTheReaderCatchesUpRestartsAtOne()
    {
        string name = TestNames.Unique("reconnect");
        using var reader = new Reader(name, new BufferConfig(0, 4096));
        using (var first = new Writer(name))
        {
            first.WriteFrame([1]);
            first.WriteFrame([2]);
        }

        using var second = new Writer(name);
        second.WriteFrame([3]);
        second.WriteFrame([4]);

        var seen = new List<(ulong Sequence, byte Value)>();
        for (int i = 0; i < 4; i++)
        {
            using Frame frame = reader.ReadFrame(TimeSpan.FromSeconds(5));
            Assert.True(frame.IsValid);
            seen.Add((frame.Sequence, frame.Span[0]));
        }

        Assert.Equal([(1UL, (byte)1), (2UL, (byte)2), (1UL, (byte)3), (2UL, (byte)4)], seen);
    }

    [Fact]
    public void SameProcessReconnectAfterTheReaderCaughtUpRestartsAtOne()
    {
        string name = TestNames.Unique("reconnect");
        using var reader = new Reader(name, new BufferConfig(0, 4096));
        for (int connection = 0; connection < 3; connection++)
        {
            using var writer = new Writer(name);
            for (int i = 1; i <= 3; i++)
            {
                writer.WriteFrame([(byte)i]);
                using Frame frame = reader.ReadFrame(TimeSpan.FromSeconds(5));
                Assert.Equal((ulong)i, frame.Sequence);
            }
        }
    }

    [Fact]
    public void GapWithinOneConnectionIsStillASequenceError()
    {
        string name = TestNames.Unique("gap");
        using var reader = new Reader(name, new BufferConfig(0, 4096));
        using var writer = new Writer(name);
        writer.WriteFrame([1]);
        writer.WriteFrame([2]);
        reader.ReadFrame(TimeSpan.FromSeconds(5)).Dispose();
        BufferStatus status = reader.GetStatus();
        SegmentBytes.WriteUInt64(name, SegmentBytes.FrameSequenceOffset(status, (long)status.ReadPosition), 7);

        SequenceError error = Assert.Throws<SequenceError>(() => reader.ReadFrame(TimeSpan.FromSeconds(5)));
        Assert.Equal(2UL, error.Expected);
        Assert.Equal(7UL, error.Actual);
    }
}
