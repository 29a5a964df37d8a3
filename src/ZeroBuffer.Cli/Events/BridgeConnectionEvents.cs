namespace ZeroBuffer.Cli.Events;

/// <summary><c>bridge</c>: an attempt at the first connection failed (no server answers yet); the next one comes after <c>nextDelayMs</c>.</summary>
internal sealed record ConnectingEvent(string Url, int Attempt, string Reason, long NextDelayMs) : CliEvent("connecting")
{
    internal override string HumanText => $"No NATS server at {Url} yet (attempt {Attempt}: {Reason}); trying again in {NextDelayMs} ms.";

    internal override TextTarget Target => TextTarget.Problem;
}

/// <summary><c>bridge</c>: connected to a NATS server (first, or again after a disconnection); <c>server</c> is its server_name.</summary>
internal sealed record ConnectedEvent(string Url, string? Server) : CliEvent("connected")
{
    internal override string HumanText => Server is null ? $"Connected to NATS at {Url}." : $"Connected to NATS at {Url} (server {Server}).";
}

/// <summary><c>bridge</c>: the connection was lost; NATS.Net reconnects by itself.</summary>
internal sealed record DisconnectedEvent(string Url, string Reason) : CliEvent("disconnected")
{
    internal override string HumanText => $"Disconnected from NATS at {Url}: {Reason}; reconnecting.";

    internal override TextTarget Target => TextTarget.Problem;
}

/// <summary><c>bridge</c>: a reconnection attempt failed; the next comes after <c>nextDelayMs</c> (the client's back-off, plus its jitter).</summary>
internal sealed record ReconnectingEvent(string Url, int Attempt, long NextDelayMs) : CliEvent("reconnecting")
{
    internal override string HumanText => $"Reconnection attempt {Attempt} to {Url} failed; next in about {NextDelayMs} ms.";

    internal override TextTarget Target => TextTarget.Problem;
}
