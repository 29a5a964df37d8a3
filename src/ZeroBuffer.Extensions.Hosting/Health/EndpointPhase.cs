namespace ZeroBuffer.Extensions.Hosting.Health;

/// <summary>Where a hosted endpoint is in its life.</summary>
internal enum EndpointPhase
{
    /// <summary>The host has not started it (yet).</summary>
    NotStarted,

    /// <summary>Started: serving, or waiting for its peer.</summary>
    Running,

    /// <summary>Stopped with the host, or by its <see cref="PeerGoneBehavior.StopHost"/> policy.</summary>
    Stopped,

    /// <summary>Ended by an error it cannot recover from.</summary>
    Failed,
}
