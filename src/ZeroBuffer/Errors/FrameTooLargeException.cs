namespace ZeroBuffer;

/// <summary>The frame can never fit in this ring: 16 + length exceeds the ring, or a wrap would need more than the whole ring. Frames with 16 + length &lt;= ring / 2 always fit.</summary>
public sealed class FrameTooLargeException : ZeroBufferException
{
    /// <summary>Creates the error for <paramref name="bufferName"/>.</summary>
    public FrameTooLargeException(string bufferName, string message, Exception? innerException = null)
        : base(ZeroBufferErrorKind.FrameTooLarge, bufferName, message, innerException)
    {
    }
}
