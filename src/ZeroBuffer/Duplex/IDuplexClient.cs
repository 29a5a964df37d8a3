namespace ZeroBuffer.Duplex;

/// <summary>
/// The requesting side of a duplex channel: writes requests into <c>C_request</c> and reads
/// responses from <c>C_response</c>, which it creates. Each response carries the sequence number
/// of the request it answers.
/// </summary>
/// <remarks>
/// <para>Two ways to receive, not to be mixed: synchronous (<see cref="SendRequest"/> or
/// <see cref="AcquireRequestBuffer"/>/<see cref="CommitRequest"/>, then <see cref="ReceiveResponse"/>,
/// matching <see cref="Frame.Sequence"/> yourself), or correlated (<see cref="RequestAsync"/> and
/// <see cref="SendAsync"/>, which complete with the response to that very request, in whatever
/// order the server answers). The first correlated call starts a receive thread;
/// <see cref="ReceiveResponse"/> is then refused.</para>
/// <para>The client takes a session of its own (<see cref="Session"/>): a server serves several
/// clients at once, one per session (docs/duplex.md).</para>
/// <para>Sends may come from several threads (they are serialized). <see cref="ReceiveResponse"/>
/// is for one thread at a time, which may differ from the sending thread.</para>
/// </remarks>
/// <example>
/// <code>
/// using IDuplexClient client = new DuplexChannelFactory().CreateClient("resize");
/// DuplexResponse response = await client.SendAsync(image, cancellationToken);
/// </code>
/// </example>
public interface IDuplexClient : IDisposable
{
    /// <summary>The channel name <c>C</c>.</summary>
    string ChannelName { get; }

    /// <summary>The session this client took: 0 (<c>C_request</c>/<c>C_response</c>), or k (<c>C_request.k</c>/<c>C_response.k</c>).</summary>
    int Session { get; }

    /// <summary>Whether the server's request reader is alive.</summary>
    bool IsServerConnected { get; }

    /// <summary>Copies <paramref name="request"/> into the request ring; returns its sequence number.</summary>
    /// <exception cref="ReaderDeadException">The server is gone: <see cref="ReaderClosedException"/> when it stopped, a plain <see cref="ReaderDeadException"/> when it died.</exception>
    /// <exception cref="BufferFullException">No room within <see cref="DuplexClientOptions.RequestWriteTimeout"/>.</exception>
    /// <exception cref="FrameTooLargeException">The request can never fit the request ring.</exception>
    ulong SendRequest(ReadOnlySpan<byte> request);

    /// <summary>
    /// Zero-copy send: returns <paramref name="size"/> bytes of the request ring to fill, and the
    /// request's sequence number. <see cref="CommitRequest"/> (or <see cref="AbortRequest"/>) on the same
    /// thread finishes it; other sends wait meanwhile.
    /// </summary>
    /// <inheritdoc cref="SendRequest" path="/exception"/>
    Span<byte> AcquireRequestBuffer(int size, out ulong sequence);

    /// <summary>Publishes the request acquired with <see cref="AcquireRequestBuffer"/>.</summary>
    /// <exception cref="InvalidOperationException">No request acquired on this thread.</exception>
    void CommitRequest();

    /// <summary>Drops the request acquired with <see cref="AcquireRequestBuffer"/> (its sequence number is reused).</summary>
    /// <exception cref="InvalidOperationException">No request acquired on this thread.</exception>
    void AbortRequest();

    /// <summary>
    /// Waits for the next response (in arrival order); <see cref="Frame.Invalid"/> after
    /// <paramref name="timeout"/>. Dispose the frame to free its space.
    /// </summary>
    /// <exception cref="DuplexHandlerException">The next response is the server's error response: it could not answer that request (the exception's <see cref="DuplexHandlerException.RequestSequence"/>).</exception>
    /// <exception cref="WriterClosedException">The server stopped (closed its response writer) and every response was read.</exception>
    /// <exception cref="WriterDeadException">The server died and every response it wrote was read.</exception>
    /// <exception cref="InvalidOperationException"><see cref="SendAsync"/> or <see cref="RequestAsync"/> is in use.</exception>
    Frame ReceiveResponse(TimeSpan timeout);

    /// <summary>
    /// Sends <paramref name="request"/> and completes with the response to it, zero-copy: the
    /// <see cref="Frame"/> is a lease on the response in the response ring, whose
    /// <see cref="Frame.Sequence"/> is the request's. Dispose it to give its space back (until then
    /// it holds up later responses' space, as any held frame does). An awaited round trip
    /// allocates nothing (with <see cref="CancellationToken.None"/>; a cancellable token costs its registration).
    /// </summary>
    /// <remarks>
    /// The request is written before this returns, waiting for ring space like <see cref="SendRequest"/>.
    /// The task then completes with the response; faults with <see cref="DuplexHandlerException"/> at
    /// once when the server's handler failed on it (the channel stays usable), with
    /// <see cref="WriterClosedException"/> or <see cref="ReaderClosedException"/> when the server
    /// stopped, <see cref="WriterDeadException"/> or <see cref="ReaderDeadException"/> when it died,
    /// <see cref="ObjectDisposedException"/> when the client is disposed; and is cancelled by
    /// <paramref name="cancellationToken"/> (a late response is then dropped).
    /// </remarks>
    ValueTask<Frame> RequestAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken = default);

    /// <summary>
    /// <see cref="RequestAsync"/> with the response copied into a <see cref="DuplexResponse"/> of
    /// its own (one allocation of the response's size per call: for large responses, use
    /// <see cref="RequestAsync"/>). Completes, faults and is cancelled as <see cref="RequestAsync"/>.
    /// </summary>
    Task<DuplexResponse> SendAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken = default);

    /// <summary>Writes the request buffer's metadata (once per channel); the server sees it before its first request.</summary>
    /// <exception cref="MetadataAlreadyWrittenException">Already written.</exception>
    void SetMetadata(ReadOnlySpan<byte> metadata);
}
