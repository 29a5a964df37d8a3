namespace ZeroBuffer;

/// <summary>A frame length the protocol forbids: 0 bytes (reserved for the wrap marker) or negative.</summary>
public sealed class InvalidFrameSizeException : ZeroBufferException
{
    /// <summary>Creates the error for <paramref name="bufferName"/>.</summary>
    public InvalidFrameSizeException(string bufferName, string message, Exception? innerException = null)
        : base(ZeroBufferErrorKind.InvalidFrameSize, bufferName, message, innerException)
    {
    }
}
