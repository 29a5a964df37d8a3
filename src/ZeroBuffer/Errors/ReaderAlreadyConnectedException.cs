namespace ZeroBuffer;

/// <summary>A live reader already owns the buffer name; a name has exactly one reader.</summary>
public sealed class ReaderAlreadyConnectedException : ZeroBufferException
{
    /// <summary>Creates the error for <paramref name="bufferName"/>.</summary>
    public ReaderAlreadyConnectedException(string bufferName, string message, Exception? innerException = null)
        : base(ZeroBufferErrorKind.ReaderAlreadyConnected, bufferName, message, innerException)
    {
    }
}
