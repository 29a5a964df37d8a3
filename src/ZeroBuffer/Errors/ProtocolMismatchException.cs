namespace ZeroBuffer;

/// <summary>The buffer's control block has a size or major version this implementation does not speak.</summary>
public sealed class ProtocolMismatchException : ZeroBufferException
{
    /// <summary>Creates the error for <paramref name="bufferName"/>.</summary>
    public ProtocolMismatchException(string bufferName, string message, Exception? innerException = null)
        : base(ZeroBufferErrorKind.ProtocolMismatch, bufferName, message, innerException)
    {
    }
}
