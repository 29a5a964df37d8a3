namespace ZeroBuffer;

/// <summary>The control block or a frame header holds values that cannot be right; the buffer cannot be trusted.</summary>
public sealed class BufferCorruptedException : ZeroBufferException
{
    /// <summary>Creates the error for <paramref name="bufferName"/>.</summary>
    public BufferCorruptedException(string bufferName, string message, Exception? innerException = null)
        : base(ZeroBufferErrorKind.BufferCorrupted, bufferName, message, innerException)
    {
    }
}
