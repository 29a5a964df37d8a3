using System.Runtime.InteropServices;

namespace ZeroBuffer.Interop;

/// <summary>The Linux errno values the library acts on. Errno stays an int and is matched by value, never by message text.</summary>
internal static class Errno
{
    internal const int EPERM = 1;
    internal const int ENOENT = 2;
    internal const int ESRCH = 3;
    internal const int EINTR = 4;
    internal const int EAGAIN = 11;
    internal const int ENOMEM = 12;
    internal const int EACCES = 13;
    internal const int EEXIST = 17;
    internal const int EINVAL = 22;
    internal const int EMFILE = 24;
    internal const int EFBIG = 27;
    internal const int ENOSPC = 28;
    internal const int ENAMETOOLONG = 36;
    internal const int ENOSYS = 38;
    internal const int ELOOP = 40;
    internal const int EOVERFLOW = 75;
    internal const int ETIMEDOUT = 110;

    /// <summary>errno of the last P/Invoke made on this thread with SetLastError.</summary>
    internal static int Last => Marshal.GetLastPInvokeError();

    /// <summary>The symbolic name of an errno value, for messages ("ENOENT (2)").</summary>
    internal static string Describe(int errno) => errno switch
    {
        EPERM => "EPERM (operation not permitted)",
        ENOENT => "ENOENT (no such file or directory)",
        ESRCH => "ESRCH (no such process)",
        EINTR => "EINTR (interrupted)",
        EAGAIN => "EAGAIN (resource temporarily unavailable)",
        ENOMEM => "ENOMEM (out of memory)",
        EACCES => "EACCES (permission denied)",
        EEXIST => "EEXIST (already exists)",
        EINVAL => "EINVAL (invalid argument)",
        EMFILE => "EMFILE (too many open files)",
        EFBIG => "EFBIG (file too large)",
        ENOSPC => "ENOSPC (no space left on device; /dev/shm may be too small)",
        ENAMETOOLONG => "ENAMETOOLONG (name too long)",
        ELOOP => "ELOOP (a symbolic link where none is allowed)",
        EOVERFLOW => "EOVERFLOW (value too large)",
        ETIMEDOUT => "ETIMEDOUT (timed out)",
        _ => $"errno {errno}",
    };
}
