namespace ZeroBuffer.Nats;

/// <summary>The bridge's NATS connection went down or came back (the client reconnects by itself, with back-off).</summary>
public sealed class NatsBridgeConnectionEventArgs : EventArgs
{
    /// <summary>Creates the report.</summary>
    public NatsBridgeConnectionEventArgs(bool isConnected, string message)
    {
        IsConnected = isConnected;
        Message = message;
    }

    /// <summary>True when the connection (re)opened, false when it was lost.</summary>
    public bool IsConnected { get; }

    /// <summary>The client's description (the server's URL, the reason).</summary>
    public string Message { get; }
}
