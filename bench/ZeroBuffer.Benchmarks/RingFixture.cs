using ZeroBuffer;

namespace ZeroBuffer.Benchmarks;

/// <summary>
/// One buffer with its reader and writer in this process, sized to hold a whole iteration of
/// frames, so an iteration measures only the operation under test: the write benchmarks start
/// each iteration with an empty ring, the read benchmarks with a full one.
/// </summary>
public sealed class RingFixture : IDisposable
{
    /// <summary>Frames per iteration (the BenchmarkDotNet invocation count).</summary>
    public const int FramesPerIteration = 8192;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private readonly byte[] _source;

    public RingFixture(int frameSize)
    {
        FrameSize = frameSize;
        Name = $"zb-bdn-{Environment.ProcessId}-{frameSize}";
        long ring = (FramesPerIteration + 1L) * (frameSize + 16);
        ring = (ring + 63) / 64 * 64;
        Reader = new Reader(Name, new BufferConfig(0, ring));
        Writer = new Writer(Name) { WriteTimeout = Timeout };
        _source = new byte[frameSize];
        _source.AsSpan().Fill(0x5A);
    }

    public string Name { get; }

    public int FrameSize { get; }

    public Reader Reader { get; }

    public Writer Writer { get; }

    /// <summary>The data a copy-mode write copies in.</summary>
    public ReadOnlySpan<byte> Source => _source;

    /// <summary>Writes <paramref name="count"/> frames (not measured: iteration setup).</summary>
    public void Fill(int count)
    {
        for (int i = 0; i < count; i++)
        {
            Writer.WriteFrame(_source);
        }
    }

    /// <summary>Reads and releases every frame waiting (not measured: iteration setup).</summary>
    public void Drain()
    {
        while (Reader.TryReadFrame(TimeSpan.Zero, out Frame frame))
        {
            frame.Dispose();
        }
    }

    public Frame ReadOne() => Reader.ReadFrame(Timeout);

    public void Dispose()
    {
        Writer.Dispose();
        Reader.Dispose();
    }
}
