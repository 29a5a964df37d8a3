using System.Text.Json.Serialization;

namespace ZeroBuffer.Cli.Events;

/// <summary><c>read</c>: the buffer was created. <c>{"event":"ready","name","pid","metadataSize","payloadSize"}</c>.</summary>
/// <remarks>StdoutFormat: with <c>--output raw|length-prefixed</c>: the format of the frames on stdout (said in the text).</remarks>
internal sealed record BufferCreatedEvent(string Name, int Pid, long MetadataSize, long PayloadSize, [property: JsonIgnore] string? StdoutFormat)
    : CliEvent("ready")
{
    internal override string HumanText => StdoutFormat is null
        ? $"Created buffer '{Name}' (metadata {MetadataSize} bytes, ring {PayloadSize} bytes); reader PID {Pid}. Waiting for frames..."
        : $"Created buffer '{Name}'; reader PID {Pid}. Writing frames to stdout ({StdoutFormat}).";
}

/// <summary><c>read</c>: the writer's metadata, once. <c>text</c> is null when it is not UTF-8.</summary>
internal sealed record MetadataReceivedEvent(int Size, string Sha256, string? Text) : CliEvent("metadata")
{
    internal override string HumanText => $"Metadata: {Size} bytes, SHA-256 {Sha256}" + (Text is null ? " (binary)" : $": {Text}");
}

/// <summary>
/// <c>read</c>, <c>subscribe</c>: one frame (<c>gap</c> for a subscriber: the frames missed just
/// before it; <c>sha256</c> with --hash, <c>file</c> with --output-dir).
/// </summary>
internal sealed record FrameReadEvent(
    ulong Sequence,
    int Size,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ulong? Gap,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Sha256,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? File) : CliEvent("frame")
{
    internal override string HumanText =>
        $"Read frame {Sequence}, size: {Size}" + (Gap is ulong gap ? $", gap: {gap}" : "") + (File is null ? "" : $" -> {File}")
        + (Sha256 is null ? "" : $"\nHash: {Sha256}");
}

/// <summary><c>read</c>, <c>subscribe</c>: the writer (publisher) closed the stream cleanly and every frame was read (exit 0).</summary>
internal sealed record StreamEndEvent(long Frames, long Bytes, ulong? Missed = null, ulong? Skipped = null)
    : FrameTotalsEvent("end", Frames, Bytes, Missed, Skipped)
{
    internal override string HumanText => $"End of stream: the writer closed it; {Totals}.";
}

/// <summary><c>read</c>: no frame within --timeout-ms (exit 3).</summary>
internal sealed record ReadTimeoutEvent([property: JsonIgnore] TimeSpan Timeout) : CliEvent("timeout")
{
    internal override string HumanText => $"timeout: no frame for {Timeout.TotalMilliseconds:0} ms";

    internal override TextTarget Target => TextTarget.Problem;
}

/// <summary><c>read --keep-going</c>: the writer closed (true) or died (false), every frame read; waiting for a new one.</summary>
internal sealed record WriterGoneEvent(bool Closed) : CliEvent("writer-gone")
{
    internal override string HumanText => Closed ? "The writer closed the stream; waiting for a new one..." : "The writer is gone; waiting for a new one...";
}
