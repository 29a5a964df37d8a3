using System.Diagnostics.Metrics;
using ZeroBuffer.Diagnostics;

namespace ZeroBuffer.Tests.Diagnostics;

/// <summary>
/// A listener of the "ZeroBuffer" meter that collects every instrument in a loop on its own
/// thread, as an exporter does, until disposed; it remembers the largest frames-read value per buffer.
/// </summary>
internal sealed class BackgroundCollector : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Dictionary<string, long> _framesRead = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;

    internal BackgroundCollector()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == ZeroBufferMetrics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnLong);
        _listener.SetMeasurementEventCallback<double>((_, _, _, _) => { });
        _listener.Start();
        _thread = new Thread(Collect) { IsBackground = true, Name = "metrics collector" };
        _thread.Start();
    }

    /// <summary>The last frames-read value collected for <paramref name="buffer"/>.</summary>
    internal long FramesReadSeen(string buffer)
    {
        _listener.RecordObservableInstruments(); // at least one collection after the frames
        lock (_framesRead)
        {
            return _framesRead.GetValueOrDefault(buffer);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join();
        _listener.Dispose();
        _stop.Dispose();
    }

    private void Collect()
    {
        while (!_stop.IsCancellationRequested)
        {
            _listener.RecordObservableInstruments();
            Thread.Yield();
        }
    }

    private void OnLong(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if (instrument.Name != "zerobuffer.frames.read")
        {
            return;
        }

        foreach (KeyValuePair<string, object?> tag in tags)
        {
            if (tag.Key == ZeroBufferMetrics.BufferTag && tag.Value is string buffer)
            {
                lock (_framesRead)
                {
                    _framesRead[buffer] = value;
                }
            }
        }
    }
}
