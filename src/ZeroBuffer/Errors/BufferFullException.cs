namespace ZeroBuffer;

/// <summary>The ring stayed too full for the frame during the write timeout while the reader was alive (back-pressure).</summary>
public sealed class BufferFullException : ZeroBufferException
{
    /// <summary>Creates the error for <paramref name="bufferName"/>.</summary>
    public BufferFullException(string bufferName, string message, Exception? innerException = null)
        : base(ZeroBufferErrorKind.BufferFull, bufferName, message, innerException)
    {
    }
}
