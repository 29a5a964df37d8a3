namespace ZeroBuffer.Extensions.Hosting;

/// <summary>What a hosted endpoint does when its peer (the other process) leaves.</summary>
public enum PeerGoneBehavior
{
    /// <summary>Log it and wait for the next peer: a reader keeps its buffer, a writer connects to the next reader.</summary>
    WaitForNext = 0,

    /// <summary>Log it and stop the host (<see cref="Microsoft.Extensions.Hosting.IHostApplicationLifetime.StopApplication"/>).</summary>
    StopHost = 1,
}
