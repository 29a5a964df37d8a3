namespace ZeroBuffer.Duplex;

/// <summary>
/// Handles one request of an <see cref="IMutableDuplexServer"/>: edits the request bytes in place
/// through <see cref="Frame.GetMutableSpan"/>. When it returns, the edited bytes are the response
/// (copied once into the response ring, with the request's sequence number).
/// </summary>
/// <param name="request">The request frame, writable; the server disposes it after answering.</param>
public delegate void MutableRequestHandler(Frame request);
