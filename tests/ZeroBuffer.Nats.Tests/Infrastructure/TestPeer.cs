using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;

namespace ZeroBuffer.Nats.Tests.Infrastructure;

/// <summary>
/// tests/peers/ZeroBuffer.Nats.TestPeer in a process of its own (built with these tests, run from
/// their output folder): a bridge the test can SIGKILL at a point it chose. Its JSON lines are
/// events; <see cref="WaitForEventAsync"/> waits for one with the safety deadline, never a sleep.
/// Disposing closes its stdin (it stops) and kills it if it is still running.
/// </summary>
internal sealed class TestPeer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<JsonElement> _events = Channel.CreateUnbounded<JsonElement>();
    private readonly List<string> _stderr = [];

    private TestPeer(Process process) => _process = process;

    internal static TestPeer Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ZeroBuffer.Nats.TestPeer.dll"));
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info };
        var peer = new TestPeer(process);
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

    /// <summary>Waits for the next event named <paramref name="name"/>.</summary>
    internal async Task<JsonElement> WaitForEventAsync(string name)
    {
        using CancellationTokenSource deadline = Eventually.Safety();
        try
        {
            await foreach (JsonElement e in _events.Reader.ReadAllAsync(deadline.Token))
            {
                if (e.GetProperty("event").GetString() == name)
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
            throw new TimeoutException($"No '{name}' event from the test peer (exited: {_process.HasExited}). Stderr:\n{string.Join('\n', _stderr)}");
        }
    }

    /// <summary>SIGKILL, as a crash: nothing runs in the process; returns once it is gone.</summary>
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
        if (!_process.HasExited)
        {
            _process.StandardInput.Close();
            using CancellationTokenSource grace = new(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                await KillAsync();
            }
        }

        _process.Dispose();
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
}
