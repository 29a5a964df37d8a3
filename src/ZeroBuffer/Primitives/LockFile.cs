using ZeroBuffer.Interop;

namespace ZeroBuffer.Primitives;

/// <summary>
/// An exclusive <c>flock</c> on a file, which the kernel releases when the holder dies: the
/// reader's liveness signal that PID reuse cannot fool.
/// </summary>
/// <remarks>
/// Lock files are deleted only by a holder of the lock. Whoever takes the lock then checks that
/// the path still names the file it locked; if someone deleted and recreated it in between, the
/// lock is worthless and it tries again. Together these make create/clean races safe.
/// </remarks>
internal sealed unsafe class LockFile : IDisposable
{
    private int _fd;

    private LockFile(string path, int fd)
    {
        Path = path;
        _fd = fd;
    }

    /// <summary>The lock file's path.</summary>
    internal string Path { get; }

    /// <summary>Outcome of trying to take a lock.</summary>
    internal enum Outcome
    {
        /// <summary>Taken; the caller holds the lock.</summary>
        Acquired,

        /// <summary>Another live process holds it.</summary>
        Held,

        /// <summary>No such file (only when not creating).</summary>
        Missing,
    }

    /// <summary>Takes the lock on <paramref name="path"/>, creating the file (owner-only) when <paramref name="create"/>.</summary>
    internal static Outcome TryAcquire(string path, bool create, string? bufferName, out LockFile? lockFile) =>
        TryAcquire(path, create, bufferName, out lockFile, out _);

    /// <summary>
    /// As above; <paramref name="created"/> tells whether this call created the file it locked
    /// (a cleaner deletes a lock file it created only to check a name), and a file it creates gets
    /// <paramref name="mode"/>. A file of another user that this process may not open gives
    /// <see cref="BufferAccessDeniedException"/>.
    /// </summary>
    internal static Outcome TryAcquire(string path, bool create, string? bufferName, out LockFile? lockFile, out bool created,
        uint mode = FileModes.OwnerOnly)
    {
        lockFile = null;
        created = false;
        if (create)
        {
            EnsureDirectory(System.IO.Path.GetDirectoryName(path)!, bufferName);
        }

        while (true)
        {
            // O_NOFOLLOW: a symlink planted at the lock path is refused (ELOOP), never followed.
            int flags = LibC.O_RDWR | LibC.O_CLOEXEC | LibC.O_NOFOLLOW;
            int fd = -1;
            if (create)
            {
                fd = LibC.Open(path, flags | LibC.O_CREAT | LibC.O_EXCL, mode);
                if (fd < 0 && Errno.Last != Errno.EEXIST)
                {
                    int errno = Errno.Last;
                    if (errno == Errno.EINTR)
                    {
                        continue;
                    }

                    throw OpenFailure(path, bufferName, errno);
                }
            }

            created = fd >= 0;
            if (!created)
            {
                fd = LibC.Open(path, flags, 0);
            }

            if (fd < 0)
            {
                int errno = Errno.Last;
                if (errno == Errno.ENOENT && create)
                {
                    continue; // deleted between the exclusive create and the open: create it
                }

                if (errno == Errno.ENOENT && !create)
                {
                    return Outcome.Missing;
                }

                if (errno == Errno.EINTR)
                {
                    continue;
                }

                throw OpenFailure(path, bufferName, errno);
            }

            if (created)
            {
                // Only a file we created, and whatever the umask: never change the mode of someone else's file.
                _ = LibC.FChmod(fd, mode);
            }

            if (LibC.Flock(fd, LibC.LOCK_EX | LibC.LOCK_NB) != 0)
            {
                int errno = Errno.Last;
                _ = LibC.Close(fd);
                if (errno == Errno.EAGAIN)
                {
                    return Outcome.Held;
                }

                if (errno == Errno.EINTR)
                {
                    continue;
                }

                throw new SystemCallException(bufferName, $"flock(\"{path}\")", errno);
            }

            if (StillNamesLockedFile(path, fd))
            {
                lockFile = new LockFile(path, fd);
                return Outcome.Acquired;
            }

            // The file we locked was deleted (and maybe recreated) by its previous holder: retry.
            _ = LibC.Close(fd);
            if (!create && !File.Exists(path))
            {
                return Outcome.Missing;
            }
        }
    }

    /// <summary>Whether a live process holds the lock on <paramref name="path"/> (false when the file is missing).</summary>
    internal static bool IsHeld(string path)
    {
        Outcome outcome = TryAcquire(path, create: false, null, out LockFile? probe);
        probe?.Release(deleteFile: false);
        return outcome == Outcome.Held;
    }

    /// <summary>Releases the lock, first deleting the file when <paramref name="deleteFile"/> (safe: we hold it).</summary>
    internal void Release(bool deleteFile)
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd < 0)
        {
            return;
        }

        if (deleteFile)
        {
            _ = LibC.Unlink(Path);
        }

        _ = LibC.Close(fd); // closing drops the flock
    }

    /// <summary>Releases without deleting (the normal path deletes explicitly).</summary>
    public void Dispose() => Release(deleteFile: false);

    private static ZeroBufferException OpenFailure(string path, string? bufferName, int errno) =>
        errno == Errno.EACCES
            ? AccessDenied.For(bufferName ?? System.IO.Path.GetFileName(path), path)
            : new SystemCallException(bufferName, $"open(\"{path}\")", errno);

    private static bool StillNamesLockedFile(string path, int fd)
    {
        // struct stat begins with st_dev and st_ino (8 bytes each) on x86-64 and arm64 Linux.
        byte* opened = stackalloc byte[256];
        byte* named = stackalloc byte[256];
        if (LibC.FStat(fd, opened) != 0 || LibC.Stat(path, named) != 0)
        {
            return false;
        }

        return ((ulong*)opened)[0] == ((ulong*)named)[0] && ((ulong*)opened)[1] == ((ulong*)named)[1];
    }

    /// <summary>Creates the lock directory (and a missing parent such as <c>$TMPDIR/zerobuffer</c>) with mode 01777.</summary>
    private static void EnsureDirectory(string directory, string? bufferName)
    {
        if (Directory.Exists(directory))
        {
            return;
        }

        string? parent = System.IO.Path.GetDirectoryName(directory);
        if (parent is not null && System.IO.Path.GetFileName(parent) == "zerobuffer")
        {
            EnsureDirectory(parent, bufferName); // …/zerobuffer/locks: its parent must be shared too
        }

        try
        {
            Directory.CreateDirectory(directory);
            // Every user's readers put their locks here (like /tmp itself: world-writable, sticky).
            _ = LibC.Chmod(directory, FileModes.SharedDirectory);
        }
        catch (IOException ex)
        {
            throw new ZeroBufferException(ZeroBufferErrorKind.SystemError, bufferName,
                $"Cannot create the lock directory '{directory}': {ex.Message}", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new ZeroBufferException(ZeroBufferErrorKind.SystemError, bufferName,
                $"Cannot create the lock directory '{directory}': {ex.Message}", ex);
        }
    }
}
