using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;

namespace ZeroBuffer.Nats.Tests.Infrastructure;

/// <summary>
/// The repository's Python SDK (python/zerobuffer, from the source tree) as host B's reader, in a
/// process of its own: it creates the buffer, prints <c>{"event":"ready"}</c>, then one line per
/// frame with the frame's index (its first 8 bytes) and the SHA-256 of its bytes, and
/// <c>{"event":"done"}</c> at the end of the stream. Disposing kills it (SIGKILL) if still running.
/// </summary>
internal sealed class PythonReader : IAsyncDisposable
{
    private const string Script = """
        import hashlib, json, sys
        from zerobuffer import BufferConfig, Reader, WriterClosedError
        name, ring = sys.argv[1], int(sys.argv[2])
        with Reader(name, BufferConfig(metadata_size=4096, payload_size=ring)) as reader:
            print(json.dumps({"event": "ready"}), flush=True)
            while True:
                try:
                    frame = reader.read_frame(timeout=None)
                except WriterClosedError:
                    break
                with frame:
                    data = frame.data
                    print(json.dumps({"event": "frame", "sequence": frame.sequence, "size": frame.size,
                                      "index": int.from_bytes(data[:8], "little"), "sha256": hashlib.sha256(data).hexdigest()}), flush=True)
            print(json.dumps({"event": "done", "metadata": bytes(reader.get_metadata()).decode("utf-8", "replace")}), flush=True)
        """;

    private readonly Process _process;
    private readonly Channel<JsonElement> _events = Channel.CreateUnbounded<JsonElement>();
    private readonly List<string> _stderr = [];

    private PythonReader(Process process) => _process = process;

    /// <summary>Starts the reader of <paramref name="bufferName"/> (on <paramref name="host"/>, or here).</summary>
    internal static PythonReader Start(string bufferName, long ring, SimulatedHost? host = null)
    {
        string[] args = ["-c", Script, bufferName, ring.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        ProcessStartInfo info = host?.StartInfo("/usr/bin/python3", args) ?? new ProcessStartInfo("/usr/bin/python3", args);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        info.Environment["PYTHONPATH"] = Path.Combine(RepositoryRoot(), "python");
        var process = new Process { StartInfo = info };
        var reader = new PythonReader(process);
        process.OutputDataReceived += (_, e) => reader.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            lock (reader._stderr)
            {
                reader._stderr.Add(e.Data ?? "");
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return reader;
    }

    /// <summary>Waits for the next event named <paramref name="name"/>, collecting the frames before it into <paramref name="frames"/>.</summary>
    internal async Task<JsonElement> WaitForEventAsync(string name, List<JsonElement>? frames = null)
    {
        using CancellationTokenSource deadline = Eventually.Safety();
        try
        {
            await foreach (JsonElement e in _events.Reader.ReadAllAsync(deadline.Token))
            {
                string? kind = e.GetProperty("event").GetString();
                if (kind == name)
                {
                    return e;
                }

                if (kind == "frame")
                {
                    frames?.Add(e);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        lock (_stderr)
        {
            throw new TimeoutException($"No '{name}' event from the Python reader. Stderr:\n{string.Join('\n', _stderr)}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
        }

        await _process.WaitForExitAsync();
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

    /// <summary>The repository's root: the first folder above the tests' output that holds python/zerobuffer.</summary>
    private static string RepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (Directory.Exists(Path.Combine(directory.FullName, "python", "zerobuffer")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No python/zerobuffer above {AppContext.BaseDirectory}.");
    }
}
