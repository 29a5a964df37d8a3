using ZeroBuffer.Interop;

namespace ZeroBuffer.Primitives;

/// <summary>Who owns a file and its permission bits (<c>statx</c>, whose layout is the same on every architecture).</summary>
internal static unsafe class FileStatus
{
    /// <summary>Whether the open descriptor <paramref name="fd"/> is a regular file (not a FIFO, a directory, a device...).</summary>
    internal static bool IsRegularFile(int fd)
    {
        byte* buffer = stackalloc byte[LibC.StatxSize];
        if (LibC.Statx(fd, "", LibC.AT_EMPTY_PATH, LibC.STATX_BASIC_STATS, buffer) != 0)
        {
            return false;
        }

        const int S_IFMT = 0xF000;
        const int S_IFREG = 0x8000;
        return (*(ushort*)(buffer + LibC.StatxModeOffset) & S_IFMT) == S_IFREG;
    }

    /// <summary>The owner's uid and the permission bits of <paramref name="path"/> (not following a symbolic link); nulls when they cannot be read.</summary>
    internal static (uint? Uid, uint? Mode) OwnerAndMode(string path)
    {
        byte* buffer = stackalloc byte[LibC.StatxSize];
        if (LibC.Statx(LibC.AT_FDCWD, path, LibC.AT_SYMLINK_NOFOLLOW, LibC.STATX_BASIC_STATS, buffer) != 0)
        {
            return (null, null);
        }

        return (*(uint*)(buffer + LibC.StatxUidOffset), (uint)(*(ushort*)(buffer + LibC.StatxModeOffset) & 0xFFF));
    }
}
