namespace ZeroBuffer;

/// <summary>What a buffer name's resources amount to, as seen by <see cref="Lifecycle.BufferCatalog"/>.</summary>
public enum BufferState
{
    /// <summary>
    /// In use: one of its lock files is held, or its reader or writer is alive (by their liveness
    /// locks, in any namespace; by PID for peers without one), or its segment cannot be read. Never cleaned.
    /// </summary>
    Live,

    /// <summary>
    /// A complete buffer (initialised segment and both semaphores) whose locks are free and whose
    /// reader and writer are gone: left behind by a crash. Safe to clean.
    /// </summary>
    Stale,

    /// <summary>
    /// An incomplete set of resources with no live owner: semaphores without a segment, lock
    /// files without a segment, a segment without its semaphores, or a segment never initialised.
    /// Safe to clean (the stale sweep waits for a grace period first, see <see cref="Lifecycle.BufferCatalog.CleanStale"/>).
    /// </summary>
    Orphaned,
}
