namespace ZeroBuffer.Nats;

/// <summary>
/// JetStream mode could not be set up: the server has no JetStream, or it refused the bridge's
/// stream or consumer (for example a stream of that name exists with another configuration).
/// The message carries the server's answer; the inner exception is the NATS client's.
/// </summary>
public sealed class NatsJetStreamException : NatsBridgeException
{
    /// <summary>Creates the error for the bridge of buffer <paramref name="bufferName"/>.</summary>
    public NatsJetStreamException(string? bufferName, string message, Exception? innerException = null)
        : base(bufferName, message, innerException)
    {
    }

    /// <summary>Creates the error with a message.</summary>
    public NatsJetStreamException()
        : this(null, "JetStream is not available.")
    {
    }

    /// <summary>Creates the error with a message.</summary>
    public NatsJetStreamException(string message)
        : this(null, message)
    {
    }

    /// <summary>Creates the error with a message and its cause.</summary>
    public NatsJetStreamException(string message, Exception innerException)
        : this(null, message, innerException)
    {
    }
}
