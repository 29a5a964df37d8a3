using Microsoft.Extensions.Logging;
using ZeroBuffer.Interop;
using ZeroBuffer.Primitives;
using ZeroBuffer.Topics;

namespace ZeroBuffer.Protocol;

/// <summary>
/// Finds the buffer names on this machine, examines each (Live, Stale, Orphaned), and removes the
/// ones nobody owns any more (docs/protocol.md §5.5): the engine behind <c>BufferCatalog</c> and
/// the stale sweep a reader runs before it creates its buffer.
/// </summary>
/// <remarks>
/// A name is only removed with all its locks held (<see cref="NameLocks"/>, created for the
/// occasion when missing) and after it was examined again under them. A name whose lock is held,
/// or whose reader or writer is alive (by their liveness locks, from any namespace that shares
/// <c>/dev/shm</c>; by PID for peers that take none), is never touched.
/// </remarks>
internal static unsafe class BufferCensus
{
    /// <summary>How old the newest file of an orphan must be before the sweep removes it (§5.5).</summary>
    internal static readonly TimeSpan DefaultOrphanGracePeriod = TimeSpan.FromSeconds(5);

    private const string SemaphoreFilePrefix = "sem.";
    private const string DataSemaphoreFilePrefix = "sem.sem-w-";
    private const string SpaceSemaphoreFilePrefix = "sem.sem-r-";

    /// <summary>Every name found: lock files, our semaphores, name locks, and segments with a protocol-1 control block.</summary>
    internal static SortedSet<string> DiscoverNames()
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string directory in new[] { ResourceNames.LockDirectory, ResourceNames.UpstreamLockDirectory })
        {
            foreach (string path in SafeList(directory, "*" + ResourceNames.LockFileExtension))
            {
                Add(names, Path.GetFileNameWithoutExtension(path));
            }
        }

        foreach (string path in SafeList(ResourceNames.ShmDirectory, "*"))
        {
            string file = Path.GetFileName(path);
            if (file.StartsWith(DataSemaphoreFilePrefix, StringComparison.Ordinal))
            {
                Add(names, file[DataSemaphoreFilePrefix.Length..]);
            }
            else if (file.StartsWith(SpaceSemaphoreFilePrefix, StringComparison.Ordinal))
            {
                Add(names, file[SpaceSemaphoreFilePrefix.Length..]);
            }
            else if (file.StartsWith(ResourceNames.NameLockFilePrefix, StringComparison.Ordinal))
            {
                Add(names, file[ResourceNames.NameLockFilePrefix.Length..]);
            }
            else if (!file.StartsWith(SemaphoreFilePrefix, StringComparison.Ordinal) && ResourceNames.IsValid(file) && !names.Contains(file))
            {
                SegmentLook look = LookAtSegment(file);
                if (look.Block is { IsProtocol1WithLayout: true })
                {
                    names.Add(file);
                }
            }
        }

        return names;
    }

    /// <summary>
    /// What exists of <paramref name="name"/> and its state; null when nothing does.
    /// <paramref name="ours"/>: locks the caller holds (they are neither "held by someone" nor,
    /// when the caller created them, resources of the name).
    /// </summary>
    internal static BufferInfo? Examine(string name, NameLocks? ours = null)
    {
        string segmentPath = ResourceNames.SegmentFile(name);
        string dataPath = ResourceNames.SemaphoreFile(ResourceNames.DataAvailableSemaphore(name));
        string spacePath = ResourceNames.SemaphoreFile(ResourceNames.SpaceAvailableSemaphore(name));
        string[] lockPaths = NameLocks.Paths(name);
        BufferResources[] lockResources = [BufferResources.NameLockFile, BufferResources.LockFile, BufferResources.UpstreamLockFile];
        var createdByCaller = new HashSet<string>(ours?.CreatedPaths ?? [], StringComparer.Ordinal);

        BufferResources resources = BufferResources.None;
        DateTime newest = DateTime.MinValue;
        void Note(string path, BufferResources resource)
        {
            if (File.Exists(path) && !createdByCaller.Contains(path))
            {
                resources |= resource;
                DateTime changed = File.GetLastWriteTimeUtc(path);
                newest = changed > newest ? changed : newest;
            }
        }

        Note(segmentPath, BufferResources.Segment);
        Note(dataPath, BufferResources.DataSemaphore);
        Note(spacePath, BufferResources.SpaceSemaphore);
        for (int i = 0; i < lockPaths.Length; i++)
        {
            Note(lockPaths[i], lockResources[i]);
        }

        if (resources == BufferResources.None)
        {
            return null;
        }

        SegmentLook segment = resources.HasFlag(BufferResources.Segment) ? LookAtSegment(name) : default;
        ControlBlock block = segment.Block ?? default;
        bool readerAlive = PeerLiveness.IsPresent(segment.Reader);
        bool writerAlive = segment.Writer == PeerState.Alive;
        string? heldLock = null;
        for (int i = 0; i < lockPaths.Length && heldLock is null; i++)
        {
            if ((ours is null || !ours.Holds(lockPaths[i])) && resources.HasFlag(lockResources[i]) && IsLockHeld(lockPaths[i]))
            {
                heldLock = lockPaths[i];
            }
        }

        bool initialized = segment.Block is { IsProtocol1WithLayout: true };
        BufferState state;
        string reason;
        if (segment.Unreadable)
        {
            (state, reason) = (BufferState.Live, segment.NotAFile
                ? $"'{segmentPath}' is not a regular file (not a segment of ours), so it is left alone"
                : "its segment cannot be read, so its owner cannot be checked");
        }
        else if (readerAlive)
        {
            (state, reason) = (BufferState.Live, segment.Reader == PeerState.Closing
                ? "its reader is closing it"
                : $"reader PID {block.ReaderPid} is alive");
        }
        else if (writerAlive)
        {
            (state, reason) = (BufferState.Live, $"writer PID {block.WriterPid} is alive (its reader is gone)");
        }
        else if (heldLock is not null)
        {
            (state, reason) = (BufferState.Live, $"its lock file '{heldLock}' is held");
        }
        else if (initialized && resources.HasFlag(BufferResources.DataSemaphore | BufferResources.SpaceSemaphore))
        {
            (state, reason) = (BufferState.Stale, DeadOwners(block, segment));
        }
        else
        {
            (state, reason) = (BufferState.Orphaned, OrphanReason(resources, block, segment, initialized));
        }

        return new BufferInfo(name, state, reason, resources, block.ReaderPid, block.WriterPid, readerAlive, writerAlive,
            heldLock is not null, block.SegmentLength,
            initialized ? (long)block.MetadataSize : 0, initialized ? (long)block.PayloadSize : 0, newest, segment.Block);
    }

    /// <summary>
    /// Removes <paramref name="name"/> if it is stale or orphaned (an orphan only once its newest
    /// file is <paramref name="orphanGracePeriod"/> old); refuses a live one and touches nothing then.
    /// </summary>
    internal static CleanupResult CleanOne(string name, bool dryRun, TimeSpan orphanGracePeriod, ILogger logger)
    {
        BufferInfo? first = Examine(name);
        if (first is null)
        {
            return NotFound(name);
        }

        if (first.State == BufferState.Live)
        {
            return Refused(first);
        }

        NameLocks? locks = NameLocks.TryAcquire(name, NameLocks.Purpose.Clean, FileModes.OwnerOnly, out string? heldPath);
        if (locks is null)
        {
            return new CleanupResult(name, CleanupOutcome.RefusedLive, BufferState.Live, BufferResources.None,
                $"Buffer '{name}' is live: its lock file '{heldPath}' is held. Nothing was removed.");
        }

        bool removed = false;
        try
        {
            BufferInfo? info = Examine(name, locks);
            if (info is null)
            {
                return NotFound(name);
            }

            if (info.State == BufferState.Live)
            {
                return Refused(info);
            }

            if (IsRecentOrphan(info, orphanGracePeriod))
            {
                return SkippedRecent(info, orphanGracePeriod);
            }

            string what = $"{info.State.ToString().ToLowerInvariant()} buffer '{name}' ({Describe(info.Resources)}): {info.Reason}";
            if (dryRun)
            {
                return new CleanupResult(name, CleanupOutcome.WouldRemove, info.State, info.Resources, $"Would remove {what}.");
            }

            RemoveNames(name);
            removed = true; // the lock files go too, deleted while held (§5.6)
            Log.RemovedStaleBuffer(logger, name, info.ReaderPid, info.WriterPid);
            return new CleanupResult(name, CleanupOutcome.Removed, info.State, info.Resources, $"Removed {what}.");
        }
        finally
        {
            locks.Release(deleteAll: removed);
        }
    }

    /// <summary>
    /// Cleans every stale name and every orphan older than the grace period, except
    /// <paramref name="exceptName"/>; errors on one name are logged and skip it. One result per
    /// name that was not live.
    /// </summary>
    internal static List<CleanupResult> CleanStale(bool dryRun, TimeSpan orphanGracePeriod, string? exceptName, ILogger logger)
    {
        var results = new List<CleanupResult>();
        foreach (string name in DiscoverNames())
        {
            if (name == exceptName)
            {
                continue;
            }

            try
            {
                // A cheap look first (no lock taken for live buffers), then the real check under the locks.
                BufferInfo? seen = Examine(name);
                if (seen is null || seen.State == BufferState.Live)
                {
                    continue;
                }

                if (IsRecentOrphan(seen, orphanGracePeriod))
                {
                    // Not even a lock is taken: a creator that is half-way must not see a lock file appear.
                    results.Add(SkippedRecent(seen, orphanGracePeriod));
                    continue;
                }

                CleanupResult result = CleanOne(name, dryRun, orphanGracePeriod, logger);
                if (result.Outcome is not (CleanupOutcome.NotFound or CleanupOutcome.RefusedLive))
                {
                    results.Add(result);
                }
            }
            catch (Exception ex) when (ex is ZeroBufferException or IOException or UnauthorizedAccessException)
            {
                Log.SweepSkipped(logger, name, ex.Message);
            }
        }

        if (!dryRun)
        {
            _ = AbandonedTopicLocks.Remove(logger); // a crashed publisher's lock file (docs/topics.md)
        }

        return results;
    }

    /// <summary>The sweep a reader runs before it creates <paramref name="exceptName"/> (never throws); returns how many names it removed.</summary>
    internal static int Sweep(string exceptName, ILogger logger) =>
        CleanStale(dryRun: false, DefaultOrphanGracePeriod, exceptName, logger).Count(r => r.Outcome == CleanupOutcome.Removed);

    /// <summary>
    /// Unlinks both semaphores, then the segment of <paramref name="name"/> (not the lock files).
    /// Semaphores first: a creator elsewhere that still finds the segment waits for it to go, and
    /// once it is gone, so are they (§5.4).
    /// </summary>
    internal static void RemoveNames(string name)
    {
        NamedSemaphore.Unlink(ResourceNames.DataAvailableSemaphore(name));
        NamedSemaphore.Unlink(ResourceNames.SpaceAvailableSemaphore(name));
        SharedMemorySegment.Unlink(ResourceNames.Segment(name));
    }

    /// <summary>"segment, sem-w, sem-r, lock file" for messages.</summary>
    internal static string Describe(BufferResources resources)
    {
        var parts = new List<string>(6);
        if (resources.HasFlag(BufferResources.Segment)) parts.Add("segment");
        if (resources.HasFlag(BufferResources.DataSemaphore)) parts.Add("sem-w");
        if (resources.HasFlag(BufferResources.SpaceSemaphore)) parts.Add("sem-r");
        if (resources.HasFlag(BufferResources.LockFile)) parts.Add("lock file");
        if (resources.HasFlag(BufferResources.UpstreamLockFile)) parts.Add("upstream lock file");
        if (resources.HasFlag(BufferResources.NameLockFile)) parts.Add("name lock");
        return parts.Count == 0 ? "nothing" : string.Join(", ", parts);
    }

    /// <summary>
    /// What a look at a segment found: its control block and its peers' states. <paramref name="Unreadable"/>:
    /// it exists but could not be read (another user's, or not a regular file), so nothing can be said of its owners.
    /// </summary>
    internal readonly record struct SegmentLook(bool Unreadable, ControlBlock? Block, PeerState Reader, PeerState Writer)
    {
        /// <summary>It exists but is not a regular file (a FIFO, a directory...): no segment at all.</summary>
        internal bool NotAFile { get; init; }
    }

    /// <summary>
    /// Reads the control block of <paramref name="name"/> through its file, read-only (no mapping,
    /// no connection), and asks the liveness locks through that descriptor.
    /// </summary>
    internal static SegmentLook LookAtSegment(string name)
    {
        string path = ResourceNames.SegmentFile(name);

        // O_NONBLOCK: anyone can plant a FIFO in /dev/shm, and opening one for reading would wait for a writer.
        int fd = LibC.Open(path, LibC.O_RDONLY | LibC.O_CLOEXEC | LibC.O_NOFOLLOW | LibC.O_NONBLOCK, 0);
        if (fd < 0)
        {
            return Errno.Last == Errno.ENOENT
                ? new SegmentLook(false, null, PeerState.Absent, PeerState.Absent)
                : new SegmentLook(true, null, PeerState.Absent, PeerState.Absent);
        }

        try
        {
            if (!FileStatus.IsRegularFile(fd))
            {
                return new SegmentLook(true, null, PeerState.Absent, PeerState.Absent) { NotAFile = true };
            }

            long length = LibC.LSeek(fd, 0, LibC.SEEK_END);
            byte* oieb = stackalloc byte[ZeroBufferLayout.OiebSize];
            nint got = length < 0 ? -1 : LibC.PRead(fd, oieb, ZeroBufferLayout.OiebSize, 0);
            if (got < 0)
            {
                return new SegmentLook(true, null, PeerState.Absent, PeerState.Absent);
            }

            ControlBlock block = ControlBlock.Parse(new ReadOnlySpan<byte>(oieb, (int)got), length);
            if (block.SegmentLength < ZeroBufferLayout.OiebSize || block.OiebSize == 0)
            {
                // Not initialised: the creator may still hold its lock (a reader takes it before oieb_size).
                bool creating = RangeLock.IsHeldByOther(fd, ZeroBufferLayout.ReaderLockOffset, ZeroBufferLayout.LivenessLockLength, name);
                return new SegmentLook(false, block, creating ? PeerState.Alive : PeerState.Absent, PeerState.Absent);
            }

            var source = ControlBlockSource.File(fd, length);
            PeerState reader = PeerLiveness.Reader(source, fd, name, out _);
            PeerState writer = PeerLiveness.Writer(source, fd, name, out block);
            return new SegmentLook(false, block, reader, writer);
        }
        finally
        {
            _ = LibC.Close(fd);
        }
    }

    /// <summary>
    /// An orphan the sweep leaves alone for now: one with a segment or semaphores that changed within
    /// the grace period (a creator that ignores our locks may be half-way). Lock files alone get no
    /// grace: whoever creates a buffer holds its lock file, so one nobody holds is garbage, left by a
    /// crash or by a sweep in another container that removed the name but cannot see this /tmp.
    /// </summary>
    private static bool IsRecentOrphan(BufferInfo info, TimeSpan orphanGracePeriod) =>
        info.State == BufferState.Orphaned
        && (info.Resources & ~(BufferResources.LockFile | BufferResources.UpstreamLockFile | BufferResources.NameLockFile)) != BufferResources.None
        && DateTime.UtcNow - info.LastChangeUtc < orphanGracePeriod;

    private static CleanupResult NotFound(string name) =>
        new(name, CleanupOutcome.NotFound, null, BufferResources.None, $"No buffer '{name}' exists.");

    private static CleanupResult SkippedRecent(BufferInfo info, TimeSpan orphanGracePeriod) =>
        new(info.Name, CleanupOutcome.SkippedRecent, info.State, BufferResources.None,
            $"Orphaned buffer '{info.Name}' changed less than {orphanGracePeriod.TotalSeconds:0.#} s ago; left alone for now.");

    private static CleanupResult Refused(BufferInfo info) =>
        new(info.Name, CleanupOutcome.RefusedLive, BufferState.Live, BufferResources.None,
            $"Buffer '{info.Name}' is live ({info.Reason}). Nothing was removed.");

    /// <summary>Whether someone holds the lock; a lock file that cannot be opened counts as held (never clean what cannot be checked).</summary>
    private static bool IsLockHeld(string lockPath)
    {
        try
        {
            return LockFile.IsHeld(lockPath);
        }
        catch (ZeroBufferException)
        {
            return true;
        }
    }

    private static string DeadOwners(in ControlBlock block, SegmentLook segment)
    {
        string reader = segment.Reader switch
        {
            PeerState.Closed => "reader closed",
            _ when block.ReaderPid == 0 => "no reader PID",
            _ => $"reader PID {block.ReaderPid} died",
        };
        string writer = segment.Writer switch
        {
            PeerState.Closed => "writer closed",
            _ when block.WriterPid == 0 => "no writer PID",
            _ => $"writer PID {block.WriterPid} died",
        };
        return $"locks free, {reader}, {writer}";
    }

    private static string OrphanReason(BufferResources resources, in ControlBlock block, SegmentLook segment, bool initialized)
    {
        if (!resources.HasFlag(BufferResources.Segment))
        {
            return $"{Describe(resources)} without a segment";
        }

        if (!initialized)
        {
            return "segment never initialised (no valid control block)";
        }

        return $"segment without {Describe((BufferResources.DataSemaphore | BufferResources.SpaceSemaphore) & ~resources)}, {DeadOwners(block, segment)}";
    }

    private static void Add(SortedSet<string> names, string name)
    {
        if (ResourceNames.IsValid(name))
        {
            names.Add(name);
        }
    }

    private static string[] SafeList(string directory, string pattern)
    {
        try
        {
            return Directory.Exists(directory) ? Directory.GetFiles(directory, pattern) : [];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
