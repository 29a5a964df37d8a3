using ZeroBuffer.Interop;

namespace ZeroBuffer.Primitives;

/// <summary>
/// Whether a PID stored in the OIEB names a live process (protocol-v1 §6): <c>kill(pid, 0)</c>
/// succeeds, or fails with EPERM (alive, owned by another user). PID 0 means "absent".
/// </summary>
/// <remarks>PIDs are only meaningful inside one PID namespace: containers sharing a buffer need a shared PID namespace.</remarks>
internal static class ProcessLiveness
{
    internal static bool IsAlive(ulong pid)
    {
        if (pid == 0 || pid > int.MaxValue)
        {
            return false;
        }

        if (LibC.Kill((int)pid, 0) != 0 && Errno.Last != Errno.EPERM)
        {
            return false;
        }

        // kill() also succeeds for a zombie: a SIGKILLed peer whose parent has not reaped it yet
        // (a shell, a container whose PID 1 does not reap) is dead for our purposes.
        return !IsZombie((int)pid);
    }

    /// <summary>Whether /proc says the process is a zombie (Z) or dead (X). Allocation-free: called on hot paths.</summary>
    private static unsafe bool IsZombie(int pid)
    {
        // Built by hand: an interpolated Utf8.TryWrite boxes the pid in unoptimised (tier-0) code,
        // and this method runs too rarely (every 100 ms) to ever be optimised.
        byte* path = stackalloc byte[32];
        var span = new Span<byte>(path, 31);
        "/proc/"u8.CopyTo(span);
        if (!pid.TryFormat(span[6..], out int digits, provider: System.Globalization.CultureInfo.InvariantCulture))
        {
            return false;
        }

        int length = 6 + digits;
        "/stat"u8.CopyTo(span[length..]);
        length += 5;
        path[length] = 0;
        int fd = LibC.OpenUtf8(path, LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
        if (fd < 0)
        {
            return false; // no /proc (or no access): trust kill()
        }

        byte* buffer = stackalloc byte[512];
        nint read = LibC.Read(fd, buffer, 512);
        _ = LibC.Close(fd);
        if (read <= 0)
        {
            return false;
        }

        // "pid (comm) S ...": comm may hold spaces and parentheses, so the state follows the last ')'.
        var stat = new ReadOnlySpan<byte>(buffer, (int)read);
        int close = stat.LastIndexOf((byte)')');
        if (close < 0 || close + 2 >= stat.Length)
        {
            return false;
        }

        byte state = stat[close + 2];
        return state is (byte)'Z' or (byte)'X';
    }

    /// <summary>This process's PID as stored in the OIEB.</summary>
    internal static ulong Self { get; } = (ulong)Environment.ProcessId;
}
