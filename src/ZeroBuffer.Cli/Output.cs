using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ZeroBuffer.Cli;

/// <summary>
/// Where a command reports: with <c>--json</c>, one JSON object per line on stdout (camelCase
/// properties, always an <c>event</c> property, flushed at once so a peer can read line by line);
/// otherwise human-readable lines. Thread-safe: progress reporters may write from another thread.
/// </summary>
internal sealed class Output : IDisposable
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Not embedded in HTML: keep text readable ("<", "'", non-ASCII) rather than \u-escaped.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly Lock _gate = new();
    private readonly Stream _stdout;
    private readonly ArrayBufferWriter<byte> _line = new(512);
    private readonly Utf8JsonWriter _json;

    internal Output(bool json, bool verbose, Stream? stdout = null)
    {
        Json = json;
        Verbose = verbose;
        _stdout = stdout ?? Console.OpenStandardOutput();
        _json = new Utf8JsonWriter(_line, WriterOptions);
    }

    /// <summary>Whether events are JSON lines.</summary>
    internal bool Json { get; }

    /// <summary>Whether errors carry stack traces.</summary>
    internal bool Verbose { get; }

    /// <summary>
    /// Starts a JSON event line; write its properties through <see cref="JsonEvent.Writer"/>, and
    /// dispose it to end and flush the line. Only valid in JSON mode.
    /// </summary>
    internal JsonEvent Event(string name)
    {
        _gate.Enter();
        _line.ResetWrittenCount();
        _json.Reset(_line);
        _json.WriteStartObject();
        _json.WriteString("event"u8, name);
        return new JsonEvent(this);
    }

    /// <summary>Writes one human-readable line (text mode).</summary>
    internal void Line(string text)
    {
        lock (_gate)
        {
            Console.Out.WriteLine(text);
            Console.Out.Flush();
        }
    }

    /// <summary>Writes a line on stderr.</summary>
    internal static void ErrorLine(string text)
    {
        Console.Error.WriteLine(text);
        Console.Error.Flush();
    }

    private void EndEvent()
    {
        try
        {
            _json.WriteEndObject();
            _json.Flush();
            _line.Write("\n"u8);
            _stdout.Write(_line.WrittenSpan);
            _stdout.Flush();
        }
        finally
        {
            _gate.Exit();
        }
    }

    public void Dispose()
    {
        _json.Dispose();
        _stdout.Dispose();
    }

    /// <summary>One JSON event being written; dispose to emit it.</summary>
    internal readonly ref struct JsonEvent
    {
        private readonly Output _owner;

        internal JsonEvent(Output owner) => _owner = owner;

        /// <summary>The writer positioned inside the event object.</summary>
        internal Utf8JsonWriter Writer => _owner._json;

        public void Dispose() => _owner.EndEvent();
    }
}
