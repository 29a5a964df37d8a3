using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;

namespace ZeroBuffer.Testing;

/// <summary>
/// The other process of a cross-process test, one that reports what it does as JSON events: one
/// object a line on stdout, named by its <c>"event"</c> property (<c>{"event":"ready",...}</c>).
/// A test waits for an event with the deadline (<see cref="WaitForEventAsync"/>) instead of
/// sleeping, and kills the process at the point it chose (<see cref="KillAsync"/>: SIGKILL, nothing
/// runs in the process, as in a crash). When a wait fails, the message says which event was
/// awaited, from which process, whether it still runs, and its last lines of stdout and stderr:
/// a failure on a loaded machine must be diagnosable from the test report alone.
/// One copy of this plumbing for every helper that starts such a process (the CLI, the NATS test
/// peer, the Python reader); the helpers only say how to start theirs.
/// </summary>
/// <remarks>
/// Disposing kills the process if it still runs (after closing its stdin and a grace period, when
/// started with one) and reaps it; disposing again does nothing.
/// </remarks>
internal sealed class JsonEventProcess : IAsyncDisposable
{
    /// <summary>How many of the latest lines of each stream a failure message shows (a reader prints one line a frame).</summary>
    private const int RecentLines = 200;

    /// <summary>How long a failed wait gives a process whose stdout closed to exit, so the message can tell its exit code.</summary>
    private static readonly TimeSpan ExitAfterStdoutClosed = TimeSpan.FromSeconds(5);

    private readonly Process _process;
    private readonly string _description;
    private readonly TimeSpan _inputCloseGrace;
    private readonly Channel<JsonElement> _events = Channel.CreateUnbounded<JsonElement>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly Queue<string> _stdout = new();
    private readonly Queue<string> _stderr = new();
    private int _disposed;

    private JsonEventProcess(Process process, string description, TimeSpan inputCloseGrace)
    {
        _process = process;
        _description = description;
        _inputCloseGrace = inputCloseGrace;
    }

    /// <summary>The OS process id (also on a simulated host: nsenter becomes the program). Still readable after the process ended.</summary>
    internal int Pid => _process.Id;

    /// <summary>
    /// Starts <paramref name="info"/> with its stdout and stderr read line by line in the
    /// background (stdin is the caller's choice). <paramref name="description"/> names the process
    /// in failure messages (<c>the CLI 'zerobuffer read ...'</c>). With a positive
    /// <paramref name="inputCloseGrace"/>, disposing first closes stdin (it must be redirected) and
    /// gives the process that long to stop by itself before SIGKILL.
    /// </summary>
    internal static JsonEventProcess Start(ProcessStartInfo info, string description, TimeSpan inputCloseGrace = default)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (inputCloseGrace > TimeSpan.Zero && !info.RedirectStandardInput)
        {
            throw new ArgumentException("A grace period after closing stdin needs stdin redirected.", nameof(inputCloseGrace));
        }

        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        var process = new Process { StartInfo = info };
        var started = new JsonEventProcess(process, description, inputCloseGrace);
        process.OutputDataReceived += (_, e) => started.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => started.OnError(e.Data);
        try
        {
            process.Start();
        }
        catch
        {
            process.Dispose();
            throw;
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return started;
    }

    /// <summary>
    /// Waits for the next event named <paramref name="name"/>; the events before it are consumed and
    /// handed to <paramref name="passedOver"/>, when given. Fails with a <see cref="TimeoutException"/>
    /// at the deadline, or an <see cref="InvalidOperationException"/> if stdout closes first; both
    /// name the event and hold the process's recent output.
    /// </summary>
    internal async Task<JsonElement> WaitForEventAsync(string name, Action<JsonElement>? passedOver = null)
    {
        using CancellationTokenSource deadline = Eventually.Safety();
        try
        {
            await foreach (JsonElement e in _events.Reader.ReadAllAsync(deadline.Token).ConfigureAwait(false))
            {
                if (Name(e) == name)
                {
                    return e;
                }

                passedOver?.Invoke(e);
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"No '{name}' event from {_description} within {Eventually.Deadline} ({State()}).\n{Transcript()}");
        }

        // Stdout closed: the process is ending; give it a moment so the message can tell how it ended.
        using (CancellationTokenSource exit = new(ExitAfterStdoutClosed))
        {
            try
            {
                await _process.WaitForExitAsync(exit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Still running with its stdout closed: the message says so.
            }
        }

        throw new InvalidOperationException($"Stdout of {_description} closed without a '{name}' event ({State()}).\n{Transcript()}");
    }

    /// <summary>SIGKILL, as a crash: nothing runs in the process; returns once it is gone and its output read to the end. Does nothing more once it has ended.</summary>
    internal async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
        }

        using CancellationTokenSource deadline = Eventually.Safety();
        try
        {
            await _process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Not gone within {Eventually.Deadline} of SIGKILL: {_description} ({State()}).\n{Transcript()}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (_inputCloseGrace > TimeSpan.Zero && !_process.HasExited)
            {
                _process.StandardInput.Close(); // its signal to stop by itself
                using CancellationTokenSource grace = new(_inputCloseGrace);
                try
                {
                    await _process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // It did not stop by itself: SIGKILL below.
                }
            }

            await KillAsync().ConfigureAwait(false);
        }
        finally
        {
            _process.Dispose();
        }
    }

    /// <summary>The event's name, or null for an object without one.</summary>
    private static string? Name(JsonElement e) =>
        e.TryGetProperty("event", out JsonElement kind) && kind.ValueKind == JsonValueKind.String ? kind.GetString() : null;

    private static void Remember(Queue<string> lines, string line)
    {
        lock (lines)
        {
            if (lines.Count == RecentLines)
            {
                _ = lines.Dequeue();
            }

            lines.Enqueue(line);
        }
    }

    private static string Recent(Queue<string> lines, string stream)
    {
        lock (lines)
        {
            return lines.Count == 0 ? $"{stream}: (nothing)" : $"{stream} (last {lines.Count} lines):\n{string.Join('\n', lines)}";
        }
    }

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            _events.Writer.TryComplete();
            return;
        }

        Remember(_stdout, line);
        if (!line.StartsWith('{'))
        {
            return;
        }

        JsonElement e;
        try
        {
            using JsonDocument document = JsonDocument.Parse(line);
            e = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return; // not an event (it stays in the transcript); throwing here would end the test host
        }

        _events.Writer.TryWrite(e);
    }

    private void OnError(string? line)
    {
        if (line is not null)
        {
            Remember(_stderr, line);
        }
    }

    private string State() =>
        _process.HasExited
            ? $"PID {Pid}, exited with code {_process.ExitCode.ToString(CultureInfo.InvariantCulture)}"
            : $"PID {Pid}, still running";

    /// <summary>The recent output, for failure messages.</summary>
    private string Transcript() => $"{Recent(_stdout, "stdout")}\n{Recent(_stderr, "stderr")}";
}
