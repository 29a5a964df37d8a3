using System.Text.Json;

namespace ZeroBuffer.Bench;

/// <summary>The events a bench peer sends its parent: <c>ready</c> once set up, <c>summary</c> at the end.</summary>
internal static class PeerReport
{
    internal static void Ready(Output output, string role) => output.Emit(new PeerReadyEvent(role, Environment.ProcessId));

    /// <summary>
    /// The summary: <c>frames</c> (data frames or round trips in the window), <c>bytes</c>,
    /// the meter's <c>seconds</c>/<c>cpuSeconds</c>/<c>allocatedBytes</c>, and optionally latency.
    /// </summary>
    internal static void Summary(Output output, string role, long frames, long bytes, SideMeter meter, LatencyRecorder? latency = null,
        Action<Utf8JsonWriter>? extra = null) =>
        output.Emit(new PeerSummaryEvent(role, frames, bytes, meter, latency, extra));
}
