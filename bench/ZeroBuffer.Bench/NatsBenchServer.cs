using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using NATS.Client.Core;

namespace ZeroBuffer.Bench;

/// <summary>
/// The <c>nats-server</c> of a bench run's <c>nats</c> scenario: one process for every NATS case
/// of the run, on a loopback port the server picks itself (<c>port: -1</c>, read back from its log,
/// so no other process can take it in between), with the default <c>max_payload</c> (1 MiB) and
/// JetStream, its store in <c>RUN-nats</c> under the temp directory. Disposing kills it and removes
/// that directory; the bench disposes it at the end of the run, after a failed case and on Ctrl+C
/// or SIGTERM (a bench killed with SIGKILL leaves it running, as it would any child).
/// </summary>
/// <remarks>
/// When the server cannot run (not installed, or it exits before it is ready), <see cref="Url"/>
/// is null and <see cref="NotRunReason"/> says why: the NATS rows are then reported as not run,
/// with that reason, never measured against something else.
/// </remarks>
internal sealed partial class NatsBenchServer : IDisposable
{
    /// <summary>Names the executable to use instead of looking on PATH and in /usr/sbin (tests point it at nothing to see the not-run rows).</summary>
    internal const string ExecutableVariable = "ZB_BENCH_NATS_SERVER";

    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);

    private readonly string? _directory;
    private readonly Process? _process;
    private readonly List<string> _log = [];
    private readonly TaskCompletionSource<int> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private NatsBenchServer(string notRunReason) => NotRunReason = notRunReason;

    private NatsBenchServer(string directory, Process process)
    {
        _directory = directory;
        _process = process;
    }

    /// <summary>The client URL (<c>nats://127.0.0.1:PORT</c>); null when the server is not running.</summary>
    internal string? Url { get; private set; }

    /// <summary>Why there is no server (null when there is one).</summary>
    internal string? NotRunReason { get; private set; }

    /// <summary>The server's version line (<c>nats-server: v2.9.10</c>), for the report; null when unknown.</summary>
    internal string? Version { get; private set; }

    /// <summary>Starts the run's server; never throws for a server that cannot run (see <see cref="NotRunReason"/>), only for a stop request.</summary>
    internal static NatsBenchServer Start(string runName, CancellationToken stop)
    {
        string? executable = Locate();
        if (executable is null)
        {
            return new NatsBenchServer(Environment.GetEnvironmentVariable(ExecutableVariable) is { Length: > 0 } named
                ? $"nats-server not found at {named} ({ExecutableVariable})"
                : "nats-server is not installed (looked on PATH and in /usr/sbin; Debian: apt-get install nats-server)");
        }

        string directory = Path.Combine(Path.GetTempPath(), runName + "-nats");
        Directory.CreateDirectory(directory);
        string config = Path.Combine(directory, "server.conf");
        File.WriteAllText(config, Configuration(directory));
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(config);
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("no process");
        }
        catch (Exception error) when (error is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            Directory.Delete(directory, recursive: true);
            return new NatsBenchServer($"nats-server at {executable} could not be started: {error.Message}");
        }

        var server = new NatsBenchServer(directory, process);
        process.OutputDataReceived += (_, e) => server.OnLog(e.Data);
        process.ErrorDataReceived += (_, e) => server.OnLog(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            server.WaitUntilReady(executable, stop);
        }
        catch
        {
            server.Dispose();
            throw;
        }

        return server;
    }

    /// <summary>Kills the server (if it runs) and removes its directory.</summary>
    public void Dispose()
    {
        if (_process is not null)
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                }

                _process.WaitForExit();
            }
            catch (InvalidOperationException)
            {
                // Never started.
            }

            _process.Dispose();
        }

        if (_directory is not null && Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>
    /// Waits for the server's "listening" and "ready" log lines, then for a client's ping to come
    /// back: the server then serves clients and JetStream. A server that exits first, or takes
    /// longer than 30 s, leaves the reason in <see cref="NotRunReason"/>.
    /// </summary>
    private void WaitUntilReady(string executable, CancellationToken stop)
    {
        Process process = _process!;
        Task exited = process.WaitForExitAsync(stop);
        Task all = Task.WhenAll(_listening.Task, _ready.Task);
        int index = Task.WaitAny([all, exited], (int)ReadyTimeout.TotalMilliseconds, stop);
        if (index != 0)
        {
            NotRunReason = process.HasExited
                ? $"nats-server at {executable} exited before it was ready (exit code {process.ExitCode}): {LastLogLines()}"
                : $"nats-server at {executable} was not ready within {ReadyTimeout.TotalSeconds:0} s: {LastLogLines()}";
            return;
        }

        string url = $"nats://127.0.0.1:{_listening.Task.Result.ToString(CultureInfo.InvariantCulture)}";
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
            timeout.CancelAfter(ReadyTimeout);
            Task ping = PingAsync(url, timeout.Token);
            ping.Wait(timeout.Token);
            Url = url;
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            NotRunReason = $"nats-server at {url} did not answer a client within {ReadyTimeout.TotalSeconds:0} s";
        }
        catch (AggregateException error) when (error.InnerException is NatsException nats)
        {
            NotRunReason = $"nats-server at {url} refused a client: {nats.Message}";
        }
    }

    private static async Task PingAsync(string url, CancellationToken cancellationToken)
    {
        await using var connection = new NatsConnection(new NatsOpts { Url = url, Name = "zb-bench-probe" });
        await connection.ConnectAsync().AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
        _ = await connection.PingAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A loopback server on a port of its choosing, the default max_payload, JetStream with its store here.</summary>
    private static string Configuration(string directory) =>
        $"""
        server_name: zb-bench
        host: 127.0.0.1
        port: -1
        jetstream {"{"} store_dir: "{Path.Combine(directory, "jetstream")}" {"}"}
        """;

    private string LastLogLines()
    {
        lock (_log)
        {
            return string.Join(" | ", _log.TakeLast(5));
        }
    }

    private void OnLog(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.Add(line);
        }

        if (ListeningLine().Match(line) is { Success: true } listening)
        {
            _listening.TrySetResult(int.Parse(listening.Groups[1].Value, CultureInfo.InvariantCulture));
        }
        else if (line.Contains("Server is ready", StringComparison.Ordinal))
        {
            _ready.TrySetResult();
        }
        else if (VersionLine().Match(line) is { Success: true } version)
        {
            Version = "nats-server " + version.Groups[1].Value;
        }
    }

    /// <summary>The executable: <see cref="ExecutableVariable"/> when set (null if nothing is there), else PATH, then /usr/sbin.</summary>
    private static string? Locate()
    {
        if (Environment.GetEnvironmentVariable(ExecutableVariable) is { Length: > 0 } named)
        {
            return File.Exists(named) ? named : null;
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Append("/usr/sbin")
            .Select(directory => Path.Combine(directory, "nats-server"))
            .FirstOrDefault(File.Exists);
    }

    [GeneratedRegex(@"Listening for client connections on [^\s]*:(\d+)")]
    private static partial Regex ListeningLine();

    [GeneratedRegex(@"Version:\s+(\S+)")]
    private static partial Regex VersionLine();
}
