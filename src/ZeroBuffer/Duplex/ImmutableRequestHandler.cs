namespace ZeroBuffer.Duplex;

/// <summary>
/// Handles one request of an <see cref="IImmutableDuplexServer"/>: reads <paramref name="request"/>
/// (zero-copy, valid only during the call) and answers through <paramref name="response"/>, at
/// most once. The response carries the request's sequence number.
/// </summary>
/// <param name="request">The request frame; the server disposes it when the handler returns.</param>
/// <param name="response">Writes this request's response; valid only during the call.</param>
public delegate void ImmutableRequestHandler(Frame request, DuplexResponseWriter response);
