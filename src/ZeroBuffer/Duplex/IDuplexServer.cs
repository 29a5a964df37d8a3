namespace ZeroBuffer.Duplex;

/// <summary>
/// What every duplex server does: serve clients from <c>Start</c> until it is stopped, each in a
/// session of its own, reporting errors without stopping.
/// </summary>
/// <remarks>
/// <para><b>Sessions.</b> Start creates session 0's request buffer <c>C_request</c> (the name every
/// client, upstream ones too, tries first). When a client takes a session (its first request
/// arrives), the server connects to that client's response buffer (retrying until
/// <see cref="DuplexServerOptions.ConnectTimeout"/>) and opens the next session,
/// <c>C_request.k</c>, for the next client, up to <see cref="DuplexServerOptions.MaxSessions"/>. A
/// client's session ends when it leaves (its request writer is gone and every request was read),
/// when its response buffer vanishes or never appears; the session's thread then waits for its
/// running handlers, disposes its response writer, and creates the request buffer anew for the
/// next client. Handler failures are answered with an error response
/// (<see cref="DuplexHandlerException"/> at the client) and reported through <see cref="OnError"/>.</para>
/// <para><b>Stop.</b> Stops reading, lets handlers already running finish (their responses are
/// written while the response ring has space; a write that would have to wait is abandoned), and
/// returns once every session has disposed its buffers; then <see cref="Completion"/> completes.
/// Called from inside a handler, it returns at once and the server finishes when the handler returns.</para>
/// </remarks>
public interface IDuplexServer : IDisposable
{
    /// <summary>The channel name <c>C</c>.</summary>
    string ChannelName { get; }

    /// <summary>How handlers run.</summary>
    ProcessingMode Mode { get; }

    /// <summary>True from <c>Start</c> until the server has stopped.</summary>
    bool IsRunning { get; }

    /// <summary>Completes when the server has stopped and every resource is disposed (also when never started and stopped).</summary>
    Task Completion { get; }

    /// <summary>
    /// Handler exceptions and response-write failures (the server keeps serving), and the error that
    /// ended a session (<see cref="ReaderDeadException"/> when the client's response buffer vanished,
    /// <see cref="TimeoutException"/> when it never appeared). Raised on the thread that saw it;
    /// exceptions thrown by subscribers are ignored. A client that simply disconnects is not an error.
    /// </summary>
    event EventHandler<DuplexErrorEventArgs>? OnError;

    /// <summary>Ends every session and waits until every resource is disposed. Idempotent.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Justification = "Stop is the name the duplex API has in every ZeroBuffer implementation.")]
    void Stop();
}
