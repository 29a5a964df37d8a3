using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests;

/// <summary>The internal hooks the duplex layer uses: explicit-sequence writes and a reader without the continuity check.</summary>
public sealed class ExplicitSequenceTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    [Fact]
    public void ExplicitSequences_ReadAsWritten_WhenContinuityIsOff()
    {
        string name = TestNames.Unique("xseq");
        using (var reader = new Reader(name, new BufferConfig(0, 4096)) { CheckSequenceContinuity = false })
        using (var writer = new Writer(name))
        {
            writer.WriteFrame([1], 5, CancellationToken.None);
            Span<byte> buffer = writer.GetFrameBuffer(2, 3, CancellationToken.None);
            buffer[0] = 2;
            buffer[1] = 2;
            writer.CommitFrame();
            _ = writer.GetFrameBuffer(1, 77, CancellationToken.None);
            writer.AbortFrame(); // the explicit number does not stick to the next frame
            writer.WriteFrame([3]); // the writer's own counter was not advanced: 1

            Assert.Equal(2UL, writer.NextSequence);
            Assert.Equal(3UL, writer.FramesWritten);
            foreach ((ulong sequence, int size) in new[] { (5UL, 1), (3UL, 2), (1UL, 1) })
            {
                using Frame frame = reader.ReadFrame(Timeout);
                Assert.True(frame.IsValid);
                Assert.Equal(sequence, frame.Sequence);
                Assert.Equal(size, frame.Size);
            }

            Assert.Throws<ArgumentOutOfRangeException>(() => writer.WriteFrame([4], 0, CancellationToken.None)); // 0 is the wrap marker's
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public void ExplicitSequences_StillRejected_ByDefaultReader()
    {
        string name = TestNames.Unique("xseq-def");
        using (var reader = new Reader(name, new BufferConfig(0, 4096)))
        using (var writer = new Writer(name))
        {
            writer.WriteFrame([1], 1, CancellationToken.None);
            writer.WriteFrame([2], 4, CancellationToken.None);
            using (Frame first = reader.ReadFrame(Timeout))
            {
                Assert.Equal(1UL, first.Sequence);
            }

            SequenceError error = Assert.Throws<SequenceError>(() => reader.ReadFrame(Timeout));
            Assert.Equal(2UL, error.Expected);
            Assert.Equal(4UL, error.Actual);
        }

        OsResources.AssertNone(name);
    }
}
