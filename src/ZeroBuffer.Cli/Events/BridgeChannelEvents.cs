namespace ZeroBuffer.Cli.Events;

/// <summary><c>bridge export-channel</c>: requests on <c>subject</c> now reach the local duplex server of <c>channel</c>.</summary>
internal sealed record ChannelExportStartedEvent(string Channel, string Subject, int Pid) : CliEvent("started")
{
    internal override string HumanText => $"Serving requests on '{Subject}' with the local duplex server of channel '{Channel}'; PID {Pid}.";
}

/// <summary><c>bridge import-channel</c>: local clients of <c>channel</c> are served by the duplex server exported on <c>subject</c>.</summary>
internal sealed record ChannelImportStartedEvent(string Channel, string Subject, int Pid, long PayloadSize) : CliEvent("started")
{
    internal override string HumanText => $"Channel '{Channel}' (request ring {PayloadSize} bytes) is served over NATS on '{Subject}'; PID {Pid}.";
}

/// <summary><c>bridge export-channel</c>: requests answered so far, with a response or with an error, every --progress-ms while they come.</summary>
internal sealed record ChannelProgressEvent(long Forwarded, long Failed) : CliEvent("progress")
{
    internal override string HumanText => $"{Forwarded} requests answered, {Failed} failed.";
}

/// <summary><c>bridge export-channel</c>: stopped (Ctrl+C).</summary>
internal sealed record ChannelExportDoneEvent(long Forwarded, long Failed, long Disconnects) : CliEvent("done")
{
    internal override string HumanText => $"Done: {Forwarded} requests answered, {Failed} failed, {Disconnects} disconnections.";
}

/// <summary><c>bridge import-channel</c>: stopped (Ctrl+C); <c>failed</c> counts the requests answered with an error.</summary>
internal sealed record ChannelImportDoneEvent(long Failed, long Disconnects) : CliEvent("done")
{
    internal override string HumanText => $"Done: {Failed} requests failed, {Disconnects} disconnections.";
}
