namespace ZeroBuffer.Cli;

/// <summary>Turns an exception into the exit code, the stderr line and (with --json) the error event.</summary>
internal static class ErrorReporter
{
    /// <summary>The <c>kind</c> of usage errors in the error event.</summary>
    internal const string UsageKind = "UsageError";

    /// <summary>The <c>kind</c> of unexpected errors in the error event.</summary>
    internal const string UnexpectedKind = "UnexpectedError";

    /// <summary>The <c>kind</c> of an interruption (Ctrl+C, SIGTERM) in the error event.</summary>
    internal const string InterruptedKind = "Interrupted";

    /// <summary>Exit code and event kind of <paramref name="error"/>.</summary>
    internal static (int ExitCode, string Kind) Classify(Exception error) => error switch
    {
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
        Output.ErrorLine(exitCode == ExitCodes.Unexpected && !output.Verbose
            ? $"error: {error.GetType().Name}: {message} (run with --verbose for details)"
            : $"error: {message}");
        if (output.Verbose)
        {
            Output.ErrorLine(error.ToString());
        }

        if (output.Json)
        {
            Emit(output, kind, message);
        }

        return exitCode;
    }

    /// <summary>Writes the error event.</summary>
    internal static void Emit(Output output, string kind, string message)
    {
        using Output.JsonEvent e = output.Event("error");
        e.Writer.WriteString("kind"u8, kind);
        e.Writer.WriteString("message"u8, message);
    }
}
