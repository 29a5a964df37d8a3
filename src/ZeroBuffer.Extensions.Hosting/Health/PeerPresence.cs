namespace ZeroBuffer.Extensions.Hosting.Health;

/// <summary>What an endpoint knows of its peer process.</summary>
internal enum PeerPresence
{
    /// <summary>No peer has connected yet.</summary>
    None,

    /// <summary>A peer is connected and alive.</summary>
    Connected,

    /// <summary>The last peer left on purpose (closed its end).</summary>
    Closed,

    /// <summary>The last peer crashed (its process is gone, or it left without closing).</summary>
    Died,
}
