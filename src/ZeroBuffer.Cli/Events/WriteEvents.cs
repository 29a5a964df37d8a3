using System.Text.Json.Serialization;

namespace ZeroBuffer.Cli.Events;

/// <summary><c>write --wait-for-reader</c>: no buffer (or no live reader) yet; said once.</summary>
internal sealed record WaitingForReaderEvent(string Name, string Reason) : CliEvent("waiting")
{
    internal override string HumanText => $"Waiting for the reader of '{Name}': {Reason}";
}

/// <summary><c>write</c>: connected as the buffer's writer.</summary>
internal sealed record WriterConnectedEvent(string Name, int Pid, long MetadataSize, long PayloadSize) : CliEvent("connected")
{
    internal override string HumanText => $"Connected to buffer '{Name}' (ring {PayloadSize} bytes); writer PID {Pid}.";
}

/// <summary><c>write</c>: the metadata was written.</summary>
internal sealed record MetadataWrittenEvent(int Size, string Sha256) : CliEvent("metadata")
{
    internal override string HumanText => $"Wrote metadata: {Size} bytes, SHA-256 {Sha256}";
}

/// <summary><c>write</c>: one frame committed (<c>sha256</c> with --hash).</summary>
internal sealed record FrameWrittenEvent(ulong Sequence, int Size, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Sha256)
    : CliEvent("written")
{
    internal override string HumanText => $"Wrote frame {Sequence}, size: {Size}" + (Sha256 is null ? "" : $"\nHash: {Sha256}");
}

/// <summary><c>write --hold</c>, <c>publish --hold</c>: connected until stdin closes. Held: what is held, in the text ("the connection", "the topic").</summary>
internal sealed record HoldingEvent([property: JsonIgnore] string Held) : CliEvent("holding")
{
    internal override string HumanText => $"Holding {Held} until stdin closes (Ctrl+D)...";
}
