using System.Text.Json.Serialization;

namespace ZeroBuffer.Cli.Events;

/// <summary><c>read</c>, <c>write</c>: the frame whose payload is exactly "EXIT", received or sent.</summary>
/// <remarks>Sent: whether this process sent it (write) rather than received it (read); text only.</remarks>
internal sealed record ExitFrameEvent(ulong Sequence, [property: JsonIgnore] bool Sent) : CliEvent("exit-frame")
{
    internal override string HumanText => $"{(Sent ? "Sent" : "Received")} EXIT frame (sequence {Sequence}).";
}

/// <summary><c>read</c>, <c>write</c>: finished; frames and bytes exclude an EXIT frame.</summary>
internal sealed record FramesDoneEvent(long Frames, long Bytes) : CliEvent("done")
{
    internal override string HumanText => $"Done: {Frames} frames, {Bytes} bytes.";
}

/// <summary>Fault injection (<c>--pause-at</c>): stopped at a protocol point until killed.</summary>
internal sealed record PausedEvent(string Point, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ulong? Sequence)
    : CliEvent("paused")
{
    internal override string HumanText => $"Paused at {Point}" + (Sequence is ulong s ? $" (sequence {s})" : "") + "; waiting to be killed...";
}
