using System.Diagnostics;
using System.Text.Json;

namespace ZeroBuffer.Cli.Demo;

/// <summary>
/// A copy of this program running one of its hidden commands, talking JSON lines: the CLI's
/// demo and soak children, and the bench executable's peers (it reuses this class). Its stdin
/// stays open while it should run: closing it (or this process dying) makes the child stop and
/// clean up.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    private static readonly TimeSpan GracefulStop = TimeSpan.FromSeconds(5);

    private readonly Process _process;
    private readonly Action<string, JsonElement> _onEvent;
    private readonly List<string> _stderr = [];
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChildProcess(string role, Process process, Action<string, JsonElement> onEvent)
    {
        Role = role;
        _process = process;
        _onEvent = onEvent;
    }

    /// <summary>"reader" or "writer", for messages.</summary>
    internal string Role { get; }

    internal int Pid => _process.Id;

    internal bool HasExited => _process.HasExited;

    /// <summary>The exit code, once <see cref="WaitForExit"/> returned true.</summary>
    internal int ExitCode => _process.ExitCode;

    /// <summary>The last summary event, if any.</summary>
    internal JsonElement? Summary { get; private set; }

    /// <summary>The error event, if any.</summary>
    internal JsonElement? Error { get; private set; }

    /// <summary>What the child printed on stderr.</summary>
    internal string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return string.Join(Environment.NewLine, _stderr);
            }
        }
    }

    /// <summary>Starts this program with <paramref name="arguments"/>; <paramref name="onEvent"/> gets each event (name, object) on a pool thread.</summary>
    internal static ChildProcess Start(string role, IEnumerable<string> arguments, Action<string, JsonElement> onEvent)
    {
        ProcessStartInfo info = SelfStartInfo();
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info };
        var child = new ChildProcess(role, process, onEvent);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnErrorLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>
    /// How to start this same program: the apphost directly, or <c>dotnet ENTRY.dll</c> with the
    /// entry assembly (ZeroBuffer.Cli.dll, or ZeroBuffer.Bench.dll for the bench's peers).
    /// </summary>
    private static ProcessStartInfo SelfStartInfo()
    {
        string host = Environment.ProcessPath ?? "dotnet";
        var info = new ProcessStartInfo(host)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            string entry = System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name ?? "ZeroBuffer.Cli";
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, entry + ".dll"));
        }

        return info;
    }

    /// <summary>Waits for the process to end and its output to be drained.</summary>
    internal bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            return false;
        }

        _process.WaitForExit(); // drains the redirected streams
        return _stdoutClosed.Task.Wait(timeout);
    }

    /// <summary>
    /// Asks the child to stop by closing its stdin, waits a while, then kills it. Safe to call
    /// more than once and after the child exited.
    /// </summary>
    internal void Stop()
    {
        try
        {
            if (_process.HasExited)
            {
                _process.WaitForExit();
                return;
            }

            try
            {
                _process.StandardInput.Close();
            }
            catch (IOException)
            {
            }

            if (!_process.WaitForExit(GracefulStop))
            {
                _process.Kill();
                _process.WaitForExit();
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already disposed.
        }
    }

    /// <summary>SIGKILL (the soak's crash), then waits until the process is gone and its output drained.</summary>
    internal void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: false);
            }

            _process.WaitForExit();
            _stdoutClosed.Task.Wait(GracefulStop);
        }
        catch (InvalidOperationException)
        {
            // Never started or already disposed.
        }
    }

    /// <summary>SIGTERM: the CLI cleans up as on Ctrl+C (a reader removes its buffer).</summary>
    internal void Terminate()
    {
        if (!_process.HasExited)
        {
            using Process? kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) }, UseShellExecute = false });
            kill?.WaitForExit();
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            _stdoutClosed.TrySetResult();
            return;
        }

        if (!line.StartsWith('{'))
        {
            return;
        }

        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(line);
            root = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return;
        }

        if (!root.TryGetProperty("event", out JsonElement name) || name.GetString() is not string eventName)
        {
            return;
        }

        if (eventName == "summary")
        {
            Summary = root;
        }
        else if (eventName == "error")
        {
            Error = root;
        }

        _onEvent(eventName, root);
    }

    private void OnErrorLine(string? line)
    {
        if (line is not null)
        {
            lock (_stderr)
            {
                _stderr.Add(line);
            }
        }
    }

    public void Dispose()
    {
        Stop();
        _process.Dispose();
    }
}
