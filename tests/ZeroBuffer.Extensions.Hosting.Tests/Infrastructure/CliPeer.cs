using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;

namespace ZeroBuffer.Extensions.Hosting.Tests.Infrastructure;

/// <summary>
/// The project's CLI (<c>zerobuffer</c>, run with <c>--json</c>) as the other process of a test.
/// Its JSON events are read line by line, so a test waits for an event instead of sleeping;
/// <see cref="KillAsync"/> is SIGKILL (no cleanup runs in the process, as in a crash).
/// </summary>
internal sealed class CliPeer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<JsonElement> _events = Channel.CreateUnbounded<JsonElement>();
    private readonly List<string> _stderr = [];

    private CliPeer(Process process) => _process = process;

    internal int Pid => _process.Id;

    /// <summary>Starts <c>zerobuffer ARGS --json</c> from the test's output folder.</summary>
    internal static CliPeer Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ZeroBuffer.Cli.dll"));
        foreach (string arg in args.Append("--json"))
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info };
        var peer = new CliPeer(process);
        process.OutputDataReceived += (_, e) => peer.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            lock (peer._stderr)
            {
                peer._stderr.Add(e.Data ?? "");
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return peer;
    }

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            _events.Writer.TryComplete();
        }
        else if (line.StartsWith('{'))
        {
            _events.Writer.TryWrite(JsonDocument.Parse(line).RootElement.Clone());
        }
    }

    /// <summary>Waits for the next event named <paramref name="name"/> (earlier events are passed over).</summary>
    internal async Task<JsonElement> WaitForEventAsync(string name)
    {
        using var deadline = new CancellationTokenSource(Eventually.Deadline);
        try
        {
            await foreach (JsonElement e in _events.Reader.ReadAllAsync(deadline.Token))
            {
                if (e.TryGetProperty("event", out JsonElement kind) && kind.GetString() == name)
                {
                    return e;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        lock (_stderr)
        {
            throw new TimeoutException($"No '{name}' event from the CLI (PID {Pid}). Stderr:\n{string.Join('\n', _stderr)}");
        }
    }

    /// <summary>SIGKILL, then waits until the process is gone.</summary>
    internal async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
        }

        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }
}
