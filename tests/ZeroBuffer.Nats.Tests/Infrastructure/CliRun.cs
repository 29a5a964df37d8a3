using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using ZeroBuffer.Cli;

namespace ZeroBuffer.Nats.Tests.Infrastructure;

/// <summary>
/// The project's CLI (<c>zerobuffer</c>: <c>dotnet ZeroBuffer.Cli.dll</c> from the tests' output
/// folder) as a process of its own, on this machine or on a <see cref="SimulatedHost"/>. Its JSON
/// events (<c>--json</c>) are collected line by line, so a test waits for an event with a deadline
/// instead of sleeping. Its exit code must be one its command declares. Disposing stops it the
/// clean way (SIGTERM), then SIGKILL.
/// </summary>
internal sealed class CliRun : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string[] _args;
    private readonly Channel<JsonElement> _events = Channel.CreateUnbounded<JsonElement>();
    private readonly List<JsonElement> _all = [];
    private readonly List<string> _stderr = [];
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private CliRun(Process process, string[] args)
    {
        _process = process;
        _args = args;
    }

    /// <summary>Starts <c>zerobuffer ARGS</c> (on <paramref name="host"/>, or here); pass <c>--json</c> to see its events.</summary>
    internal static CliRun Start(SimulatedHost? host, params string[] args)
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "ZeroBuffer.Cli.dll");
        ProcessStartInfo info = host?.StartInfo("dotnet", [cli, .. args]) ?? Plain("dotnet", [cli, .. args]);
        info.RedirectStandardInput = true;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var run = new CliRun(process, args);
        process.OutputDataReceived += (_, e) => run.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => run.OnError(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return run;
    }

    /// <summary>The OS process id (the CLI's own, also on a simulated host: nsenter becomes it).</summary>
    internal int Pid => _process.Id;

    internal bool HasExited => _process.HasExited;

    /// <summary>The process's standard input (<c>write --stdin length-prefixed</c> reads frames from it).</summary>
    internal Stream Input => _process.StandardInput.BaseStream;

    /// <summary>Every event printed so far.</summary>
    internal IReadOnlyList<JsonElement> AllEvents
    {
        get
        {
            lock (_all)
            {
                return [.. _all];
            }
        }
    }

    /// <summary>The lines printed on stderr so far.</summary>
    internal IReadOnlyList<string> ErrorLines
    {
        get
        {
            lock (_stderr)
            {
                return [.. _stderr];
            }
        }
    }

    /// <summary>Every event named <paramref name="name"/> printed so far.</summary>
    internal IReadOnlyList<JsonElement> Events(string name) => [.. AllEvents.Where(e => e.GetProperty("event").GetString() == name)];

    /// <summary>Waits for the next event named <paramref name="name"/> (and matching <paramref name="match"/>); the events before it are passed over.</summary>
    internal async Task<JsonElement> WaitForEventAsync(string name, Func<JsonElement, bool>? match = null)
    {
        using CancellationTokenSource deadline = Eventually.Safety();
        try
        {
            await foreach (JsonElement e in _events.Reader.ReadAllAsync(deadline.Token))
            {
                if (e.GetProperty("event").GetString() == name && (match is null || match(e)))
                {
                    return e;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No '{name}' event from 'zerobuffer {string.Join(' ', _args)}' within {Eventually.Deadline}.\n{Transcript()}");
        }

        throw new InvalidOperationException($"'zerobuffer {string.Join(' ', _args)}' ended without a '{name}' event (exit {ExitCodeText()}).\n{Transcript()}");
    }

    /// <summary>Waits for the exit; the code must be one the command declares (its help lists it).</summary>
    internal async Task<int> WaitForExitAsync()
    {
        using CancellationTokenSource deadline = Eventually.Safety();
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
            await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).WaitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"'zerobuffer {string.Join(' ', _args)}' did not exit within {Eventually.Deadline}.\n{Transcript()}");
        }

        int code = _process.ExitCode;
        ExitCodeTable declared = DeclaredExitCodes(_args);
        Assert.True(declared.Contains(code),
            $"'zerobuffer {string.Join(' ', _args)}' exited with {code}, which its command does not declare ({string.Join(", ", declared.Codes)}).\n{Transcript()}");
        return code;
    }

    /// <summary>SIGINT, as Ctrl+C sends it.</summary>
    internal void Interrupt() => Signal("INT");

    /// <summary>SIGTERM.</summary>
    internal void Terminate() => Signal("TERM");

    /// <summary>What it printed, for failure messages.</summary>
    internal string Transcript() =>
        $"stdout:\n{string.Join('\n', AllEvents.Select(e => e.GetRawText()))}\nstderr:\n{string.Join('\n', ErrorLines)}";

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Signal("TERM");
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: false);
                await _process.WaitForExitAsync();
            }
        }

        _process.Dispose();
    }

    /// <summary>The exit codes of the command <paramref name="args"/> name, from the CLI's own command tree.</summary>
    private static ExitCodeTable DeclaredExitCodes(string[] args)
    {
        CommandTree tree = CliApp.Tree(new GlobalOptions());
        CommandSpec spec = tree.Root;
        IReadOnlyList<CommandSpec> under = tree.Subcommands;
        foreach (string arg in args)
        {
            if (under.FirstOrDefault(s => s.Command.Name == arg) is not CommandSpec sub)
            {
                break;
            }

            (spec, under) = (sub, sub.Subcommands);
        }

        return spec.ExitCodes;
    }

    private static ProcessStartInfo Plain(string program, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(program);
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }

    /// <summary>Sends <paramref name="signal"/> with kill(1): .NET sends only SIGKILL itself.</summary>
    private void Signal(string signal)
    {
        if (_process.HasExited)
        {
            return;
        }

        using var kill = Process.Start(Plain("kill", ["-s", signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))!;
        kill.WaitForExit();
    }

    private string ExitCodeText() => _process.HasExited ? _process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) : "still running";

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            _events.Writer.TryComplete();
            _stdoutClosed.TrySetResult();
            return;
        }

        if (!line.StartsWith('{'))
        {
            return;
        }

        JsonElement e = JsonDocument.Parse(line).RootElement.Clone();
        lock (_all)
        {
            _all.Add(e);
        }

        _events.Writer.TryWrite(e);
    }

    private void OnError(string? line)
    {
        if (line is null)
        {
            _stderrClosed.TrySetResult();
            return;
        }

        lock (_stderr)
        {
            _stderr.Add(line);
        }
    }
}
