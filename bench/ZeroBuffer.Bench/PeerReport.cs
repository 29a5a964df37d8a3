using System.Text.Json;

namespace ZeroBuffer.Bench;

/// <summary>The JSON lines a bench peer sends its parent: <c>ready</c> once set up, <c>summary</c> at the end.</summary>
internal static class PeerReport
{
    internal static void Ready(Output output, string role)
    {
        using Output.JsonEvent e = output.Event("ready");
        e.Writer.WriteString("role"u8, role);
        e.Writer.WriteNumber("pid"u8, Environment.ProcessId);
    }

    /// <summary>
    /// The summary: <c>frames</c> (data frames or round trips in the window), <c>bytes</c>,
    /// the meter's <c>seconds</c>/<c>cpuSeconds</c>/<c>allocatedBytes</c>, and optionally latency.
    /// </summary>
    internal static void Summary(Output output, string role, long frames, long bytes, SideMeter meter, LatencyRecorder? latency = null,
        Action<Utf8JsonWriter>? extra = null)
    {
        using Output.JsonEvent e = output.Event("summary");
        e.Writer.WriteString("role"u8, role);
        e.Writer.WriteNumber("frames"u8, frames);
        e.Writer.WriteNumber("bytes"u8, bytes);
        e.Writer.WriteBoolean("measured"u8, meter.Started);
        meter.WriteJson(e.Writer);
        latency?.WriteJson(e.Writer);
        extra?.Invoke(e.Writer);
    }
}
