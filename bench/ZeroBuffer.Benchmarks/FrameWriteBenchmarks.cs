using BenchmarkDotNet.Attributes;

namespace ZeroBuffer.Benchmarks;

/// <summary>
/// The writer's cost per frame, in one process: copy mode (<c>WriteFrame</c> from a buffer) and
/// zero-copy mode (<c>GetFrameBuffer</c>, one byte written, <c>CommitFrame</c>). Each iteration
/// starts with an empty ring that holds all its frames, so no write ever waits for space.
/// </summary>
[MemoryDiagnoser]
[InvocationCount(RingFixture.FramesPerIteration)]
public class FrameWriteBenchmarks
{
    private RingFixture? _ring;

    [Params(64, 4096)]
    public int FrameSize { get; set; }

    [Params(false, true)]
    public bool ZeroCopy { get; set; }

    [GlobalSetup]
    public void GlobalSetup() => _ring = new RingFixture(FrameSize);

    [IterationSetup]
    public void IterationSetup() => _ring!.Drain();

    [Benchmark]
    public void WriteFrame()
    {
        RingFixture ring = _ring!;
        if (ZeroCopy)
        {
            Span<byte> frame = ring.Writer.GetFrameBuffer(ring.FrameSize);
            frame[0] = 1;
            ring.Writer.CommitFrame();
        }
        else
        {
            ring.Writer.WriteFrame(ring.Source);
        }
    }

    [GlobalCleanup]
    public void GlobalCleanup() => _ring?.Dispose();
}
