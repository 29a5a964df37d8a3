namespace ZeroBuffer.Nats;

/// <summary>
/// The bridge could not reach a NATS server when it started (nothing listens at the URL, the
/// connection was refused or timed out, or authentication failed). The inner exception is the
/// NATS client's. Once started, a bridge rides out disconnections instead (the client reconnects).
/// </summary>
public sealed class NatsServerUnavailableException : NatsBridgeException
{
    /// <summary>Creates the error for the bridge of buffer <paramref name="bufferName"/>.</summary>
    public NatsServerUnavailableException(string? bufferName, string message, Exception? innerException = null)
        : base(bufferName, message, innerException)
    {
    }

    /// <summary>Creates the error with a message.</summary>
    public NatsServerUnavailableException()
        : this(null, "No NATS server could be reached.")
    {
    }

    /// <summary>Creates the error with a message.</summary>
    public NatsServerUnavailableException(string message)
        : this(null, message)
    {
    }

    /// <summary>Creates the error with a message and its cause.</summary>
    public NatsServerUnavailableException(string message, Exception innerException)
        : this(null, message, innerException)
    {
    }
}
