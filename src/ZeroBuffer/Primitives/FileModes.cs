namespace ZeroBuffer.Primitives;

/// <summary>Permission bits of the buffer's OS objects (docs/protocol.md §1).</summary>
internal static class FileModes
{
    /// <summary>0600: the creating user only.</summary>
    internal const uint OwnerOnly = 0x180;

    /// <summary>0660: the creating user and its group.</summary>
    internal const uint OwnerAndGroup = 0x1B0;

    /// <summary>0666: every local user (what upstream implementations use for everything).</summary>
    internal const uint Everyone = 0x1B6;

    /// <summary>
    /// 01777 for the shared lock directories, like <c>/tmp</c>: every user's readers create locks
    /// in them, and only a file's owner may delete it (as in <c>/dev/shm</c>).
    /// </summary>
    internal const uint SharedDirectory = 0x3FF;

    /// <summary>The mode of objects created with <paramref name="access"/>.</summary>
    internal static uint For(BufferAccess access) => access switch
    {
        BufferAccess.Owner => OwnerOnly,
        BufferAccess.Group => OwnerAndGroup,
        BufferAccess.Everyone => Everyone,
        _ => throw new ArgumentOutOfRangeException(nameof(access), access, $"Unknown buffer access {access}: use Owner, Group or Everyone."),
    };

    /// <summary>The widest access a file with <paramref name="mode"/> grants (others, then group, else owner only).</summary>
    internal static BufferAccess AccessOf(uint mode) =>
        (mode & 0x7) != 0 ? BufferAccess.Everyone : (mode & 0x38) != 0 ? BufferAccess.Group : BufferAccess.Owner;

    /// <summary>"0600" for messages.</summary>
    internal static string Octal(uint mode) => "0" + Convert.ToString(mode & 0xFFF, 8).PadLeft(3, '0');
}
