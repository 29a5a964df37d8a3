using System.Text.Json.Serialization;

namespace ZeroBuffer.Cli.Events;

/// <summary><c>subscribe</c>: the subscriber's buffer was created; the publisher (now or later) finds it.</summary>
/// <remarks>StdoutFormat: with <c>--output raw|length-prefixed</c>: the format of the frames on stdout (said in the text).</remarks>
internal sealed record SubscriberReadyEvent(
    string Topic, string Name, string Id, string Policy, int Pid, long MetadataSize, long PayloadSize, [property: JsonIgnore] string? StdoutFormat)
    : CliEvent("ready")
{
    internal override string HumanText =>
        $"Subscribed to topic '{Topic}' as '{Id}' ({Policy}, buffer '{Name}', ring {PayloadSize} bytes); PID {Pid}. "
        + (StdoutFormat is null ? "Waiting for frames..." : $"Writing frames to stdout ({StdoutFormat}).");
}
