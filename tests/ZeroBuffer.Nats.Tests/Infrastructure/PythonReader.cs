using System.Diagnostics;
using System.Text.Json;

namespace ZeroBuffer.Nats.Tests.Infrastructure;

/// <summary>
/// The repository's Python SDK (python/zerobuffer, from the source tree) as host B's reader, in a
/// process of its own: it creates the buffer, prints <c>{"event":"ready"}</c>, then one line per
/// frame with the frame's index (its first 8 bytes) and the SHA-256 of its bytes, and
/// <c>{"event":"done"}</c> at the end of the stream. The process is a <see cref="JsonEventProcess"/>;
/// this adds the script, how to start it, and the frames passed over on the way to an event.
/// Disposing kills it (SIGKILL) if still running.
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

    private readonly JsonEventProcess _process;

    private PythonReader(JsonEventProcess process) => _process = process;

    /// <summary>Starts the reader of <paramref name="bufferName"/> (on <paramref name="host"/>, or here).</summary>
    internal static PythonReader Start(string bufferName, long ring, SimulatedHost? host = null)
    {
        string[] args = ["-c", Script, bufferName, ring.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        ProcessStartInfo info = host?.StartInfo("/usr/bin/python3", args) ?? new ProcessStartInfo("/usr/bin/python3", args);
        info.Environment["PYTHONPATH"] = Path.Combine(RepositoryRoot(), "python");
        string where = host is null ? "" : $" on host {host.Name}";
        return new PythonReader(JsonEventProcess.Start(info, $"the Python reader of '{bufferName}'{where}"));
    }

    /// <summary>Waits for the next event named <paramref name="name"/>, collecting the frames before it into <paramref name="frames"/>.</summary>
    internal Task<JsonElement> WaitForEventAsync(string name, List<JsonElement>? frames = null) =>
        _process.WaitForEventAsync(name, frames is null ? null : e =>
        {
            if (e.TryGetProperty("event", out JsonElement kind) && kind.ValueKind == JsonValueKind.String && kind.ValueEquals("frame"))
            {
                frames.Add(e);
            }
        });

    public ValueTask DisposeAsync() => _process.DisposeAsync();

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
