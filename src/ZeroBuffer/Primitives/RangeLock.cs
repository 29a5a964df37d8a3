using ZeroBuffer.Interop;

namespace ZeroBuffer.Primitives;

/// <summary>
/// Open-file-description byte-range locks (<c>F_OFD_SETLK</c>, <c>F_OFD_GETLK</c>, Linux 3.15+):
/// the liveness signal between our peers (docs/protocol.md §2.4).
/// </summary>
/// <remarks>
/// <para>The kernel drops such a lock when the last descriptor of its open file description is
/// closed, which includes the death of the holder however it dies; so a dead peer can never look
/// alive, and a new process that got a dead one's PID holds nothing. The lock belongs to the
/// file's inode, so processes in other PID and mount namespaces that share the file see it.</para>
/// <para>Unlike classic <c>F_SETLK</c> locks, two descriptions conflict even inside one process
/// (a reader and a writer in one process see each other), and closing some other descriptor of
/// the file does not drop the lock.</para>
/// </remarks>
internal static unsafe class RangeLock
{
    /// <summary>
    /// Takes a write lock on <paramref name="length"/> bytes at <paramref name="start"/> through
    /// <paramref name="fd"/> (opened read-write), without waiting. False when another open file
    /// description holds a conflicting lock.
    /// </summary>
    internal static bool TryLock(int fd, long start, long length, string? bufferName)
    {
        LibC.FileLockRange range = Range(LibC.F_WRLCK, start, length);
        while (LibC.FcntlLock(fd, LibC.F_OFD_SETLK, &range) != 0)
        {
            int errno = Errno.Last;
            if (errno == Errno.EAGAIN || errno == Errno.EACCES)
            {
                return false;
            }

            if (errno != Errno.EINTR)
            {
                throw Failure(bufferName, "F_OFD_SETLK", start, length, errno);
            }
        }

        return true;
    }

    /// <summary>Drops a lock taken with <see cref="TryLock"/> through the same description (closing the descriptor does it too).</summary>
    internal static void Unlock(int fd, long start, long length)
    {
        LibC.FileLockRange range = Range(LibC.F_UNLCK, start, length);
        _ = LibC.FcntlLock(fd, LibC.F_OFD_SETLK, &range);
    }

    /// <summary>
    /// Whether some other open file description holds a lock on the range. Works on a read-only
    /// descriptor; the holder's own description never sees its own lock.
    /// </summary>
    internal static bool IsHeldByOther(int fd, long start, long length, string? bufferName)
    {
        LibC.FileLockRange range = Range(LibC.F_WRLCK, start, length);
        while (LibC.FcntlLock(fd, LibC.F_OFD_GETLK, &range) != 0)
        {
            int errno = Errno.Last;
            if (errno != Errno.EINTR)
            {
                throw Failure(bufferName, "F_OFD_GETLK", start, length, errno);
            }

            range = Range(LibC.F_WRLCK, start, length);
        }

        return range.Type != LibC.F_UNLCK;
    }

    private static LibC.FileLockRange Range(short type, long start, long length) =>
        new() { Type = type, Whence = LibC.SEEK_SET, Start = start, Length = length, Pid = 0 };

    private static SystemCallException Failure(string? bufferName, string command, long start, long length, int errno) =>
        new(bufferName, errno == Errno.EINVAL
            ? $"fcntl({command}, bytes {start}-{start + length - 1}) (open-file-description locks need Linux 3.15 or later)"
            : $"fcntl({command}, bytes {start}-{start + length - 1})", errno);
}
