namespace ZeroBuffer.Duplex;

/// <summary>An error a duplex server reports through <see cref="IDuplexServer.OnError"/>.</summary>
public sealed class DuplexErrorEventArgs : EventArgs
{
    /// <summary>Creates the event data.</summary>
    public DuplexErrorEventArgs(Exception exception, ulong requestSequence)
    {
        ArgumentNullException.ThrowIfNull(exception);
        Exception = exception;
        RequestSequence = requestSequence;
    }

    /// <summary>
    /// What went wrong: the handler's own exception, a response write failure
    /// (<see cref="BufferFullException"/>, <see cref="FrameTooLargeException"/>, <see cref="ReaderDeadException"/>),
    /// or a <see cref="TimeoutException"/> when the client's response buffer never appeared.
    /// </summary>
    public Exception Exception { get; }

    /// <summary>The sequence of the request being handled, or 0 when the error concerns no request.</summary>
    public ulong RequestSequence { get; }

    /// <summary>The session the error happened in (0: <c>C_request</c>/<c>C_response</c>; k: <c>C_request.k</c>/<c>C_response.k</c>).</summary>
    public int Session { get; init; }
}
