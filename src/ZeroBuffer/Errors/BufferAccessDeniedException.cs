namespace ZeroBuffer;

/// <summary>
/// The buffer (or one of its files) belongs to another user and its mode does not let this
/// process open it. Buffers are owner-only unless their creator shares them
/// (<see cref="BufferConfig.Access"/>).
/// </summary>
public sealed class BufferAccessDeniedException : ZeroBufferException
{
    /// <summary>Creates the error.</summary>
    /// <param name="bufferName">The buffer.</param>
    /// <param name="path">The file that could not be opened.</param>
    /// <param name="ownerUid">Its owner's user id, or null when it could not be read.</param>
    /// <param name="mode">Its permission bits (e.g. 0600), or null when they could not be read.</param>
    /// <param name="message">The explanation.</param>
    public BufferAccessDeniedException(string bufferName, string path, uint? ownerUid, uint? mode, string message)
        : base(ZeroBufferErrorKind.AccessDenied, bufferName, message)
    {
        Path = path;
        OwnerUid = ownerUid;
        Mode = mode;
    }

    /// <summary>The file that could not be opened, e.g. <c>/dev/shm/cam0</c>.</summary>
    public string Path { get; }

    /// <summary>The owner's user id (null when even that could not be read).</summary>
    public uint? OwnerUid { get; }

    /// <summary>The file's permission bits (null when they could not be read).</summary>
    public uint? Mode { get; }
}
