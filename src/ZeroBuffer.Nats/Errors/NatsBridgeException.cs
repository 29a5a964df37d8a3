namespace ZeroBuffer.Nats;

/// <summary>
/// The root of the errors the NATS bridge reports. Its <see cref="ZeroBufferException.Kind"/> is
/// <see cref="ZeroBufferErrorKind.SystemError"/>: the core's kinds describe a buffer's states, and the
/// bridge cannot add kinds of its own; the subclass says what failed.
/// </summary>
public class NatsBridgeException : ZeroBufferException
{
    /// <summary>Creates the error for the bridge of buffer <paramref name="bufferName"/>.</summary>
    public NatsBridgeException(string? bufferName, string message, Exception? innerException = null)
        : base(ZeroBufferErrorKind.SystemError, bufferName, message, innerException)
    {
    }

    /// <summary>Creates the error with a message.</summary>
    public NatsBridgeException()
        : this(null, "NATS bridge error")
    {
    }

    /// <summary>Creates the error with a message.</summary>
    public NatsBridgeException(string message)
        : this(null, message)
    {
    }

    /// <summary>Creates the error with a message and its cause.</summary>
    public NatsBridgeException(string message, Exception innerException)
        : this(null, message, innerException)
    {
    }
}
