namespace ZeroBuffer.Duplex;

/// <summary>
/// Writes the response to one request of an <see cref="IImmutableDuplexServer"/>, carrying that
/// request's sequence number. A handler answers at most once: by copy (<see cref="Write"/>) or
/// zero-copy (<see cref="GetBuffer"/>, fill, <see cref="Commit"/>). Valid only while the handler runs.
/// </summary>
/// <remarks>
/// Response writes of concurrent handlers are serialized: between <see cref="GetBuffer"/> and
/// <see cref="Commit"/> other handlers wait to respond, so keep that stretch short. A buffer acquired
/// and not committed when the handler returns (or throws) is dropped.
/// </remarks>
public sealed class DuplexResponseWriter
{
    private DuplexSession _session;
    private bool _active;   // inside the handler call
    private bool _acquired; // between GetBuffer and Commit (the server's response lock is held)
    private bool _answered;

    internal DuplexResponseWriter(DuplexSession session) => _session = session;

    /// <summary>The sequence number of the request being answered (and of its response).</summary>
    public ulong Sequence { get; private set; }

    /// <summary>Whether the response was written.</summary>
    public bool HasResponded => _answered;

    /// <summary>
    /// Cancelled when the response can no longer be delivered: the server stops, or the client is
    /// found gone. A long handler passes it to what it waits on, and gives up when it fires.
    /// </summary>
    public CancellationToken CancellationToken => _session.ClientToken;

    /// <summary>Inside a handler call (between Begin and End).</summary>
    internal bool IsActive => _active;

    /// <summary>Copies <paramref name="payload"/> into the response ring as this request's response.</summary>
    /// <exception cref="InvalidOperationException">Already answered, or used outside its handler.</exception>
    /// <exception cref="FrameTooLargeException">The response can never fit the client's response ring.</exception>
    /// <exception cref="BufferFullException">The client did not make room within <see cref="DuplexServerOptions.ResponseWriteTimeout"/>.</exception>
    /// <exception cref="ReaderDeadException">The client is gone.</exception>
    public void Write(ReadOnlySpan<byte> payload)
    {
        EnsureCanAnswer();
        _session.WriteResponse(payload, Sequence);
        _answered = true;
    }

    /// <summary>Zero-copy response: the ring bytes of a <paramref name="size"/>-byte response. Publish with <see cref="Commit"/>.</summary>
    /// <inheritdoc cref="Write" path="/exception"/>
    public Span<byte> GetBuffer(int size)
    {
        EnsureCanAnswer();
        Span<byte> buffer = _session.AcquireResponse(size, Sequence);
        _acquired = true;
        return buffer;
    }

    /// <summary>Publishes the response acquired with <see cref="GetBuffer"/>.</summary>
    /// <exception cref="InvalidOperationException">Nothing acquired.</exception>
    public void Commit()
    {
        if (!_acquired)
        {
            throw new InvalidOperationException($"No response of request {Sequence} to commit; call GetBuffer first.");
        }

        _acquired = false;
        _session.CommitResponse();
        _answered = true;
    }

    internal void Begin(DuplexSession session, ulong sequence)
    {
        _session = session;
        Sequence = sequence;
        _active = true;
        _answered = false;
        _acquired = false;
    }

    /// <summary>After the handler: drops an uncommitted buffer (releasing the response lock) and closes the writer.</summary>
    internal void End()
    {
        _active = false;
        if (_acquired)
        {
            _acquired = false;
            _session.AbortResponse();
        }
    }

    private void EnsureCanAnswer()
    {
        if (!_active)
        {
            throw new InvalidOperationException("This response writer belongs to a handler call that has returned.");
        }

        if (_answered || _acquired)
        {
            throw new InvalidOperationException($"Request {Sequence} is already answered: a handler writes at most one response.");
        }
    }
}
