using ZeroBuffer.Primitives;

namespace ZeroBuffer.Protocol;

/// <summary>
/// The lock files of one buffer name, taken all together or not at all, always in one order
/// (docs/protocol.md §1, §5.1): the name lock in <c>/dev/shm</c>, which excludes creators and
/// cleaners across containers; our reader lock in <c>$TMPDIR/zerobuffer</c> (shared with the C++
/// and Python implementations); upstream C#'s in <c>$TMPDIR/zerobuffer/locks</c>.
/// </summary>
/// <remarks>
/// A creator keeps the two <c>/tmp</c> locks for its reader's lifetime and gives the name lock up
/// as soon as the buffer exists; a cleaner gives all three up when it is done. Every file is
/// deleted only by a holder of its lock (§5.6).
/// </remarks>
internal sealed class NameLocks
{
    private readonly Held[] _held;

    private NameLocks(Held[] held) => _held = held;

    /// <summary>What the locks are taken for.</summary>
    internal enum Purpose
    {
        /// <summary>A reader creating the name: every lock file is created when missing.</summary>
        Create,

        /// <summary>A cleaner: upstream C#'s lock is only taken if its file exists (we never create files there for a check).</summary>
        Clean,
    }

    /// <summary>One lock file this instance holds.</summary>
    private sealed record Held(LockFile Lock, bool Created);

    /// <summary>The three lock files of <paramref name="name"/>, in the order they are taken.</summary>
    internal static string[] Paths(string name) =>
        [ResourceNames.NameLockFile(name), ResourceNames.LockFile(name), ResourceNames.UpstreamLockFile(name)];

    /// <summary>
    /// Takes every lock of <paramref name="name"/>, or none: null when one is held by someone else
    /// (<paramref name="heldPath"/> names it). Files created here get <paramref name="mode"/>.
    /// </summary>
    /// <exception cref="BufferAccessDeniedException">A lock file of another user that this process may not open.</exception>
    internal static NameLocks? TryAcquire(string name, Purpose purpose, uint mode, out string? heldPath)
    {
        string[] paths = Paths(name);
        var held = new List<Held>(paths.Length);
        heldPath = null;
        try
        {
            for (int i = 0; i < paths.Length; i++)
            {
                bool create = purpose == Purpose.Create || i < paths.Length - 1;
                LockFile.Outcome outcome = LockFile.TryAcquire(paths[i], create, name, out LockFile? lockFile, out bool created, mode);
                if (outcome == LockFile.Outcome.Held)
                {
                    heldPath = paths[i];
                    Release(held, deleteAll: false);
                    return null;
                }

                if (outcome == LockFile.Outcome.Acquired)
                {
                    held.Add(new Held(lockFile!, created));
                }
            }

            return new NameLocks([.. held]);
        }
        catch
        {
            Release(held, deleteAll: false);
            throw;
        }
    }

    /// <summary>The paths of the lock files this instance created (they are not part of what existed before).</summary>
    internal IEnumerable<string> CreatedPaths => _held.Where(h => h.Created).Select(h => h.Lock.Path);

    /// <summary>Whether this instance holds the lock file at <paramref name="path"/>.</summary>
    internal bool Holds(string path) => _held.Any(h => h.Lock.Path == path);

    /// <summary>After a create: deletes and releases the name lock; the <c>/tmp</c> locks stay held.</summary>
    internal void ReleaseNameLock() => _held[0].Lock.Release(deleteFile: true); // taken first, always created when missing

    /// <summary>
    /// Releases every lock still held (a released one is skipped), in reverse order. The name lock
    /// is always deleted: it exists only while held, so one left by a crash is removed by whoever
    /// takes it next. The <c>/tmp</c> lock files are deleted when <paramref name="deleteAll"/> (the
    /// name's resources are gone, or a reader is closing it), otherwise only those this instance created.
    /// </summary>
    internal void Release(bool deleteAll) => Release(_held, deleteAll);

    private static void Release(IEnumerable<Held> held, bool deleteAll)
    {
        foreach (Held h in held.Reverse())
        {
            bool nameLock = Path.GetFileName(h.Lock.Path).StartsWith(ResourceNames.NameLockFilePrefix, StringComparison.Ordinal);
            h.Lock.Release(deleteFile: deleteAll || h.Created || nameLock);
        }
    }
}
