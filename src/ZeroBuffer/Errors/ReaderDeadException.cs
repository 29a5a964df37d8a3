namespace ZeroBuffer;

/// <summary>The reader exited or crashed, so nothing written can be delivered.</summary>
public sealed class ReaderDeadException : ZeroBufferException
{
    /// <summary>Creates the error for <paramref name="bufferName"/>.</summary>
    public ReaderDeadException(string bufferName, string message, Exception? innerException = null)
        : base(ZeroBufferErrorKind.ReaderDead, bufferName, message, innerException)
    {
    }
}
