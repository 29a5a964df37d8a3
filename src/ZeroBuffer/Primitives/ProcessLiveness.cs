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

        if (LibC.Kill((int)pid, 0) == 0)
        {
            return true;
        }

        return Errno.Last == Errno.EPERM;
    }

    /// <summary>This process's PID as stored in the OIEB.</summary>
    internal static ulong Self { get; } = (ulong)Environment.ProcessId;
}
