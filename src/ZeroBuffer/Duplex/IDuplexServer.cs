namespace ZeroBuffer.Duplex;

/// <summary>
/// What every duplex server does: serve one client session from <c>Start</c> until it is
/// stopped or the session ends, reporting errors without stopping.
/// </summary>
/// <remarks>
/// <para><b>Session.</b> Start creates the request buffer <c>C_request</c>. When the first request
/// arrives, the server connects to the client's response buffer <c>C_response</c> (retrying until
/// <see cref="DuplexServerOptions.ConnectTimeout"/>). The session ends when <see cref="Stop"/> is
/// called, when the client leaves (its request writer is gone and every request was read, or its
/// response buffer is gone), or when the response buffer never appears. Either way the server's
/// thread waits for running handlers, then disposes the response writer and the request reader,
/// each exactly once, and <see cref="Completion"/> completes. A server serves one session; start a
/// new server for the next.</para>
/// <para><b>Stop.</b> Stops reading, lets handlers already running finish (their responses are
/// written while the response ring has space; a write that would have to wait is abandoned), and
/// returns once everything is disposed. Called from inside a handler, it returns at once and the
/// server finishes when the handler returns.</para>
/// </remarks>
public interface IDuplexServer : IDisposable
{
    /// <summary>The channel name <c>C</c>.</summary>
    string ChannelName { get; }

    /// <summary>How handlers run.</summary>
    ProcessingMode Mode { get; }

    /// <summary>True from <c>Start</c> until the session has ended.</summary>
    bool IsRunning { get; }

    /// <summary>Completes when the session has ended and every resource is disposed (also when never started and stopped).</summary>
    Task Completion { get; }

    /// <summary>
    /// Handler exceptions and response-write failures (the server keeps serving), and the error that
    /// ended a session (<see cref="ReaderDeadException"/> when the client's response buffer vanished,
    /// <see cref="TimeoutException"/> when it never appeared). Raised on the thread that saw it;
    /// exceptions thrown by subscribers are ignored. A client that simply disconnects is not an error.
    /// </summary>
    event EventHandler<DuplexErrorEventArgs>? OnError;

    /// <summary>Ends the session and waits until every resource is disposed. Idempotent.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Justification = "Stop is the name the duplex API has in every ZeroBuffer implementation.")]
    void Stop();
}
