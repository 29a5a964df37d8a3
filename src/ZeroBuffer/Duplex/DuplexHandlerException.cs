namespace ZeroBuffer.Duplex;

/// <summary>
/// The duplex server could not answer a request: its handler threw, returned without answering,
/// or its response could not be written. The server said so in an error response (docs/protocol.md
/// §8), so the request fails at once instead of waiting for its timeout; the channel stays usable
/// for the next request.
/// </summary>
public sealed class DuplexHandlerException : ZeroBufferException
{
    /// <summary>Creates the error for request <paramref name="requestSequence"/> of the channel whose response buffer is <paramref name="bufferName"/>.</summary>
    /// <param name="bufferName">The client's response buffer.</param>
    /// <param name="requestSequence">The request that failed.</param>
    /// <param name="remoteType">What the server reported failing: the full name of the handler's exception type, or a reason.</param>
    /// <param name="remoteMessage">The server's message.</param>
    public DuplexHandlerException(string bufferName, ulong requestSequence, string remoteType, string remoteMessage)
        : base(ZeroBufferErrorKind.DuplexHandlerFailed, bufferName,
            $"The server could not answer request {requestSequence}: {remoteType}: {remoteMessage}")
    {
        RequestSequence = requestSequence;
        RemoteType = remoteType;
        RemoteMessage = remoteMessage;
    }

    /// <summary>The sequence number of the request that failed.</summary>
    public ulong RequestSequence { get; }

    /// <summary>The full name of the server handler's exception type (e.g. <c>System.FormatException</c>), or the reason the server gives.</summary>
    public string RemoteType { get; }

    /// <summary>The server's message (its handler exception's message, truncated to 4096 bytes of UTF-8).</summary>
    public string RemoteMessage { get; }
}
