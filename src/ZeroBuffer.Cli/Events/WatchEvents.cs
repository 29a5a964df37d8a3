namespace ZeroBuffer.Cli.Events;

/// <summary>
/// <c>watch</c>: one interval's rates and the buffer's state now (the text view is a live table).
/// The rates are the writer's: frames committed (wrap markers excluded) and their payload bytes,
/// per second over the interval; <c>frames</c>/<c>bytes</c> are the totals since the watch began;
/// <c>entriesReadPerSecond</c> is the reader's pace (<c>payload_read_count</c>: frames and wrap
/// markers it consumed); <c>exact</c> is false when part of the interval had to be estimated (the ring was lapped
/// between two looks, or too many frames passed to walk). The held and unread figures are
/// <see cref="RingOccupancy"/>'s at the end of the interval (<c>held</c>: "reader holds N undisposed
/// frames (oldest sequence S)", or null when it holds none).
/// </summary>
internal sealed record WatchSampleEvent(
    string Name,
    long Sample,
    double ElapsedMs,
    double FramesPerSecond,
    double MegabytesPerSecond,
    ulong WrittenCount,
    ulong ReadCount,
    ulong UnreadEntries,
    ulong UsedBytes,
    ulong PayloadSize,
    double Utilization,
    string Health,
    ulong ReaderPid,
    bool ReaderAlive,
    ulong WriterPid,
    bool WriterAlive,
    long Frames,
    long Bytes,
    double EntriesReadPerSecond,
    bool Exact,
    bool OccupancyKnown,
    long HeldFrames,
    ulong? OldestHeldSequence,
    long HeldBytes,
    long UnreadFrames,
    long UnreadBytes,
    string? Held) : CliEvent("sample")
{
    internal override string? HumanText => null;
}

/// <summary><c>watch</c>: the buffer disappeared while watched (exit 0).</summary>
internal sealed record BufferGoneEvent(string Name) : CliEvent("gone")
{
    internal override string HumanText => $"Buffer '{Name}' is gone.";
}

/// <summary><c>watch</c>: finished, after --count samples or Ctrl+C.</summary>
internal sealed record WatchDoneEvent(long Samples) : CliEvent("done")
{
    internal override string? HumanText => null;
}
