namespace ZeroBuffer.Cli;

/// <summary>
/// Fault injection for crash tests (<c>--pause-at POINT</c>): the command stops at a named
/// protocol point, reports <c>{"event":"paused","point":"POINT"[,"sequence":s]}</c>, and blocks
/// until it is killed (SIGKILL is the test's crash) or interrupted.
/// </summary>
internal static class FaultPoints
{
    /// <summary>write: a frame is acquired (<c>GetFrameBuffer</c>) and half filled, not committed.</summary>
    internal const string AfterAcquire = "after-acquire";

    /// <summary>write: the metadata is acquired (<c>GetMetadataBuffer</c>) and half filled, not committed.</summary>
    internal const string MidMetadata = "mid-metadata";

    /// <summary>read: a frame was read and is held (not yet released).</summary>
    internal const string HoldingFrame = "holding-frame";

    /// <summary>Reports the pause and blocks until the process is killed or interrupted.</summary>
    internal static void Pause(Output output, Interruption stop, string point, ulong? sequence)
    {
        output.Emit(new Events.PausedEvent(point, sequence));
        stop.Token.WaitHandle.WaitOne();
        stop.Token.ThrowIfCancellationRequested();
    }
}
