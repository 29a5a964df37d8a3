using System.Text.Json.Serialization;

namespace ZeroBuffer.Cli.Events;

/// <summary><c>call</c>: a session of the channel was taken.</summary>
internal sealed record ClientConnectedEvent(string Channel, int Session, int Pid) : CliEvent("connected")
{
    internal override string HumanText => $"Connected to channel '{Channel}' (session {Session}); PID {Pid}.";
}

/// <summary><c>call</c>: a request was sent.</summary>
internal sealed record RequestSentEvent(ulong Sequence, int Size) : CliEvent("sent")
{
    internal override string HumanText => $"Sent request {Sequence}, size: {Size}";
}

/// <summary><c>call</c>: a response; <c>text</c> is null when it is not UTF-8.</summary>
internal sealed record ResponseEvent(ulong Sequence, int Size, string Sha256, string? Text) : CliEvent("response")
{
    internal override string HumanText => $"Response {Sequence}, size: {Size}" + (Text is null ? $", SHA-256 {Sha256}" : $": {Text}");
}

/// <summary><c>call</c>: every request was answered.</summary>
internal sealed record CallDoneEvent(long Requests) : CliEvent("done")
{
    internal override string HumanText => $"Done: {Requests} requests answered.";
}

/// <summary><c>call</c>: no response within --timeout-ms (exit 3).</summary>
internal sealed record ResponseTimeoutEvent([property: JsonIgnore] ulong Request, [property: JsonIgnore] TimeSpan Timeout) : CliEvent("timeout")
{
    internal override string HumanText => $"timeout: no response to request {Request} within {Timeout.TotalMilliseconds:0} ms";

    internal override TextTarget Target => TextTarget.Problem;
}

/// <summary><c>call</c>: nobody serves the channel (exit 3).</summary>
internal sealed record NoServerEvent(string Channel, string Message) : CliEvent("no-server")
{
    internal override string HumanText => $"error: {Message}";

    internal override TextTarget Target => TextTarget.Failure;
}
