using System.Diagnostics;
using System.Text.Json;

namespace ZeroBuffer.Cli.Demo;

/// <summary>What the demo parent knows of its children while they run, fed by their progress lines.</summary>
internal sealed class LiveCounters
{
    private readonly Lock _gate = new();
    private long _startTimestamp;
    private long _writerFrames;
    private long _readerFrames;
    private long _readerBytes;
    private long _errors;

    // Throughput over the last half second or so.
    private long _rateTimestamp;
    private long _rateBytes;
    private double _rate;

    /// <summary>Set when the reader child has created the buffer.</summary>
    internal ManualResetEventSlim ReaderReady { get; } = new();

    /// <summary>Starts the clock (when the writer starts).</summary>
    internal void Start()
    {
        lock (_gate)
        {
            _startTimestamp = Stopwatch.GetTimestamp();
            _rateTimestamp = _startTimestamp;
        }
    }

    internal void OnReaderEvent(string name, JsonElement e)
    {
        if (name == "ready")
        {
            ReaderReady.Set();
        }
        else if (name == "progress")
        {
            lock (_gate)
            {
                _readerFrames = e.GetProperty("frames").GetInt64();
                _readerBytes = e.GetProperty("bytes").GetInt64();
                _errors = e.GetProperty("errors").GetInt64();
            }
        }
    }

    internal void OnWriterEvent(string name, JsonElement e)
    {
        if (name == "progress")
        {
            lock (_gate)
            {
                _writerFrames = e.GetProperty("frames").GetInt64();
            }
        }
    }

    /// <summary>The current figures.</summary>
    internal Snapshot Take()
    {
        lock (_gate)
        {
            long now = Stopwatch.GetTimestamp();
            if (now - _rateTimestamp >= Stopwatch.Frequency / 2)
            {
                _rate = (_readerBytes - _rateBytes) / ((now - _rateTimestamp) / (double)Stopwatch.Frequency) / 1e9;
                _rateTimestamp = now;
                _rateBytes = _readerBytes;
            }

            TimeSpan elapsed = _startTimestamp == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(_startTimestamp, now);
            return new Snapshot(elapsed, _writerFrames, _readerFrames, _errors, _rate);
        }
    }

    internal readonly record struct Snapshot(TimeSpan Elapsed, long WriterFrames, long ReaderFrames, long Errors, double GigabytesPerSecond);
}
