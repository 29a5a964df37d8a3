using System.Diagnostics.Metrics;

namespace ZeroBuffer.Diagnostics;

/// <summary>
/// The library's metrics: a <see cref="Meter"/> named <see cref="MeterName"/>
/// (System.Diagnostics.Metrics), one series per live reader or writer, tagged with
/// <c>zerobuffer.buffer</c> (the buffer name) and <c>zerobuffer.role</c> (<c>reader</c> or
/// <c>writer</c>). Collect it with OpenTelemetry (<c>AddMeter("ZeroBuffer")</c>) or a
/// <see cref="MeterListener"/>; docs/operations.md lists the instruments.
/// </summary>
/// <remarks>
/// Every instrument is observable: the frame path only adds to plain fields of its endpoint, and
/// the values are read when a listener collects. So a frame costs the same, and allocates
/// nothing, whether anyone listens or not; collecting allocates a little, per collection.
/// </remarks>
public static class ZeroBufferMetrics
{
    /// <summary>The meter's name: <c>ZeroBuffer</c>.</summary>
    public const string MeterName = "ZeroBuffer";

    /// <summary>The tag holding the buffer name.</summary>
    public const string BufferTag = "zerobuffer.buffer";

    /// <summary>The tag holding the endpoint's role: <c>reader</c> or <c>writer</c>.</summary>
    public const string RoleTag = "zerobuffer.role";

    private static readonly Meter Meter = CreateMeter();

    /// <summary>Starts collecting for <paramref name="endpoint"/>.</summary>
    internal static void Register(EndpointMetrics endpoint)
    {
        LiveEndpoints.Add(endpoint);
        GC.KeepAlive(Meter); // reading the field creates the meter and its instruments, with the first endpoint
    }

    /// <summary>Stops collecting for <paramref name="endpoint"/>; its series end.</summary>
    internal static void Unregister(EndpointMetrics endpoint) => LiveEndpoints.Remove(endpoint);

    private static Meter CreateMeter()
    {
        string? version = typeof(ZeroBufferMetrics).Assembly.GetName().Version?.ToString(3);
        var meter = new Meter(MeterName, version);
        meter.CreateObservableCounter("zerobuffer.frames.written", () => LiveEndpoints.Observe(EndpointRole.Writer, e => (long)e.Source.Frames),
            "{frame}", "Frames committed by the writer.");
        meter.CreateObservableCounter("zerobuffer.bytes.written", () => LiveEndpoints.Observe(EndpointRole.Writer, e => (long)e.Source.Bytes),
            "By", "Payload bytes committed by the writer (frame headers and wrap padding not counted).");
        meter.CreateObservableCounter("zerobuffer.frames.read", () => LiveEndpoints.Observe(EndpointRole.Reader, e => (long)e.Source.Frames),
            "{frame}", "Frames taken by the reader.");
        meter.CreateObservableCounter("zerobuffer.bytes.read", () => LiveEndpoints.Observe(EndpointRole.Reader, e => (long)e.Source.Bytes),
            "By", "Payload bytes taken by the reader.");
        meter.CreateObservableCounter("zerobuffer.wait.time", () => LiveEndpoints.Observe(null, e => e.WaitSeconds),
            "s", "Time spent blocked: a writer waiting for space in the ring, a reader waiting for a frame.");
        meter.CreateObservableCounter("zerobuffer.peer.deaths", () => LiveEndpoints.Observe(null, e => e.PeerDeaths),
            "{death}", "Peers found crashed (a clean close is not a death): the writer seen by a reader, the reader seen by a writer.");
        meter.CreateObservableCounter("zerobuffer.sequence.errors", () => LiveEndpoints.Observe(EndpointRole.Reader, e => e.SequenceErrors),
            "{error}", "Frames whose sequence number was not the expected one (SequenceError).");
        meter.CreateObservableCounter("zerobuffer.frames.dropped", () => LiveEndpoints.Observe(EndpointRole.Writer, e => e.Dropped),
            "{frame}", "Frames a topic's publisher skipped for this subscriber's buffer because its ring was full (drop-newest, latest-only).");
        meter.CreateObservableCounter("zerobuffer.frames.skipped", () => LiveEndpoints.Observe(EndpointRole.Reader, e => e.Skipped),
            "{frame}", "Frames a latest-only topic subscriber released unread because a newer one was there.");
        meter.CreateObservableGauge("zerobuffer.ring.utilization", () => LiveEndpoints.ObserveShared(e => e.Source.TryReadUtilization(out double used) ? used : null),
            "1", "Fraction of the payload ring in use (committed frames not yet released, and padding), 0 to 1.");
        meter.CreateObservableUpDownCounter("zerobuffer.frames.held", () => LiveEndpoints.Observe(EndpointRole.Reader, e => (long)e.Source.HeldFrames),
            "{frame}", "Frames the reader has taken and not disposed yet (they hold their ring space).");
        return meter;
    }

    /// <summary>The endpoints being measured. Collection copies the list under the lock and reads each endpoint outside it.</summary>
    private static class LiveEndpoints
    {
        private static readonly Lock Gate = new();
        private static readonly List<EndpointMetrics> Endpoints = [];

        internal static void Add(EndpointMetrics endpoint)
        {
            lock (Gate)
            {
                Endpoints.Add(endpoint);
            }
        }

        internal static void Remove(EndpointMetrics endpoint)
        {
            lock (Gate)
            {
                _ = Endpoints.Remove(endpoint);
            }
        }

        internal static List<Measurement<T>> Observe<T>(EndpointRole? role, Func<EndpointMetrics, T> value)
            where T : struct
        {
            EndpointMetrics[] live = Snapshot();
            var measurements = new List<Measurement<T>>(live.Length);
            foreach (EndpointMetrics endpoint in live)
            {
                if (role is null || endpoint.Role == role)
                {
                    measurements.Add(new Measurement<T>(value(endpoint), endpoint.Tags));
                }
            }

            return measurements;
        }

        /// <summary>Values read from the shared memory: an endpoint disposed meanwhile gives none.</summary>
        internal static List<Measurement<double>> ObserveShared(Func<EndpointMetrics, double?> value)
        {
            EndpointMetrics[] live = Snapshot();
            var measurements = new List<Measurement<double>>(live.Length);
            foreach (EndpointMetrics endpoint in live)
            {
                if (value(endpoint) is double observed)
                {
                    measurements.Add(new Measurement<double>(observed, endpoint.Tags));
                }
            }

            return measurements;
        }

        private static EndpointMetrics[] Snapshot()
        {
            lock (Gate)
            {
                return [.. Endpoints];
            }
        }
    }
}
