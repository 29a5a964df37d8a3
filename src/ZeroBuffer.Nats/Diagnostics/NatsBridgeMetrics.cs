using System.Diagnostics.Metrics;

namespace ZeroBuffer.Nats.Diagnostics;

/// <summary>
/// The bridge's metrics: a <see cref="Meter"/> named <see cref="MeterName"/>, one series per live
/// exporter or importer, tagged with <c>zerobuffer.nats.role</c> (<c>exporter</c> or
/// <c>importer</c>), <c>zerobuffer.nats.subject</c> (the prefix) and <c>zerobuffer.buffer</c>.
/// A meter of its own: the core's <c>ZeroBuffer</c> meter belongs to the core library, which
/// knows nothing of NATS (its readers and writers inside the bridge report there as usual).
/// </summary>
/// <remarks>Every instrument is observable: nothing is measured unless a listener collects.</remarks>
public static class NatsBridgeMetrics
{
    /// <summary>The meter's name: <c>ZeroBuffer.Nats</c>.</summary>
    public const string MeterName = "ZeroBuffer.Nats";

    /// <summary>The tag holding the role: <c>exporter</c> or <c>importer</c>.</summary>
    public const string RoleTag = "zerobuffer.nats.role";

    /// <summary>The tag holding the subject prefix.</summary>
    public const string SubjectTag = "zerobuffer.nats.subject";

    /// <summary>The tag holding the local buffer's name (the core meter's tag name).</summary>
    public const string BufferTag = "zerobuffer.buffer";

    private static readonly Lock Gate = new();
    private static readonly List<BridgeCounters> Live = [];
    private static readonly Meter Meter = CreateMeter();

    internal static void Register(BridgeCounters counters)
    {
        lock (Gate)
        {
            Live.Add(counters);
        }

        GC.KeepAlive(Meter); // creates the meter with the first bridge
    }

    internal static void Unregister(BridgeCounters counters)
    {
        lock (Gate)
        {
            _ = Live.Remove(counters);
        }
    }

    private static Meter CreateMeter()
    {
        string? version = typeof(NatsBridgeMetrics).Assembly.GetName().Version?.ToString(3);
        var meter = new Meter(MeterName, version);
        meter.CreateObservableCounter("zerobuffer.nats.frames", () => Observe(c => c.Frames),
            "{frame}", "Frames exported (every chunk acknowledged by the client or the stream) or imported (committed to the local ring).");
        meter.CreateObservableCounter("zerobuffer.nats.bytes", () => Observe(c => c.Bytes),
            "By", "Payload bytes of those frames.");
        meter.CreateObservableCounter("zerobuffer.nats.messages", () => Observe(c => c.Messages),
            "{message}", "NATS messages published (exporter) or received (importer), chunks, metadata and ends.");
        meter.CreateObservableCounter("zerobuffer.nats.publish.retries", () => Observe(c => c.Retries),
            "{retry}", "JetStream publishes the exporter repeated after a failure (same message id: the stream keeps one).");
        meter.CreateObservableCounter("zerobuffer.nats.frames.lost", () => Observe(c => c.Lost),
            "{frame}", "Frames the importer found missing between the frames it received (gaps).");
        meter.CreateObservableCounter("zerobuffer.nats.frames.missed_before_join", () => Observe(c => c.MissedBeforeJoin),
            "{frame}", "Frames of the first session an importer saw that were published before it joined.");
        meter.CreateObservableCounter("zerobuffer.nats.frames.rejected", () => Observe(c => c.Rejected),
            "{frame}", "Frames the importer received whole that can never fit its local ring.");
        meter.CreateObservableCounter("zerobuffer.nats.duplicates", () => Observe(c => c.Duplicates),
            "{message}", "Messages the importer dropped as duplicates (redeliveries, retried publishes).");
        meter.CreateObservableCounter("zerobuffer.nats.messages.dropped", () => Observe(c => c.Dropped),
            "{message}", "Messages the importer dropped because its queue was over its byte budget (core mode).");
        meter.CreateObservableCounter("zerobuffer.nats.disconnects", () => Observe(c => c.Disconnects),
            "{disconnect}", "Times the bridge's NATS connection was lost.");
        return meter;
    }

    private static List<Measurement<long>> Observe(Func<BridgeCounters, long> value)
    {
        BridgeCounters[] live;
        lock (Gate)
        {
            live = [.. Live];
        }

        var measurements = new List<Measurement<long>>(live.Length);
        foreach (BridgeCounters counters in live)
        {
            measurements.Add(new Measurement<long>(value(counters), counters.Tags));
        }

        return measurements;
    }
}
