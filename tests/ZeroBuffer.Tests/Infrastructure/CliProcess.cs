using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;

namespace ZeroBuffer.Tests.Infrastructure;

/// <summary>
/// The project's own CLI (<c>zerobuffer</c>) running as a second OS process: the peer of every
/// cross-process test. Standard output is collected line by line, so a test waits for a line
/// (with a deadline) instead of sleeping; <see cref="KillAsync"/> is SIGKILL.
/// </summary>
internal sealed class CliProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _all = [];
    private readonly List<string> _errors = [];
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private DeclaredExitCodes.Command? _contract;
    private bool _killed;

    private CliProcess(Process process) => _process = process;

    /// <summary>Default deadline for waiting on a line or an exit.</summary>
    internal static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Starts <c>zerobuffer &lt;args&gt;</c> from the test output folder. Its exit code is checked
    /// against the codes the command declares (<see cref="WaitForExitAsync"/>).
    /// </summary>
    internal static CliProcess Start(params string[] args) => StartWithEnvironment(null, args);

    /// <summary>Starts <c>zerobuffer &lt;args&gt;</c> with <paramref name="environment"/> changed (a null value removes the variable).</summary>
    internal static CliProcess StartWithEnvironment(IReadOnlyDictionary<string, string?>? environment, params string[] args) =>
        Checked(StartProgram("dotnet", [CliPath, .. args], environment), DeclaredExitCodes.OfCli(args));

    /// <summary>Starts the cross-process bench (bench/ZeroBuffer.Bench, an executable of its own) with <paramref name="args"/> from the test output folder.</summary>
    internal static CliProcess StartBench(params string[] args) =>
        Checked(StartProgram("dotnet", [BenchPath, .. args]), DeclaredExitCodes.OfBench(args));

    /// <summary>Starts the bench with <paramref name="environment"/> changed (a null value removes the variable).</summary>
    internal static CliProcess StartBenchWithEnvironment(IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        Checked(StartProgram("dotnet", [BenchPath, .. args], environment), DeclaredExitCodes.OfBench(args));

    private static CliProcess Checked(CliProcess process, DeclaredExitCodes.Command contract)
    {
        process._contract = contract;
        return process;
    }

    /// <summary>
    /// Starts <c>zerobuffer &lt;args&gt;</c> as a container would run it: in its own PID and mount
    /// namespaces (<c>unshare --pid --mount --fork --mount-proc</c>, as root), with a private tmpfs
    /// on <c>/tmp</c> and no <c>TMPDIR</c>, sharing only <c>/dev/shm</c> with this process. The
    /// command is PID 1 of its namespace. If <c>unshare</c> is refused, the process exits at once
    /// and a test waiting for its output fails with unshare's message.
    /// </summary>
    internal static CliProcess StartInNamespace(params string[] args)
    {
        var process = Checked(StartProgram("unshare",
        [
            "--pid", "--mount", "--fork", "--mount-proc", "--kill-child=SIGKILL",
            "sh", "-c", "mount -t tmpfs tmpfs /tmp && exec env -u TMPDIR \"$@\"", "sh",
            "dotnet", CliPath, .. args,
        ]), DeclaredExitCodes.OfCli(args));
        process.InNamespace = true;
        return process;
    }

    /// <summary>Starts <paramref name="program"/> with stdin, stdout and stderr redirected (and <paramref name="environment"/> changed).</summary>
    internal static CliProcess StartProgram(string program, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        foreach ((string variable, string? value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                info.Environment.Remove(variable);
            }
            else
            {
                info.Environment[variable] = value;
            }
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var cliProcess = new CliProcess(process);
        process.OutputDataReceived += (_, e) => cliProcess.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => cliProcess.OnError(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return cliProcess;
    }

    private static string CliPath => Path.Combine(AppContext.BaseDirectory, "ZeroBuffer.Cli.dll");

    private static string BenchPath => Path.Combine(AppContext.BaseDirectory, "ZeroBuffer.Bench.dll");

    /// <summary>Whether the CLI runs in namespaces of its own (<see cref="StartInNamespace"/>).</summary>
    internal bool InNamespace { get; private set; }

    /// <summary>
    /// The CLI's PID as this process sees it: for a namespaced CLI, the child of <c>unshare</c>
    /// (PID 1 of its namespace), otherwise <see cref="Pid"/>.
    /// </summary>
    internal async Task<int> HostPidAsync()
    {
        if (!InNamespace)
        {
            return Pid;
        }

        string children = $"/proc/{Pid}/task/{Pid}/children";
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < DefaultTimeout)
        {
            string text = File.Exists(children) ? (await File.ReadAllTextAsync(children)).Trim() : "";
            if (int.TryParse(text.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(), out int child))
            {
                return child;
            }

            if (_process.HasExited)
            {
                throw new InvalidOperationException($"unshare exited ({_process.ExitCode}) before its child started. Stderr:\n{ErrorOutput}");
            }

            await Task.Yield();
        }

        throw new TimeoutException($"unshare (PID {Pid}) started no child within {DefaultTimeout}.");
    }

    /// <summary>The OS process id.</summary>
    internal int Pid => _process.Id;

    internal bool HasExited => _process.HasExited;

    /// <summary>Everything printed on stdout so far.</summary>
    internal IReadOnlyList<string> Output
    {
        get
        {
            lock (_all)
            {
                return [.. _all];
            }
        }
    }

    /// <summary>Everything printed on stderr so far.</summary>
    internal string ErrorOutput
    {
        get
        {
            lock (_errors)
            {
                return string.Join('\n', _errors);
            }
        }
    }

    /// <summary>The process's standard input (e.g. to feed frames, or close it to end a holding command).</summary>
    internal StreamWriter Input => _process.StandardInput;

    private void OnLine(string? line)
    {
        if (line is null)
        {
            _lines.Writer.TryComplete();
            _stdoutClosed.TrySetResult();
            return;
        }

        lock (_all)
        {
            _all.Add(line);
        }

        _lines.Writer.TryWrite(line);
    }

    private void OnError(string? line)
    {
        if (line is not null)
        {
            lock (_errors)
            {
                _errors.Add(line);
            }
        }
    }

    /// <summary>Waits for the next stdout line matching <paramref name="match"/> (earlier lines are consumed).</summary>
    internal async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            await foreach (string line in _lines.Reader.ReadAllAsync(cts.Token))
            {
                if (match(line))
                {
                    return line;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No matching line from the CLI within {timeout ?? DefaultTimeout}. Output:\n{string.Join('\n', Output)}\nStderr:\n{ErrorOutput}");
        }

        throw new InvalidOperationException($"The CLI closed its output without a matching line (exit code {(_process.HasExited ? _process.ExitCode : -1)}). Output:\n{string.Join('\n', Output)}\nStderr:\n{ErrorOutput}");
    }

    /// <summary>Waits for the next JSON line whose <c>event</c> property is <paramref name="eventName"/>.</summary>
    internal async Task<JsonElement> WaitForEventAsync(string eventName, TimeSpan? timeout = null)
    {
        string line = await WaitForLineAsync(l => TryGetEvent(l, out string? e) && e == eventName, timeout);
        return JsonDocument.Parse(line).RootElement.Clone();
    }

    /// <summary>Every JSON event of the given kind printed so far.</summary>
    internal IReadOnlyList<JsonElement> Events(string eventName) =>
        [.. Output.Where(l => TryGetEvent(l, out string? e) && e == eventName).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    private static bool TryGetEvent(string line, out string? eventName)
    {
        eventName = null;
        if (!line.StartsWith('{'))
        {
            return false;
        }

        try
        {
            using var doc = JsonDocument.Parse(line);
            if (doc.RootElement.TryGetProperty("event", out JsonElement e))
            {
                eventName = e.GetString();
                return true;
            }
        }
        catch (JsonException)
        {
        }

        return false;
    }

    /// <summary>
    /// Waits for the process to exit; returns its exit code. For the CLI and the bench, the code
    /// must be one the command declares (its help lists): a test that provokes a code checks the
    /// contract too.
    /// </summary>
    internal async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            await _stdoutClosed.Task.WaitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The CLI did not exit within {timeout ?? DefaultTimeout}. Output:\n{string.Join('\n', Output)}\nStderr:\n{ErrorOutput}");
        }

        if (_contract is { } contract && !_killed)
        {
            Assert.True(contract.ExitCodes.Contains(_process.ExitCode),
                $"'{contract.Name}' exited with {_process.ExitCode}, which its exit-code table does not declare ({string.Join(", ", contract.ExitCodes.Codes)}). Stderr:\n{ErrorOutput}");
        }

        return _process.ExitCode;
    }

    /// <summary>
    /// SIGKILL (no cleanup runs in the process), then waits until it is gone. A namespaced CLI is
    /// killed itself (the namespace's PID 1, so the whole namespace goes), not its <c>unshare</c>.
    /// </summary>
    internal async Task KillAsync()
    {
        _killed = true;
        if (!_process.HasExited)
        {
            if (InNamespace)
            {
                const int SIGKILL = 9;
                _ = ZeroBuffer.Interop.LibC.Kill(await HostPidAsync(), SIGKILL);
            }
            else
            {
                _process.Kill(entireProcessTree: false); // SIGKILL on Unix
            }
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>
    /// Removes what a SIGKILLed reader left of <paramref name="name"/>: creating a reader sweeps a
    /// buffer whose lock is free and whose PIDs are dead, and disposing it removes the rest.
    /// Disconnect any writer of the name first (a live writer keeps the buffer in use).
    /// </summary>
    internal static void RemoveAbandonedBuffer(string name)
    {
        if (OsResources.Existing(name).Count == 0)
        {
            return;
        }

        using var sweeper = new Reader(name, new BufferConfig(0, 64));
    }

    /// <summary>SIGINT, as Ctrl+C in a terminal sends it (the CLI cleans up; a command that runs until stopped ends normally).</summary>
    internal async Task InterruptAsync()
    {
        const int SIGINT = 2;
        _ = ZeroBuffer.Interop.LibC.Kill(InNamespace ? await HostPidAsync() : _process.Id, SIGINT);
    }

    /// <summary>
    /// SIGTERM, so the CLI cleans up as on Ctrl+C (a reader removes its buffer); SIGKILL if it is
    /// still running after <paramref name="grace"/>. Returns at once when it already exited.
    /// </summary>
    internal async Task TerminateAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }

        const int SIGTERM = 15;
        _ = ZeroBuffer.Interop.LibC.Kill(InNamespace ? await HostPidAsync() : _process.Id, SIGTERM); // unshare does not forward it
        using var cts = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
        }
    }

    /// <summary>
    /// Ends a process the test left running (usually after a failed assertion) the clean way
    /// first, so even a failing test leaves no buffer behind.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await TerminateAsync(TimeSpan.FromSeconds(3));
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }
}
