// A buffer carried across hosts by NATS (docs/bridge.md). Three roles:
//
//   host A:  dotnet run --project examples/NatsBridge -- export cam0 site1.cam0 --url nats://nats-a:4222
//            (creates buffer cam0 and exports whatever a writer puts in it; try: zerobuffer write cam0 --count 100 --size 3110400)
//   host B:  dotnet run --project examples/NatsBridge -- import cam0-remote site1.cam0 --url nats://nats-b:4222
//            (creates buffer cam0-remote, imports into it and reads it, printing frames and gaps)
//   one host, measuring: dotnet run -c Release --project examples/NatsBridge -- loopback 3110400 300 --url nats://127.0.0.1:4222 [--mode jetstream]
//            (producer -> buffer -> exporter -> NATS -> importer -> buffer -> reader, in one process; prints frames/s and MB/s)
//
// Add --mode jetstream for at-least-once delivery through a stream (the server needs -js).
using System.Diagnostics;
using System.Globalization;
using NATS.Client.Core;
using ZeroBuffer;
using ZeroBuffer.Nats;

if (args.Length < 3 || args[0] is not ("export" or "import" or "loopback"))
{
    Console.Error.WriteLine("usage: NatsBridge export NAME SUBJECT | import NAME SUBJECT | loopback SIZE COUNT  [--url URL] [--mode core|jetstream]");
    return 2;
}

string url = Option("--url") ?? "nats://127.0.0.1:4222";
BridgeMode mode = Option("--mode") == "jetstream" ? BridgeMode.JetStream : BridgeMode.Core;
using var stopping = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stopping.Cancel();
};

// Security goes through NatsOpts: TlsOpts, AuthOpts (CredsFile, Username/Password, Token, NKey).
await using var nats = new NatsConnection(new NatsOpts { Url = url, Name = "zerobuffer-bridge" });
try
{
    return args[0] switch
    {
        "export" => await ExportAsync(args[1], args[2]),
        "import" => await ImportAsync(args[1], args[2]),
        _ => await LoopbackAsync(int.Parse(args[1], CultureInfo.InvariantCulture), int.Parse(args[2], CultureInfo.InvariantCulture)),
    };
}
catch (NatsBridgeException error)
{
    Console.Error.WriteLine(error.Message);
    return 1;
}

async Task<int> ExportAsync(string name, string subject)
{
    using var reader = new Reader(name, new BufferConfig(4096, 64 << 20));
    await using var exporter = new NatsExporter(nats, reader, new NatsExporterOptions { Subject = subject, Mode = mode });
    exporter.ConnectionChanged += (_, e) => Console.WriteLine(e.IsConnected ? $"connected: {e.Message}" : $"disconnected: {e.Message}");
    exporter.Error += (_, e) => Console.WriteLine($"problem: {e}");
    await exporter.StartAsync(stopping.Token);
    Console.WriteLine($"exporting buffer '{name}' to '{BridgeSubjects.Frames(subject)}' ({mode}, session {exporter.Session}); Ctrl+C stops");
    await Task.WhenAny(exporter.Completion, Task.Delay(Timeout.Infinite, stopping.Token).ContinueWith(_ => { }, TaskScheduler.Default));
    await exporter.StopAsync();
    Console.WriteLine($"exported {exporter.FramesExported} frames ({exporter.BytesExported} bytes)");
    return 0;
}

async Task<int> ImportAsync(string name, string subject)
{
    using var reader = new Reader(name, new BufferConfig(4096, 64 << 20)); // the application's reader
    await using var importer = new NatsImporter(nats, name, new NatsImporterOptions { Subject = subject, Mode = mode });
    importer.Gap += (_, gap) => Console.WriteLine($"gap: {gap}");
    importer.StreamEnded += (_, e) => Console.WriteLine($"the exporter's stream ended ({e.Reason}) after frame {e.LastSequence}");
    await importer.StartAsync(stopping.Token);
    Console.WriteLine($"importing '{subject}' into buffer '{name}' ({mode}); Ctrl+C stops");
    try
    {
        while (true)
        {
            try
            {
                using Frame frame = await reader.ReadFrameAsync(stopping.Token);
                Console.WriteLine($"frame {frame.Sequence}: {frame.Size} bytes");
            }
            catch (WriterClosedException)
            {
                Console.WriteLine($"end of stream; metadata: {reader.GetMetadata().Length} bytes");
            }
        }
    }
    catch (OperationCanceledException)
    {
    }

    Console.WriteLine($"imported {importer.FramesImported} frames; lost {importer.FramesLost}, missed before joining {importer.FramesMissedBeforeJoin}");
    return 0;
}

async Task<int> LoopbackAsync(int size, int count)
{
    string id = Guid.NewGuid().ToString("N")[..8];
    string subject = $"bench.{id}";
    long ring = 8L * (size + 64);
    using var source = new Reader($"bridge-a-{id}", new BufferConfig(4096, ring));
    using var target = new Reader($"bridge-b-{id}", new BufferConfig(4096, ring));
    await using var otherConnection = new NatsConnection(new NatsOpts { Url = url, Name = "zerobuffer-bridge-b" });
    var jetStream = new NatsJetStreamOptions { MemoryStorage = args.Contains("--memory") };
    await using var exporter = new NatsExporter(nats, source, new NatsExporterOptions { Subject = subject, Mode = mode, JetStream = jetStream });
    await using var importer = new NatsImporter(otherConnection, target.Name, new NatsImporterOptions { Subject = subject, Mode = mode, JetStream = jetStream });
    await exporter.StartAsync(stopping.Token);
    await importer.StartAsync(stopping.Token);

    Task produce = Task.Run(() =>
    {
        using Writer writer = Writer.Connect(source.Name, TimeSpan.FromSeconds(5));
        writer.WriteTimeout = Timeout.InfiniteTimeSpan;
        for (int i = 0; i < count; i++)
        {
            Span<byte> frame = writer.GetFrameBuffer(size);
            frame.Fill((byte)i);
            writer.CommitFrame();
        }
    });

    var clock = Stopwatch.StartNew();
    TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
    Task<TimeSpan> exported = Task.Run(async () =>
    {
        while (exporter.LastSequence < (ulong)count && !stopping.IsCancellationRequested)
        {
            await Task.Delay(1);
        }

        return clock.Elapsed;
    });
    int received = 0;
    try
    {
        while (true)
        {
            using Frame frame = await target.ReadFrameAsync(stopping.Token);
            received++;
        }
    }
    catch (WriterClosedException)
    {
    }

    clock.Stop();
    await produce;
    double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds / clock.Elapsed.TotalSeconds * 100;
    double seconds = clock.Elapsed.TotalSeconds;
    double exportSeconds = (await exported).TotalSeconds;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{mode} {size} B x {count}: {received} received, {importer.FramesLost} lost, {received / seconds:0} frames/s, {received * (double)size / seconds / 1e6:0.0} MB/s (the exporter alone: {count / exportSeconds:0} frames/s), CPU {cpu:0} % of one core (the whole process)"));
    return received + importer.FramesLost == count ? 0 : 1;
}

string? Option(string name)
{
    int at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
}
