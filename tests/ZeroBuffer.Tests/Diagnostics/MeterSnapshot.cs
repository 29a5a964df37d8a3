using System.Diagnostics.Metrics;
using ZeroBuffer.Diagnostics;

namespace ZeroBuffer.Tests.Diagnostics;

/// <summary>
/// One collection of the "ZeroBuffer" meter's observable instruments, kept per buffer, role and
/// instrument: what an exporter would receive at that moment.
/// </summary>
internal sealed class MeterSnapshot
{
    private readonly Dictionary<(string Buffer, string Role, string Instrument), double> _values = [];

    private MeterSnapshot()
    {
    }

    /// <summary>Every instrument of the meter, as the meter's listeners would see it now.</summary>
    internal static MeterSnapshot Collect()
    {
        var snapshot = new MeterSnapshot();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ZeroBufferMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => snapshot.Add(instrument, value, tags));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => snapshot.Add(instrument, value, tags));
        listener.Start();
        listener.RecordObservableInstruments();
        return snapshot;
    }

    /// <summary>The value of <paramref name="instrument"/> for one endpoint; null when it has no series (not alive).</summary>
    internal double? Get(string buffer, string role, string instrument) =>
        _values.TryGetValue((buffer, role, instrument), out double value) ? value : null;

    /// <summary>Whether any instrument has a series for <paramref name="buffer"/>.</summary>
    internal bool Has(string buffer) => _values.Keys.Any(key => key.Buffer == buffer);

    /// <summary>The instruments that reported anything.</summary>
    internal IReadOnlySet<string> Instruments => _values.Keys.Select(key => key.Instrument).ToHashSet();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string? buffer = null;
        string? role = null;
        foreach (KeyValuePair<string, object?> tag in tags)
        {
            if (tag.Key == ZeroBufferMetrics.BufferTag)
            {
                buffer = tag.Value as string;
            }
            else if (tag.Key == ZeroBufferMetrics.RoleTag)
            {
                role = tag.Value as string;
            }
        }

        Assert.NotNull(buffer);
        Assert.NotNull(role);
        lock (_values)
        {
            _values[(buffer, role, instrument.Name)] = value;
        }
    }
}
