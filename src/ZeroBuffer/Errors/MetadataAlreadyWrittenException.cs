namespace ZeroBuffer;

/// <summary>Metadata is written once per buffer, and this buffer already has it.</summary>
public sealed class MetadataAlreadyWrittenException : ZeroBufferException
{
    /// <summary>Creates the error for <paramref name="bufferName"/>.</summary>
    public MetadataAlreadyWrittenException(string bufferName, string message, Exception? innerException = null)
        : base(ZeroBufferErrorKind.MetadataAlreadyWritten, bufferName, message, innerException)
    {
    }
}
