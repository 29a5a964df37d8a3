using System.Text.Json;
using System.Text.Json.Serialization;
using ZeroBuffer.Cli.Events;

namespace ZeroBuffer.Bench;

/// <summary>The run begins: every OS resource of the run has a name starting with <c>name</c>.</summary>
internal sealed record BenchStartedEvent(
    string Name, int Cases, int Runs, bool Quick, double Seconds, IReadOnlyList<string> Scenarios, string Strategy, bool BatchReleases, bool Prefault)
    : CliEvent("started")
{
    internal override string? HumanText => null;
}

/// <summary>One row, as each case finishes (each run); see <c>--help</c> for its shape.</summary>
[JsonConverter(typeof(SelfWrittenJsonConverter<BenchResultEvent>))]
internal sealed record BenchResultEvent(BenchResult Row) : CliEvent("result"), ISelfWrittenJson
{
    internal override string? HumanText => null;

    public void WriteJson(Utf8JsonWriter writer) => Row.WriteJson(writer);
}

/// <summary>The whole run: machine, every row, the targets (the text view is the tables).</summary>
internal sealed record BenchSummaryEvent(
    double Seconds,
    int Processors,
    string LoadAverage,
    string Runtime,
    string Os,
    string Strategy,
    bool BatchReleases,
    bool Prefault,
    IReadOnlyList<BenchResult> Results,
    int Failed,
    IReadOnlyList<TargetLine> Targets) : CliEvent("summary")
{
    /// <summary>What disturbed the machine during the run, and the verdict (<see cref="NoiseMonitor"/>).</summary>
    public NoiseReport? Noise { get; init; }

    internal override string? HumanText => null;
}

/// <summary>A peer is set up: its partner may start.</summary>
internal sealed record PeerReadyEvent(string Role, int Pid) : CliEvent("ready")
{
    internal override string HumanText => $"{Role} ready; PID {Pid}.";
}

/// <summary>
/// A peer's result: <c>frames</c> (data frames or round trips in the window), <c>bytes</c>, the
/// meter's <c>seconds</c>/<c>cpuSeconds</c>/<c>allocatedBytes</c>, latency when it measured any,
/// and whatever else the role adds (<paramref name="Extra"/>).
/// </summary>
[JsonConverter(typeof(SelfWrittenJsonConverter<PeerSummaryEvent>))]
internal sealed record PeerSummaryEvent(string Role, long Frames, long Bytes, SideMeter Meter, LatencyRecorder? Latency, Action<Utf8JsonWriter>? Extra)
    : CliEvent("summary"), ISelfWrittenJson
{
    internal override string HumanText => $"{Role}: {Frames} frames, {Bytes} bytes.";

    public void WriteJson(Utf8JsonWriter writer)
    {
        writer.WriteString("role"u8, Role);
        writer.WriteNumber("frames"u8, Frames);
        writer.WriteNumber("bytes"u8, Bytes);
        writer.WriteBoolean("measured"u8, Meter.Started);
        Meter.WriteJson(writer);
        Latency?.WriteJson(writer);
        Extra?.Invoke(writer);
    }
}
