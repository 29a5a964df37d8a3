namespace ZeroBuffer.Diagnostics;

/// <summary>What a reader or writer already counts for itself, read by the collector (any thread).</summary>
internal interface IMeteredEndpoint
{
    /// <summary>Frames committed (writer) or taken (reader).</summary>
    ulong Frames { get; }

    /// <summary>Their payload bytes.</summary>
    ulong Bytes { get; }

    /// <summary>Frames taken and not disposed (reader; 0 for a writer).</summary>
    int HeldFrames { get; }

    /// <summary>The fraction of the ring in use, from the control block; false once the endpoint is disposed (its memory is gone).</summary>
    bool TryReadUtilization(out double utilization);
}
