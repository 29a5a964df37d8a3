using ZeroBuffer.Cli.Bridging;
using ZeroBuffer.Cli.Events;

namespace ZeroBuffer.Cli;

/// <summary>Turns an exception into the exit code and the error event (its stderr line, and with --json its JSON line).</summary>
internal static class ErrorReporter
{
    /// <summary>The <c>kind</c> of usage errors in the error event.</summary>
    internal const string UsageKind = "UsageError";

    /// <summary>The <c>kind</c> of unexpected errors in the error event.</summary>
    internal const string UnexpectedKind = "UnexpectedError";

    /// <summary>The <c>kind</c> of an interruption (SIGTERM, or Ctrl+C during a job with an end of its own) in the error event.</summary>
    internal const string InterruptedKind = "Interrupted";

    /// <summary>The <c>kind</c> of a verification failure (exit 4) in the error event.</summary>
    internal const string VerificationKind = "VerificationFailed";

    /// <summary>The <c>kind</c> of a refusal by the NATS server (credentials or TLS; exit 7) in the error event.</summary>
    internal const string NotAuthorizedKind = "NotAuthorized";

    /// <summary>The <c>kind</c> of a JetStream set-up failure (exit 8) in the error event.</summary>
    internal const string JetStreamUnavailableKind = "JetStreamUnavailable";

    /// <summary>Exit code and event kind of <paramref name="error"/>.</summary>
    internal static (int ExitCode, string Kind) Classify(Exception error) => error switch
    {
        NatsNotAuthorizedException => (ExitCodes.NotAuthorized, NotAuthorizedKind),
        ZeroBuffer.Nats.NatsJetStreamException => (ExitCodes.JetStreamUnavailable, JetStreamUnavailableKind), // before its base, a ZeroBufferException
        ZeroBufferException z => (ExitCodes.For(z.Kind), z.Kind.ToString()),
        UsageException or ArgumentException => (ExitCodes.Usage, UsageKind),
        OperationCanceledException => (ExitCodes.Interrupted, InterruptedKind),
        _ => (ExitCodes.Unexpected, UnexpectedKind),
    };

    /// <summary>Reports <paramref name="error"/> and returns the exit code.</summary>
    internal static int Report(Exception error, Output output)
    {
        (int exitCode, string kind) = Classify(error);
        string message = error is OperationCanceledException ? "interrupted" : error.Message;
        string line = exitCode == ExitCodes.Unexpected && !output.Verbose
            ? $"error: {error.GetType().Name}: {message} (run with --verbose for details)"
            : $"error: {message}";
        output.Emit(new ErrorEvent(kind, message, output.Verbose ? line + Environment.NewLine + error : line));
        return exitCode;
    }

    /// <summary>Reports an error that is not an exception (its stderr line is <c>error: message</c>) and returns <paramref name="exitCode"/>.</summary>
    internal static int Report(Output output, int exitCode, string kind, string message)
    {
        output.Emit(new ErrorEvent(kind, message, $"error: {message}"));
        return exitCode;
    }
}
