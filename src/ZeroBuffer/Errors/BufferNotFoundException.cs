namespace ZeroBuffer;

/// <summary>No buffer of the name exists: no reader has created it, it was removed, or it is still being created.</summary>
public sealed class BufferNotFoundException : ZeroBufferException
{
    /// <summary>Creates the error for <paramref name="bufferName"/>.</summary>
    public BufferNotFoundException(string bufferName, string message, Exception? innerException = null)
        : base(ZeroBufferErrorKind.BufferNotFound, bufferName, message, innerException)
    {
    }
}
