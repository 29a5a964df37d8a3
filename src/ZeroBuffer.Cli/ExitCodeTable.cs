using System.Globalization;
using System.Text;

namespace ZeroBuffer.Cli;

/// <summary>
/// The exit codes one command can return, each with what it means there: declared once, next to
/// the command, rendered in its help (only these, not every code of the tool), and checked by the
/// tests (every code a command's help lists, and every code a test sees it return, is declared).
/// </summary>
internal sealed class ExitCodeTable
{
    private readonly SortedDictionary<int, string> _codes = [];

    /// <summary>0 success, 1 unexpected error and 2 usage error: what every command can return.</summary>
    internal static ExitCodeTable Standard(string success = "success") => new ExitCodeTable()
        .With(ExitCodes.Success, success)
        .With(ExitCodes.Unexpected, "unexpected error (a bug, an I/O failure)")
        .With(ExitCodes.Usage, "usage error (bad option, value or name)");

    /// <summary>The codes, in order.</summary>
    internal IEnumerable<int> Codes => _codes.Keys;

    /// <summary>Adds <paramref name="code"/> (replacing its meaning if present).</summary>
    internal ExitCodeTable With(int code, string meaning)
    {
        _codes[code] = meaning;
        return this;
    }

    /// <summary>Adds the code of a library error, named after its kind, with <paramref name="when"/> it happens here.</summary>
    internal ExitCodeTable With(ZeroBufferErrorKind kind, string when) => With(ExitCodes.For(kind), $"{kind}: {when}");

    /// <summary>Adds the errors of creating <paramref name="buffer"/> as its reader (the library's <c>Reader</c> constructor).</summary>
    internal ExitCodeTable CreatingAsReader(string buffer = "the buffer") => this
        .With(ZeroBufferErrorKind.SystemError, $"the OS refused {buffer} (e.g. /dev/shm too small)")
        .With(ZeroBufferErrorKind.ReaderAlreadyConnected, $"a live reader owns the name of {buffer}")
        .With(ZeroBufferErrorKind.AccessDenied, $"the files of {buffer} belong to another user who did not share them");

    /// <summary>Adds the errors of connecting to <paramref name="buffer"/> as its writer (the library's <c>Writer</c> constructor).</summary>
    internal ExitCodeTable ConnectingAsWriter(string buffer = "the buffer") => this
        .With(ZeroBufferErrorKind.SystemError, $"the OS refused to map {buffer}")
        .With(ZeroBufferErrorKind.BufferNotFound, $"{buffer} does not exist")
        .With(ZeroBufferErrorKind.WriterAlreadyConnected, $"{buffer} has a live writer")
        .With(ZeroBufferErrorKind.ProtocolMismatch, $"the control block of {buffer} is not protocol 1.x")
        .With(ZeroBufferErrorKind.BufferCorrupted, $"the control block of {buffer} is impossible")
        .With(ZeroBufferErrorKind.AccessDenied, $"{buffer} belongs to another user who did not share it");

    /// <summary>
    /// Adds the errors of writing frames to <paramref name="reader"/> (the library's frame writes;
    /// BufferFull only where a write can time out, so each command adds it itself).
    /// </summary>
    internal ExitCodeTable WritingFrames(string reader = "the reader") => this
        .With(ZeroBufferErrorKind.ReaderDead, $"{reader} died")
        .With(ZeroBufferErrorKind.ReaderClosed, $"{reader} closed the buffer on purpose")
        .With(ZeroBufferErrorKind.FrameTooLarge, "a frame can never fit the ring");

    /// <summary>
    /// Adds the codes of taking frames until a count, a timeout or the writer's end (<c>read</c>,
    /// <c>subscribe</c>): the timeout, creating <paramref name="buffer"/>, the writer's death
    /// (<paramref name="writerDied"/>), an impossible frame, and a stop.
    /// </summary>
    internal ExitCodeTable ReceivingFrames(string writerDied, string buffer = "the buffer") => this
        .With(ExitCodes.Timeout, "timeout: no frame within --timeout-ms")
        .CreatingAsReader(buffer)
        .With(ZeroBufferErrorKind.WriterDead, $"{writerDied}, every frame read; not with --keep-going")
        .With(ZeroBufferErrorKind.BufferCorrupted, "a frame header or the metadata is impossible")
        .Interrupted("SIGTERM, or Ctrl+C before --count frames (the buffer is removed either way)");

    /// <summary>Adds 130, interrupted, with <paramref name="when"/> it happens here.</summary>
    internal ExitCodeTable Interrupted(string when) => With(ExitCodes.Interrupted, $"interrupted: {when}");

    /// <summary>Adds every code of <paramref name="other"/> not already here (a command that passes on its children's codes).</summary>
    internal ExitCodeTable Including(ExitCodeTable other)
    {
        foreach ((int code, string meaning) in other._codes)
        {
            _codes.TryAdd(code, meaning);
        }

        return this;
    }

    /// <summary>Whether <paramref name="code"/> is declared.</summary>
    internal bool Contains(int code) => _codes.ContainsKey(code);

    /// <summary>The "Exit codes" section of the command's help.</summary>
    internal string HelpSection()
    {
        var text = new StringBuilder().AppendLine("Exit codes:");
        foreach ((int code, string meaning) in _codes)
        {
            text.Append("  ").Append(code.ToString(CultureInfo.InvariantCulture).PadRight(5)).AppendLine(meaning);
        }

        text.AppendLine("An error prints one line on stderr (with the stack trace under --verbose) and, with --json, the event");
        text.AppendLine("{\"event\":\"error\",\"kind\":\"<ZeroBufferErrorKind name, UsageError, UnexpectedError, Interrupted, VerificationFailed, NotAuthorized or JetStreamUnavailable>\",\"message\":\"...\"}.");
        return text.ToString();
    }
}
