using BenchmarkDotNet.Attributes;

namespace ZeroBuffer.Benchmarks;

/// <summary>
/// The reader's cost per frame, in one process, release included: copy mode (the frame copied
/// out to a buffer) and zero-copy mode (length and first byte read). Each iteration starts with
/// a ring holding all its frames, so no read ever waits.
/// </summary>
[MemoryDiagnoser]
[InvocationCount(RingFixture.FramesPerIteration)]
public class FrameReadBenchmarks
{
    private RingFixture? _ring;
    private byte[] _destination = [];

    [Params(64, 4096)]
    public int FrameSize { get; set; }

    [Params(false, true)]
    public bool ZeroCopy { get; set; }

    [GlobalSetup]
    public void GlobalSetup()
    {
        _ring = new RingFixture(FrameSize);
        _destination = new byte[FrameSize];
    }

    [IterationSetup]
    public void IterationSetup()
    {
        _ring!.Drain();
        _ring.Fill(RingFixture.FramesPerIteration);
    }

    [Benchmark]
    public int ReadFrame()
    {
        using Frame frame = _ring!.ReadOne();
        if (ZeroCopy)
        {
            return frame.Size + frame.Span[0];
        }

        frame.Span.CopyTo(_destination);
        return frame.Size;
    }

    [GlobalCleanup]
    public void GlobalCleanup() => _ring?.Dispose();
}
