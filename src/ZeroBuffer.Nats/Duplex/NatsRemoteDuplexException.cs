namespace ZeroBuffer.Nats.Duplex;

/// <summary>
/// The server side of a duplex channel over NATS could not answer: its handler failed
/// (<see cref="RemoteType"/> is the handler's exception type, as in a local
/// <see cref="ZeroBuffer.Duplex.DuplexHandlerException"/>), or no local server answered there. The
/// client bridge's handler throws it, so the local caller's request fails with a
/// <see cref="ZeroBuffer.Duplex.DuplexHandlerException"/> whose message is <c>REMOTETYPE: REMOTEMESSAGE</c>.
/// </summary>
public sealed class NatsRemoteDuplexException : NatsBridgeException
{
    /// <summary>Creates the error reported by the server side of channel <paramref name="channelName"/>.</summary>
    public NatsRemoteDuplexException(string channelName, string remoteType, string remoteMessage)
        : base(channelName, $"{remoteType}: {remoteMessage}")
    {
        RemoteType = remoteType;
        RemoteMessage = remoteMessage;
    }

    /// <summary>Creates the error with a message.</summary>
    public NatsRemoteDuplexException()
        : this("", "Error", "The remote duplex server failed.")
    {
    }

    /// <summary>Creates the error with a message.</summary>
    public NatsRemoteDuplexException(string message)
        : this("", "Error", message)
    {
    }

    /// <summary>Creates the error with a message and its cause.</summary>
    public NatsRemoteDuplexException(string message, Exception innerException)
        : base(null, message, innerException)
    {
        RemoteType = "Error";
        RemoteMessage = message;
    }

    /// <summary>What failed on the server side: the handler's exception type, or the bridge's own error there.</summary>
    public string RemoteType { get; }

    /// <summary>The server side's message.</summary>
    public string RemoteMessage { get; }
}
