using Microsoft.Extensions.Logging.Abstractions;
using ZeroBuffer.Protocol;

namespace ZeroBuffer.Lifecycle;

/// <summary>
/// The operator's view of the buffers on this machine: lists every buffer name with its state
/// (<see cref="BufferState.Live"/>, <see cref="BufferState.Stale"/>, <see cref="BufferState.Orphaned"/>)
/// and removes the ones nobody owns any more.
/// </summary>
/// <remarks>
/// <para>Names are found in the lock directories (<c>$TMPDIR/zerobuffer/*.lock</c>,
/// <c>$TMPDIR/zerobuffer/locks/*.lock</c>), among the semaphores and name locks in <c>/dev/shm</c>,
/// and among the segments in <c>/dev/shm</c> that start with a valid protocol-1 control block.
/// Other files in <c>/dev/shm</c> are never touched.</para>
/// <para>Safety: a name is only ever removed while holding all its lock files (created for the
/// occasion when missing), and only after its state was checked again with them held. A buffer
/// whose lock is held by someone else, or whose reader or writer is alive — by their liveness
/// locks, from any container that shares <c>/dev/shm</c>; by PID for peers that take none — is
/// never touched. Readers take the same locks before they create anything, so a cleaner and a
/// creator of one name cannot interleave (docs/protocol.md §5.5).</para>
/// </remarks>
public static class BufferCatalog
{
    /// <summary>
    /// How old the newest file of an orphan must be before <see cref="CleanStale"/> removes it:
    /// an implementation that does not take our locks (upstream C#) creates its semaphores before
    /// its segment, and must not lose them half-way.
    /// </summary>
    public static readonly TimeSpan DefaultOrphanGracePeriod = BufferCensus.DefaultOrphanGracePeriod;

    /// <summary>Every buffer name found, with its state, sorted by name.</summary>
    public static IReadOnlyList<BufferInfo> List() =>
        [.. BufferCensus.DiscoverNames().Select(name => BufferCensus.Examine(name)).OfType<BufferInfo>()];

    /// <summary>The state of one name; null when none of its resources exists.</summary>
    /// <exception cref="ArgumentException">Invalid name.</exception>
    public static BufferInfo? Inspect(string name)
    {
        ResourceNames.Validate(name);
        return BufferCensus.Examine(name);
    }

    /// <summary>
    /// What takes the ring's space of <paramref name="name"/> now: frames its reader took and has
    /// not disposed (with the oldest one's sequence number), frames committed and not read yet,
    /// and free bytes (docs/protocol.md §4.6). Looks through the segment file, mapped read-only:
    /// connects to nothing and writes nothing. Null when there is no initialised segment of that
    /// name that this process may read.
    /// </summary>
    /// <exception cref="ArgumentException">Invalid name.</exception>
    public static RingOccupancy? Occupancy(string name)
    {
        ResourceNames.Validate(name);
        return OccupancyWalk.MeasureSegmentFile(name);
    }

    /// <summary>
    /// Removes the resources of <paramref name="name"/> if it is stale or orphaned; refuses a live
    /// buffer (<see cref="CleanupOutcome.RefusedLive"/>) and touches nothing then. With
    /// <paramref name="dryRun"/> only reports what would be removed.
    /// </summary>
    /// <exception cref="ArgumentException">Invalid name.</exception>
    /// <exception cref="BufferAccessDeniedException">A lock file of another user that this process may not open.</exception>
    /// <exception cref="SystemCallException">A lock file could not be opened for another reason.</exception>
    public static CleanupResult Clean(string name, bool dryRun = false)
    {
        ResourceNames.Validate(name);
        return BufferCensus.CleanOne(name, dryRun, orphanGracePeriod: TimeSpan.Zero, NullLogger.Instance);
    }

    /// <summary>
    /// Removes every stale buffer and every orphan whose newest file is older than
    /// <paramref name="orphanGracePeriod"/> (default <see cref="DefaultOrphanGracePeriod"/>).
    /// Live buffers are never touched. Returns one result per non-live name examined.
    /// </summary>
    public static IReadOnlyList<CleanupResult> CleanStale(bool dryRun = false, TimeSpan? orphanGracePeriod = null) =>
        BufferCensus.CleanStale(dryRun, orphanGracePeriod ?? DefaultOrphanGracePeriod, exceptName: null, NullLogger.Instance);

    /// <summary>"segment, sem-w, sem-r, lock file" for messages.</summary>
    public static string Describe(BufferResources resources) => BufferCensus.Describe(resources);
}
