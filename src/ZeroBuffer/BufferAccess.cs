namespace ZeroBuffer;

/// <summary>
/// Who may open a buffer besides its creator: the permission bits of its segment, semaphores and
/// lock files (docs/protocol.md §1). Chosen by the reader that creates the buffer.
/// </summary>
public enum BufferAccess
{
    /// <summary>Only the creating user (mode 0600). The default: frames are often private.</summary>
    Owner = 0,

    /// <summary>The creating user and the members of its group (mode 0660).</summary>
    Group = 1,

    /// <summary>Every local user (mode 0666), as the upstream implementations create every buffer.</summary>
    Everyone = 2,
}
