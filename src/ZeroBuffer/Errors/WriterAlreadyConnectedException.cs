namespace ZeroBuffer;

/// <summary>A live writer is already connected; a buffer has at most one writer at a time.</summary>
public sealed class WriterAlreadyConnectedException : ZeroBufferException
{
    /// <summary>Creates the error for <paramref name="bufferName"/>.</summary>
    public WriterAlreadyConnectedException(string bufferName, string message, Exception? innerException = null)
        : base(ZeroBufferErrorKind.WriterAlreadyConnected, bufferName, message, innerException)
    {
    }
}
