using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Rendering;
using ZeroBuffer.Cli.Events;

namespace ZeroBuffer.Cli;

/// <summary>
/// The one writer of everything a command reports. An event (<see cref="CliEvent"/>) becomes, with
/// <c>--json</c>, one JSON object on one line of stdout, flushed at once so a peer can react line
/// by line; otherwise its text line, on stdout or stderr as the event says. Views (tables, live
/// displays) exist only in text mode, where they show what the events carry. Thread-safe:
/// progress reporters may emit from another thread.
/// </summary>
internal sealed class Output : IDisposable
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Not embedded in HTML: keep text readable ("<", "'", non-ASCII) rather than \u-escaped.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly Lock _gate = new();
    private readonly Lazy<Stream> _stdout = new(Console.OpenStandardOutput);
    private readonly ArrayBufferWriter<byte> _line = new(512);
    private readonly Utf8JsonWriter _json;
    private readonly JsonSerializerOptions _events;
    private bool _reportsOnStderr;

    /// <param name="json">Whether events are JSON lines.</param>
    /// <param name="verbose">Whether errors carry stack traces.</param>
    /// <param name="events">How event records serialize (the CLI's, or with the bench's events added).</param>
    internal Output(bool json, bool verbose, JsonSerializerOptions? events = null)
    {
        Json = json;
        Verbose = verbose;
        _events = events ?? CliEventContext.Default.Options;
        _json = new Utf8JsonWriter(_line, WriterOptions);
    }

    /// <summary>Whether events are JSON lines.</summary>
    internal bool Json { get; }

    /// <summary>Whether errors carry stack traces.</summary>
    internal bool Verbose { get; }

    /// <summary>From now on the text of report events goes to stderr: stdout carries data (<c>read --output</c>).</summary>
    internal void ReportOnStderr() => _reportsOnStderr = true;

    /// <summary>Reports <paramref name="e"/>: its JSON line with --json, otherwise its text (if any).</summary>
    internal void Emit(CliEvent e)
    {
        lock (_gate)
        {
            if (Json)
            {
                WriteJsonLine(e);
            }

            if ((Json && e.Target != TextTarget.Failure) || e.HumanText is not string text)
            {
                return;
            }

            TextWriter writer = e.Target == TextTarget.Report && !_reportsOnStderr ? Console.Out : Console.Error;
            writer.WriteLine(text);
            writer.Flush();
        }
    }

    /// <summary>A line for the person watching a long run (stderr, text mode only: JSON readers have the events).</summary>
    internal void Progress(string line)
    {
        if (!Json)
        {
            lock (_gate)
            {
                Console.Error.WriteLine(line);
                Console.Error.Flush();
            }
        }
    }

    /// <summary>Draws a view (tables) on the console in text mode; with --json the events already said it.</summary>
    internal void Show(Action<IAnsiConsole> draw)
    {
        if (!Json)
        {
            lock (_gate)
            {
                draw(CliConsole.Out);
            }
        }
    }

    /// <summary>Whether views can be redrawn in place: text mode on a terminal that takes escape sequences.</summary>
    internal bool CanRedraw => !Json && !CliConsole.Plain;

    /// <summary>
    /// Runs <paramref name="body"/> with a view: each call of the update it gets shows the view it
    /// is given. On a terminal the view is redrawn in place (starting from <paramref name="initial"/>);
    /// where the output is plain text (a pipe, a file, NO_COLOR, TERM=dumb) each update is written
    /// once, below the last, unless <paramref name="redrawOnly"/>; with --json the update does nothing.
    /// </summary>
    internal void Live(IRenderable initial, Action<Action<Func<IRenderable>>> body, bool redrawOnly = false)
    {
        if (CanRedraw)
        {
            CliConsole.Out.Live(initial).AutoClear(false).Start(context => body(view =>
            {
                context.UpdateTarget(view());
                context.Refresh();
            }));
        }
        else if (Json || redrawOnly)
        {
            body(static _ => { });
        }
        else
        {
            body(view => Show(console =>
            {
                console.Write(view());
                console.WriteLine();
            }));
        }
    }

    private void WriteJsonLine(CliEvent e)
    {
        _line.ResetWrittenCount();
        _json.Reset(_line);
        JsonSerializer.Serialize(_json, e, e.GetType(), _events);
        _json.Flush();
        _line.Write("\n"u8);
        _stdout.Value.Write(_line.WrittenSpan);
        _stdout.Value.Flush();
    }

    public void Dispose()
    {
        _json.Dispose();
        if (_stdout.IsValueCreated)
        {
            _stdout.Value.Dispose();
        }
    }
}
