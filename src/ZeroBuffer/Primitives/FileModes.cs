namespace ZeroBuffer.Primitives;

/// <summary>Permission bits of the buffer's OS objects (protocol-v1 §1).</summary>
internal static class FileModes
{
    /// <summary>0666: any local user may connect; security rests on who can reach <c>/dev/shm</c>.</summary>
    internal const uint Shared = 0x1B6;

    /// <summary>
    /// 01777 for the shared lock directory, like <c>/tmp</c>: every user's readers create locks
    /// in it, and only a file's owner may delete it (as in <c>/dev/shm</c>).
    /// </summary>
    internal const uint SharedDirectory = 0x3FF;
}
