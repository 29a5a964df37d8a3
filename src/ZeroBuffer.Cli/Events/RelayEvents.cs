using System.Text.Json.Serialization;

namespace ZeroBuffer.Cli.Events;

/// <summary><c>relay</c>: IN created, connected to OUT.</summary>
internal sealed record RelayReadyEvent(string In, string Out, int Pid, long InPayloadSize, long OutPayloadSize) : CliEvent("ready")
{
    internal override string HumanText => $"Relaying '{In}' (created, ring {InPayloadSize} bytes) -> '{Out}' (ring {OutPayloadSize} bytes); PID {Pid}.";
}

/// <summary><c>relay</c>: IN's metadata was copied to OUT (once).</summary>
internal sealed record MetadataCopiedEvent(int Size) : CliEvent("metadata")
{
    internal override string HumanText => $"Copied metadata ({Size} bytes).";
}

/// <summary><c>relay</c>: frames forwarded so far, every --progress-ms while frames flow.</summary>
internal sealed record RelayProgressEvent(long Frames, long Bytes) : CliEvent("progress")
{
    internal override string HumanText => $"Forwarded {Frames} frames, {Bytes} bytes.";
}

/// <summary><c>relay</c>: IN's writer closed its stream (true) or died (false), and every frame was forwarded.</summary>
internal sealed record InputWriterGoneEvent(bool Closed, [property: JsonIgnore] string In) : CliEvent("input-writer-gone")
{
    internal override string HumanText => Closed
        ? $"The writer of '{In}' closed its stream; every frame was forwarded."
        : $"The writer of '{In}' is gone; every frame was forwarded.";
}

/// <summary><c>relay</c>: finished; <c>reason</c> is count, exit-frame, input-writer-gone or stopped (Ctrl+C).</summary>
internal sealed record RelayDoneEvent(long Frames, long Bytes, string Reason) : CliEvent("done")
{
    internal override string HumanText => $"Done: {Frames} frames, {Bytes} bytes ({Reason}).";
}
