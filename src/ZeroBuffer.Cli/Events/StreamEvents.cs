using System.Text.Json.Serialization;

namespace ZeroBuffer.Cli.Events;

/// <summary><c>read</c>, <c>write</c>: the frame whose payload is exactly "EXIT", received or sent.</summary>
/// <remarks>Sent: whether this process sent it (write) rather than received it (read); text only.</remarks>
internal sealed record ExitFrameEvent(ulong Sequence, [property: JsonIgnore] bool Sent) : CliEvent("exit-frame")
{
    internal override string HumanText => $"{(Sent ? "Sent" : "Received")} EXIT frame (sequence {Sequence}).";
}

/// <summary>
/// The totals that end a stream of frames (<c>done</c>, <c>end</c>): frames and bytes, an EXIT
/// frame excluded; a subscriber adds the frames it missed (gaps) and skipped (latest-only).
/// </summary>
internal abstract record FrameTotalsEvent(
    string Event,
    long Frames,
    long Bytes,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ulong? Missed,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ulong? Skipped) : CliEvent(Event)
{
    /// <summary>"N frames, B bytes", and a subscriber's ", missed M, skipped S".</summary>
    private protected string Totals => $"{Frames} frames, {Bytes} bytes" + (Missed is ulong missed ? $", missed {missed}, skipped {Skipped ?? 0}" : "");
}

/// <summary><c>read</c>, <c>write</c>, <c>subscribe</c>: finished (--count frames, the EXIT frame, every frame written, or Ctrl+C).</summary>
internal sealed record FramesDoneEvent(long Frames, long Bytes, ulong? Missed = null, ulong? Skipped = null)
    : FrameTotalsEvent("done", Frames, Bytes, Missed, Skipped)
{
    internal override string HumanText => $"Done: {Totals}.";
}

/// <summary>Fault injection (<c>--pause-at</c>): stopped at a protocol point until killed.</summary>
internal sealed record PausedEvent(string Point, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ulong? Sequence)
    : CliEvent("paused")
{
    internal override string HumanText => $"Paused at {Point}" + (Sequence is ulong s ? $" (sequence {s})" : "") + "; waiting to be killed...";
}
