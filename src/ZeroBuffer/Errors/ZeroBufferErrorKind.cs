namespace ZeroBuffer;

/// <summary>
/// What went wrong, as a stable code. Maps one to one to the Python SDK's <c>ErrorKind</c> and to
/// the CLI's exit codes, so tools and other processes can act on an error without parsing text.
/// </summary>
public enum ZeroBufferErrorKind
{
    /// <summary>An operating-system call failed; see <see cref="SystemCallException.Errno"/>.</summary>
    SystemError = 1,

    /// <summary>No buffer of that name exists (or it is still being created).</summary>
    BufferNotFound = 2,

    /// <summary>A live reader already owns the buffer name.</summary>
    ReaderAlreadyConnected = 3,

    /// <summary>A live writer is already connected to the buffer.</summary>
    WriterAlreadyConnected = 4,

    /// <summary>The reader crashed, or (with a reader that does not say which) exited.</summary>
    ReaderDead = 5,

    /// <summary>The writer crashed, or left without saying it closed, and every frame it committed has been read.</summary>
    WriterDead = 6,

    /// <summary>No room for the frame within the write timeout while the reader is alive.</summary>
    BufferFull = 7,

    /// <summary>The frame can never fit in this ring.</summary>
    FrameTooLarge = 8,

    /// <summary>A frame length that the protocol forbids (0 bytes, negative).</summary>
    InvalidFrameSize = 9,

    /// <summary>A frame arrived with an unexpected sequence number.</summary>
    SequenceError = 10,

    /// <summary>Metadata may be written once per buffer, and it already was.</summary>
    MetadataAlreadyWritten = 11,

    /// <summary>The control block has a size or major version this implementation does not speak.</summary>
    ProtocolMismatch = 12,

    /// <summary>The control block or a frame header holds values that cannot be right.</summary>
    BufferCorrupted = 13,

    /// <summary>The writer closed the buffer on purpose and every frame it committed has been read: the end of the stream.</summary>
    WriterClosed = 14,

    /// <summary>The reader closed the buffer on purpose (a <see cref="ReaderDead"/> with a known, clean cause).</summary>
    ReaderClosed = 15,

    /// <summary>The buffer belongs to another user and its mode does not let this process open it.</summary>
    AccessDenied = 16,

    /// <summary>A duplex server's handler failed on the request; the server said so in its response (<see cref="Duplex.DuplexHandlerException"/>).</summary>
    DuplexHandlerFailed = 17,

    /// <summary>A live publisher already publishes this topic (<see cref="TopicAlreadyPublishedException"/>).</summary>
    TopicAlreadyPublished = 18,
}
