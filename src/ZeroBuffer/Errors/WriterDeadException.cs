namespace ZeroBuffer;

/// <summary>The writer exited or crashed, and every frame it committed has been read.</summary>
public sealed class WriterDeadException : ZeroBufferException
{
    /// <summary>Creates the error for <paramref name="bufferName"/>.</summary>
    public WriterDeadException(string bufferName, string message, Exception? innerException = null)
        : base(ZeroBufferErrorKind.WriterDead, bufferName, message, innerException)
    {
    }
}
