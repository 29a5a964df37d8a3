namespace ZeroBuffer.Lifecycle;

/// <summary>What a buffer name's resources amount to, as seen by <see cref="BufferCatalog"/>.</summary>
public enum BufferState
{
    /// <summary>
    /// In use: its lock file is held, or a PID in its segment is alive. Never cleaned.
    /// </summary>
    Live,

    /// <summary>
    /// A complete buffer (initialised segment and both semaphores) whose lock is free and whose
    /// reader and writer PIDs are dead or absent: left behind by a crash. Safe to clean.
    /// </summary>
    Stale,

    /// <summary>
    /// An incomplete set of resources with no live owner: semaphores without a segment, a lock
    /// file without a segment, a segment without its semaphores, or a segment never initialised.
    /// Safe to clean (the stale sweep waits for a grace period first, see <see cref="BufferCatalog.CleanStale"/>).
    /// </summary>
    Orphaned,
}
