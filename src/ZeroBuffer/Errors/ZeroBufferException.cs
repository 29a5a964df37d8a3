namespace ZeroBuffer;

/// <summary>
/// The root of every error the library reports. <see cref="Kind"/> says what happened;
/// <see cref="BufferName"/> says which buffer it happened to.
/// </summary>
public class ZeroBufferException : Exception
{
    /// <summary>Creates an error of the given kind.</summary>
    public ZeroBufferException(ZeroBufferErrorKind kind, string? bufferName, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        BufferName = bufferName;
    }

    /// <summary>Creates a <see cref="ZeroBufferErrorKind.SystemError"/> with a message.</summary>
    public ZeroBufferException()
        : this(ZeroBufferErrorKind.SystemError, null, "ZeroBuffer error")
    {
    }

    /// <summary>Creates a <see cref="ZeroBufferErrorKind.SystemError"/> with a message.</summary>
    public ZeroBufferException(string message)
        : this(ZeroBufferErrorKind.SystemError, null, message)
    {
    }

    /// <summary>Creates a <see cref="ZeroBufferErrorKind.SystemError"/> with a message and cause.</summary>
    public ZeroBufferException(string message, Exception innerException)
        : this(ZeroBufferErrorKind.SystemError, null, message, innerException)
    {
    }

    /// <summary>What went wrong.</summary>
    public ZeroBufferErrorKind Kind { get; }

    /// <summary>The buffer the error concerns, when there is one.</summary>
    public string? BufferName { get; }
}
