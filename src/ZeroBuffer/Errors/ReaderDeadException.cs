namespace ZeroBuffer;

/// <summary>
/// The reader is gone, so nothing written can be delivered: it crashed, or it closed the buffer
/// (then the error is the subclass <see cref="ReaderClosedException"/>).
/// </summary>
public class ReaderDeadException : ZeroBufferException
{
    /// <summary>Creates the error for <paramref name="bufferName"/>.</summary>
    public ReaderDeadException(string bufferName, string message, Exception? innerException = null)
        : base(ZeroBufferErrorKind.ReaderDead, bufferName, message, innerException)
    {
    }

    /// <summary>For subclasses that name a more precise cause.</summary>
    protected ReaderDeadException(ZeroBufferErrorKind kind, string bufferName, string message, Exception? innerException)
        : base(kind, bufferName, message, innerException)
    {
    }
}
