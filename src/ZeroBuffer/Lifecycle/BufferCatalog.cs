using System.Buffers.Binary;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ZeroBuffer.Interop;
using ZeroBuffer.Primitives;
using ZeroBuffer.Protocol;

namespace ZeroBuffer.Lifecycle;

/// <summary>
/// The operator's view of the buffers on this machine: lists every buffer name with its state
/// (<see cref="BufferState.Live"/>, <see cref="BufferState.Stale"/>, <see cref="BufferState.Orphaned"/>)
/// and removes the ones nobody owns any more.
/// </summary>
/// <remarks>
/// <para>Names are found in the lock directory (<c>*.lock</c>), among the semaphores in
/// <c>/dev/shm</c> (<c>sem.sem-w-N</c>, <c>sem.sem-r-N</c>), and among the segments in
/// <c>/dev/shm</c> that start with a valid protocol-1 control block. Other files in
/// <c>/dev/shm</c> are never looked at twice and never touched.</para>
/// <para>Safety: a name is only ever removed while holding its lock file (created for the
/// occasion when missing), and only after the state was checked again with the lock held. A
/// buffer whose lock is held by someone else, or whose reader or writer PID is alive, is never
/// touched. Readers take the same lock before they create anything, so a cleaner and a creator
/// of one name cannot interleave.</para>
/// </remarks>
public static unsafe class BufferCatalog
{
    /// <summary>
    /// How old the newest file of an orphan must be before <see cref="CleanStale"/> removes it:
    /// an implementation that does not take our lock file (upstream C# keeps its locks elsewhere)
    /// creates its semaphores before its segment, and must not lose them half-way.
    /// </summary>
    public static readonly TimeSpan DefaultOrphanGracePeriod = TimeSpan.FromSeconds(5);

    private const string SemaphoreFilePrefix = "sem.";
    private const string DataSemaphoreFilePrefix = "sem.sem-w-";
    private const string SpaceSemaphoreFilePrefix = "sem.sem-r-";

    /// <summary>Every buffer name found, with its state, sorted by name.</summary>
    public static IReadOnlyList<BufferInfo> List()
    {
        var result = new List<BufferInfo>();
        foreach (string name in DiscoverNames())
        {
            BufferInfo? info = Inspect(name);
            if (info is not null)
            {
                result.Add(info);
            }
        }

        return result;
    }

    /// <summary>The state of one name; null when none of its resources exists.</summary>
    /// <exception cref="ArgumentException">Invalid name.</exception>
    public static BufferInfo? Inspect(string name)
    {
        ResourceNames.Validate(name);
        return Examine(name, lockHeldByUs: false, lockFileIsOurs: false);
    }

    /// <summary>
    /// Removes the resources of <paramref name="name"/> if it is stale or orphaned; refuses a live
    /// buffer (<see cref="CleanupOutcome.RefusedLive"/>) and touches nothing then. With
    /// <paramref name="dryRun"/> only reports what would be removed.
    /// </summary>
    /// <exception cref="ArgumentException">Invalid name.</exception>
    /// <exception cref="SystemCallException">The lock file could not be opened (e.g. permissions).</exception>
    public static CleanupResult Clean(string name, bool dryRun = false)
    {
        ResourceNames.Validate(name);
        return CleanOne(name, dryRun, orphanGracePeriod: TimeSpan.Zero, NullLogger.Instance);
    }

    /// <summary>
    /// Removes every stale buffer and every orphan whose newest file is older than
    /// <paramref name="orphanGracePeriod"/> (default <see cref="DefaultOrphanGracePeriod"/>).
    /// Live buffers are never touched. Returns one result per non-live name examined.
    /// </summary>
    public static IReadOnlyList<CleanupResult> CleanStale(bool dryRun = false, TimeSpan? orphanGracePeriod = null) =>
        CleanStaleCore(dryRun, orphanGracePeriod ?? DefaultOrphanGracePeriod, exceptName: null, NullLogger.Instance);

    /// <summary>The sweep run at reader creation (never throws); returns how many names were removed.</summary>
    internal static int Sweep(string? exceptName, ILogger logger)
    {
        int removed = 0;
        foreach (CleanupResult result in CleanStaleCore(dryRun: false, DefaultOrphanGracePeriod, exceptName, logger))
        {
            removed += result.Outcome == CleanupOutcome.Removed ? 1 : 0;
        }

        return removed;
    }

    private static List<CleanupResult> CleanStaleCore(bool dryRun, TimeSpan orphanGracePeriod, string? exceptName, ILogger logger)
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
                // Cheap look first (no lock taken for buffers with a live PID), then the real check under the lock.
                BufferInfo? seen = Examine(name, lockHeldByUs: false, lockFileIsOurs: false);
                if (seen is null || seen.State == BufferState.Live)
                {
                    continue;
                }

                if (IsRecentOrphan(seen, orphanGracePeriod))
                {
                    // Not even the lock is taken: a creator that is half-way must not see a lock file appear.
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

        return results;
    }

    private static CleanupResult CleanOne(string name, bool dryRun, TimeSpan orphanGracePeriod, ILogger logger)
    {
        string lockPath = ResourceNames.LockFile(name);
        BufferInfo? first = Examine(name, lockHeldByUs: false, lockFileIsOurs: false);
        if (first is null)
        {
            return new CleanupResult(name, CleanupOutcome.NotFound, null, BufferResources.None, $"No buffer '{name}' exists.");
        }

        if (first.State == BufferState.Live)
        {
            return Refused(first);
        }

        if (LockFile.TryAcquire(lockPath, create: true, name, out LockFile? lockFile, out bool lockCreated) != LockFile.Outcome.Acquired)
        {
            return new CleanupResult(name, CleanupOutcome.RefusedLive, BufferState.Live, BufferResources.None,
                $"Buffer '{name}' is live: its lock file '{lockPath}' is held. Nothing was removed.");
        }

        bool deleteLockFile = lockCreated; // a lock file created only to check the name goes again
        try
        {
            BufferInfo? info = Examine(name, lockHeldByUs: true, lockFileIsOurs: lockCreated);
            if (info is null)
            {
                return new CleanupResult(name, CleanupOutcome.NotFound, null, BufferResources.None, $"No buffer '{name}' exists.");
            }

            if (info.State == BufferState.Live)
            {
                return Refused(info);
            }

            if (IsRecentOrphan(info, orphanGracePeriod))
            {
                return SkippedRecent(info, orphanGracePeriod);
            }

            if (dryRun)
            {
                return new CleanupResult(name, CleanupOutcome.WouldRemove, info.State, info.Resources,
                    $"Would remove {info.State.ToString().ToLowerInvariant()} buffer '{name}' ({Describe(info.Resources)}): {info.Reason}.");
            }

            ReaderResources.RemoveNames(name);
            deleteLockFile = true;
            Log.RemovedStaleBuffer(logger, name, info.ReaderPid, info.WriterPid);
            return new CleanupResult(name, CleanupOutcome.Removed, info.State, info.Resources,
                $"Removed {info.State.ToString().ToLowerInvariant()} buffer '{name}' ({Describe(info.Resources)}): {info.Reason}.");
        }
        finally
        {
            lockFile!.Release(deleteLockFile);
        }
    }

    private static bool IsRecentOrphan(BufferInfo info, TimeSpan orphanGracePeriod) =>
        info.State == BufferState.Orphaned && DateTime.UtcNow - info.LastChangeUtc < orphanGracePeriod;

    private static CleanupResult SkippedRecent(BufferInfo info, TimeSpan orphanGracePeriod) =>
        new(info.Name, CleanupOutcome.SkippedRecent, info.State, BufferResources.None,
            $"Orphaned buffer '{info.Name}' changed less than {orphanGracePeriod.TotalSeconds:0.#} s ago; left alone for now.");

    private static CleanupResult Refused(BufferInfo info) =>
        new(info.Name, CleanupOutcome.RefusedLive, BufferState.Live, BufferResources.None,
            $"Buffer '{info.Name}' is live ({info.Reason}). Nothing was removed.");

    /// <summary>"segment, sem-w, sem-r, lock file" for messages.</summary>
    public static string Describe(BufferResources resources)
    {
        var parts = new List<string>(4);
        if (resources.HasFlag(BufferResources.Segment)) parts.Add("segment");
        if (resources.HasFlag(BufferResources.DataSemaphore)) parts.Add("sem-w");
        if (resources.HasFlag(BufferResources.SpaceSemaphore)) parts.Add("sem-r");
        if (resources.HasFlag(BufferResources.LockFile)) parts.Add("lock file");
        return parts.Count == 0 ? "nothing" : string.Join(", ", parts);
    }

    /// <summary>
    /// What exists of <paramref name="name"/> and its state. <paramref name="lockHeldByUs"/>: the
    /// caller holds the lock (so it is not "held by someone"); <paramref name="lockFileIsOurs"/>:
    /// the caller created the lock file just now (it does not count as a resource).
    /// </summary>
    private static BufferInfo? Examine(string name, bool lockHeldByUs, bool lockFileIsOurs)
    {
        string segmentPath = ResourceNames.SegmentFile(name);
        string dataPath = ResourceNames.SemaphoreFile(ResourceNames.DataAvailableSemaphore(name));
        string spacePath = ResourceNames.SemaphoreFile(ResourceNames.SpaceAvailableSemaphore(name));
        string lockPath = ResourceNames.LockFile(name);

        BufferResources resources = BufferResources.None;
        DateTime newest = DateTime.MinValue;
        void Note(string path, BufferResources resource)
        {
            if (File.Exists(path))
            {
                resources |= resource;
                DateTime changed = File.GetLastWriteTimeUtc(path);
                newest = changed > newest ? changed : newest;
            }
        }

        Note(segmentPath, BufferResources.Segment);
        Note(dataPath, BufferResources.DataSemaphore);
        Note(spacePath, BufferResources.SpaceSemaphore);
        if (!lockFileIsOurs)
        {
            Note(lockPath, BufferResources.LockFile);
        }

        if (resources == BufferResources.None)
        {
            return null;
        }

        ControlBlock block = resources.HasFlag(BufferResources.Segment) ? ReadControlBlock(segmentPath) : default;
        bool readerAlive = ProcessLiveness.IsAlive(block.ReaderPid);
        bool writerAlive = ProcessLiveness.IsAlive(block.WriterPid);
        bool lockHeld = false;
        BufferState state;
        string reason;
        if (block.Unreadable)
        {
            (state, reason) = (BufferState.Live, "its segment cannot be read, so its owner cannot be checked");
        }
        else if (readerAlive)
        {
            (state, reason) = (BufferState.Live, $"reader PID {block.ReaderPid} is alive");
        }
        else if (writerAlive)
        {
            (state, reason) = (BufferState.Live, $"writer PID {block.WriterPid} is alive (reader PID {block.ReaderPid} is gone)");
        }
        else if (!lockHeldByUs && (lockHeld = IsLockHeld(lockPath)))
        {
            (state, reason) = (BufferState.Live, "its lock file is held");
        }
        else if (block.Initialized && resources.HasFlag(BufferResources.DataSemaphore | BufferResources.SpaceSemaphore))
        {
            (state, reason) = (BufferState.Stale, DeadOwners(block));
        }
        else
        {
            (state, reason) = (BufferState.Orphaned, OrphanReason(resources, block));
        }

        return new BufferInfo(name, state, reason, resources, block.ReaderPid, block.WriterPid, readerAlive, writerAlive, lockHeld,
            block.Length, block.MetadataSize, block.PayloadSize, newest);
    }

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

    private static string DeadOwners(ControlBlock block)
    {
        string reader = block.ReaderPid == 0 ? "no reader PID" : $"reader PID {block.ReaderPid} is dead";
        string writer = block.WriterPid == 0 ? "no writer PID" : $"writer PID {block.WriterPid} is dead";
        return $"lock free, {reader}, {writer}";
    }

    private static string OrphanReason(BufferResources resources, ControlBlock block)
    {
        if (!resources.HasFlag(BufferResources.Segment))
        {
            return $"{Describe(resources)} without a segment";
        }

        if (!block.Initialized)
        {
            return "segment never initialised (no valid control block)";
        }

        return $"segment without {Describe((BufferResources.DataSemaphore | BufferResources.SpaceSemaphore) & ~resources)}, {DeadOwners(block)}";
    }

    /// <summary>Candidate names: lock files, our semaphores, and segments with a protocol-1 control block.</summary>
    private static SortedSet<string> DiscoverNames()
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string path in SafeList(ResourceNames.LockDirectory, "*" + ResourceNames.LockFileExtension))
        {
            Add(names, Path.GetFileNameWithoutExtension(path));
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
            else if (!file.StartsWith(SemaphoreFilePrefix, StringComparison.Ordinal) && ResourceNames.IsValid(file)
                     && !names.Contains(file) && ReadControlBlock(path).Initialized)
            {
                names.Add(file);
            }
        }

        return names;
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

    /// <summary>The fields of a segment's control block that tell who owns it, read through the file (no mapping).</summary>
    private readonly record struct ControlBlock(
        bool Unreadable, bool Initialized, long Length, ulong ReaderPid, ulong WriterPid, long MetadataSize, long PayloadSize);

    private static ControlBlock ReadControlBlock(string path)
    {
        try
        {
            using Microsoft.Win32.SafeHandles.SafeFileHandle file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            long length = RandomAccess.GetLength(file);
            if (length < ZeroBufferLayout.OiebSize)
            {
                return new ControlBlock(false, false, length, 0, 0, 0, 0);
            }

            Span<byte> oieb = stackalloc byte[(int)ZeroBufferLayout.OiebSize];
            if (RandomAccess.Read(file, oieb, 0) < oieb.Length)
            {
                return new ControlBlock(false, false, length, 0, 0, 0, 0);
            }

            uint size = BinaryPrimitives.ReadUInt32LittleEndian(oieb);
            byte major = oieb[4];
            ulong metadata = BinaryPrimitives.ReadUInt64LittleEndian(oieb[8..]);
            ulong payload = BinaryPrimitives.ReadUInt64LittleEndian(oieb[32..]);
            ulong writerPid = BinaryPrimitives.ReadUInt64LittleEndian(oieb[80..]);
            ulong readerPid = BinaryPrimitives.ReadUInt64LittleEndian(oieb[88..]);
            bool initialized = size == ZeroBufferLayout.OiebSize && major == ZeroBufferLayout.VersionMajor && payload > 0
                               && metadata <= (ulong)length && payload <= (ulong)length
                               && (ulong)ZeroBufferLayout.OiebSize + metadata + payload <= (ulong)length;
            return initialized
                ? new ControlBlock(false, true, length, readerPid, writerPid, (long)metadata, (long)payload)
                : new ControlBlock(false, false, length, readerPid, writerPid, 0, 0);
        }
        catch (FileNotFoundException)
        {
            return default;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new ControlBlock(true, false, 0, 0, 0, 0, 0);
        }
    }
}
