namespace ZeroBuffer.Cli;

/// <summary>
/// The process exit codes: the contract scripts and tests rely on. Library errors map to
/// <c>10 + (int)ZeroBufferErrorKind</c>, so a caller can tell them apart without parsing text.
/// Which codes a command can return is declared next to it (<see cref="ExitCodeTable"/>).
/// </summary>
internal static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    internal const int Success = 0;

    /// <summary>An error that is not a ZeroBuffer error nor a usage error (a bug, an I/O failure).</summary>
    internal const int Unexpected = 1;

    /// <summary>Bad arguments: unknown option, missing argument, invalid value or name.</summary>
    internal const int Usage = 2;

    /// <summary><c>read --timeout-ms</c>: no frame arrived in time; <c>call</c>: no server, or no response in time.</summary>
    internal const int Timeout = 3;

    /// <summary><c>demo</c>, <c>soak</c>, <c>call</c>: a frame or response failed verification, or the run was incomplete.</summary>
    internal const int VerificationFailed = 4;

    /// <summary><c>clean NAME</c>: the buffer is live (lock held or a live PID); nothing was removed.</summary>
    internal const int Refused = 5;

    /// <summary><c>inspect NAME</c>: the control block violates a protocol invariant (it was still reported).</summary>
    internal const int Inconsistent = 6;

    /// <summary>
    /// <c>bridge</c>: the NATS server refused this client: its credentials (authorization
    /// violation, expired credentials), or the TLS handshake (the server's certificate not trusted,
    /// the client's refused, TLS required by one side and not offered by the other). Retrying
    /// would not help, so the bridge does not keep trying as it does while no server answers.
    /// </summary>
    internal const int NotAuthorized = 7;

    /// <summary><c>bridge export</c>/<c>import --mode jetstream</c>: the server has no JetStream, or refused the stream or consumer.</summary>
    internal const int JetStreamUnavailable = 8;

    /// <summary>Stopped by a signal before the command was done (SIGTERM; Ctrl+C during a job with an end of its own); it cleaned up first.</summary>
    internal const int Interrupted = 130;

    /// <summary>Offset added to <see cref="ZeroBufferErrorKind"/> for library errors.</summary>
    internal const int LibraryErrorBase = 10;

    /// <summary>The exit code of a library error kind.</summary>
    internal static int For(ZeroBufferErrorKind kind) => LibraryErrorBase + (int)kind;
}
