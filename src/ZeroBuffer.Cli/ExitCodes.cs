using System.Text;

namespace ZeroBuffer.Cli;

/// <summary>
/// The process exit codes of every command: the contract scripts and tests rely on. Library
/// errors map to <c>10 + (int)ZeroBufferErrorKind</c>, so a caller can tell them apart without
/// parsing text.
/// </summary>
internal static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    internal const int Success = 0;

    /// <summary>An error that is not a ZeroBuffer error nor a usage error (a bug, an I/O failure).</summary>
    internal const int Unexpected = 1;

    /// <summary>Bad arguments: unknown option, missing argument, invalid value or name.</summary>
    internal const int Usage = 2;

    /// <summary><c>read --timeout-ms</c>: no frame arrived in time.</summary>
    internal const int Timeout = 3;

    /// <summary><c>demo</c>: a frame failed verification (gap, duplicate, checksum) or the run was incomplete.</summary>
    internal const int VerificationFailed = 4;

    /// <summary><c>clean NAME</c>: the buffer is live (lock held or a live PID); nothing was removed.</summary>
    internal const int Refused = 5;

    /// <summary><c>inspect NAME</c>: the control block violates a protocol invariant (it was still reported).</summary>
    internal const int Inconsistent = 6;

    /// <summary>Interrupted by Ctrl+C (SIGINT) or SIGTERM; the command cleaned up first.</summary>
    internal const int Interrupted = 130;

    /// <summary>Offset added to <see cref="ZeroBufferErrorKind"/> for library errors.</summary>
    internal const int LibraryErrorBase = 10;

    /// <summary>The exit code of a library error kind.</summary>
    internal static int For(ZeroBufferErrorKind kind) => LibraryErrorBase + (int)kind;

    /// <summary>The "Exit codes" section of a command's help.</summary>
    internal static string HelpSection(bool withTimeout, bool withVerification)
    {
        var text = new StringBuilder();
        text.AppendLine("Exit codes:");
        text.AppendLine("  0    success");
        text.AppendLine("  1    unexpected error");
        text.AppendLine("  2    usage error (bad option, value or buffer name)");
        if (withTimeout)
        {
            text.AppendLine("  3    timeout: no frame within --timeout-ms");
        }

        if (withVerification)
        {
            text.AppendLine("  4    verification failed (sequence gap/duplicate, checksum mismatch, incomplete run)");
        }

        foreach (ZeroBufferErrorKind kind in Enum.GetValues<ZeroBufferErrorKind>())
        {
            text.Append("  ").Append(For(kind).ToString(System.Globalization.CultureInfo.InvariantCulture).PadRight(5)).AppendLine(kind.ToString());
        }

        text.AppendLine("  130  interrupted (Ctrl+C / SIGTERM), after cleaning up");
        text.AppendLine("Errors print one line on stderr (the stack trace with --verbose) and, with --json,");
        text.AppendLine("the event {\"event\":\"error\",\"kind\":\"<ZeroBufferErrorKind name, UsageError or UnexpectedError>\",\"message\":\"...\"}.");
        return text.ToString();
    }
}
