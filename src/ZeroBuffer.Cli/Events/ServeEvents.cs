namespace ZeroBuffer.Cli.Events;

/// <summary><c>serve</c>: the request buffer exists; a client may connect.</summary>
internal sealed record ServerReadyEvent(string Channel, int Pid, string Mode, long PayloadSize) : CliEvent("ready")
{
    internal override string HumanText =>
        $"Serving channel '{Channel}' ({Mode}, request ring {PayloadSize} bytes); PID {Pid}. Ctrl+C to stop.";
}

/// <summary><c>serve --log-requests</c>: a request arrived (before the handler's delay).</summary>
internal sealed record RequestReceivedEvent(ulong Sequence, int Size) : CliEvent("request")
{
    internal override string HumanText => $"Request {Sequence}, size: {Size}";
}

/// <summary><c>serve</c>: a handler or response-write failure (answered with an error response), or a session that ended badly.</summary>
internal sealed record ServerErrorEvent(int Session, ulong Sequence, string Kind, string Message) : CliEvent("server-error")
{
    internal override string HumanText => $"server error (session {Session}, request {Sequence}): {Message}";

    internal override TextTarget Target => TextTarget.Problem;
}

/// <summary><c>serve</c>: stopped; every session closed and its buffers removed.</summary>
internal sealed record ServerDoneEvent(long Requests) : CliEvent("done")
{
    internal override string HumanText => $"Stopped: {Requests} requests served.";
}
