using System.Collections.Concurrent;
using NATS.Client.Core;

namespace ZeroBuffer.Nats.Tests.Infrastructure;

/// <summary>A frame as the importing side's reader saw it.</summary>
internal readonly record struct Received(ulong LocalSequence, ulong Index, int Size, ulong Checksum);

/// <summary>
/// Two "hosts" in one process: host A has its buffer (a reader the exporter reads, fed by a
/// producer), its own NATS connection and exporter; host B has its buffer (the application's
/// reader), its own connection and importer. Each side may use its own server (cluster nodes).
/// </summary>
internal sealed class BridgeHarness : IAsyncDisposable
{
    private readonly NatsServer[] _importerServers;
    private NatsConnection? _importerConnection;

    private BridgeHarness(NatsServer[] exporterServers, NatsServer[] importerServers, string subject, BridgeMode mode, long sourceRing, long targetRing)
    {
        _importerServers = importerServers;
        Subject = subject;
        Mode = mode;
        SourceName = Names.Buffer("a");
        TargetName = Names.Buffer("b");
        SourceReader = new Reader(SourceName, new BufferConfig(4096, sourceRing));
        ExporterConnection = exporterServers[0].Connect(exporterServers[1..]);
    }

    internal string Subject { get; }

    internal BridgeMode Mode { get; }

    internal string SourceName { get; }

    internal string TargetName { get; }

    internal Reader SourceReader { get; }

    internal Reader? TargetReader { get; private set; }

    internal NatsConnection ExporterConnection { get; }

    internal NatsExporter? Exporter { get; private set; }

    /// <summary>Host B's connection (once the first importer started).</summary>
    internal NatsConnection? ImporterConnection => _importerConnection;

    internal NatsImporter? Importer { get; private set; }

    internal ConcurrentQueue<NatsGapEventArgs> Gaps { get; } = new();

    internal ConcurrentQueue<NatsBridgeErrorEventArgs> Errors { get; } = new();

    internal NatsJetStreamOptions JetStream { get; init; } = new();

    internal long PendingBytes { get; init; } = 64L << 20;

    internal int? MaxChunkSize { get; init; }

    internal static async Task<BridgeHarness> StartAsync(NatsServer exporterServer, NatsServer importerServer, BridgeMode mode,
        long sourceRing = 16 << 20, long targetRing = 16 << 20, bool startImporter = true, NatsJetStreamOptions? jetStream = null,
        long pendingBytes = 64L << 20, int? maxChunkSize = null, bool startExporter = true) =>
        await StartAsync([exporterServer], [importerServer], mode, sourceRing, targetRing, startImporter, jetStream, pendingBytes, maxChunkSize, startExporter);

    /// <summary>
    /// Starts host A (and host B's reader, unless its ring is 0: then another process is host B's
    /// reader). Without <paramref name="startExporter"/>, host A's buffer exists and frames written
    /// to it wait in its ring until <see cref="StartExporterAsync"/>.
    /// </summary>
    internal static async Task<BridgeHarness> StartAsync(NatsServer[] exporterServers, NatsServer[] importerServers, BridgeMode mode,
        long sourceRing = 16 << 20, long targetRing = 16 << 20, bool startImporter = true, NatsJetStreamOptions? jetStream = null,
        long pendingBytes = 64L << 20, int? maxChunkSize = null, bool startExporter = true)
    {
        var harness = new BridgeHarness(exporterServers, importerServers, Names.Subject("s"), mode, sourceRing, targetRing)
        {
            JetStream = jetStream ?? new NatsJetStreamOptions(),
            PendingBytes = pendingBytes,
            MaxChunkSize = maxChunkSize,
        };
        try
        {
            if (startExporter)
            {
                await harness.StartExporterAsync();
            }

            harness.TargetReader = targetRing == 0 ? null : new Reader(harness.TargetName, new BufferConfig(4096, targetRing));
            if (startImporter)
            {
                await harness.StartImporterAsync();
            }
        }
        catch
        {
            await harness.DisposeAsync();
            throw;
        }

        return harness;
    }

    internal async Task StartExporterAsync()
    {
        Exporter = new NatsExporter(ExporterConnection, SourceReader, new NatsExporterOptions
        {
            Subject = Subject,
            Mode = Mode,
            JetStream = JetStream,
            MaxChunkSize = MaxChunkSize,
            MaxRetryPause = TimeSpan.FromMilliseconds(200),
        });
        Exporter.Error += (_, e) => Errors.Enqueue(e);
        await Exporter.StartAsync();
    }

    /// <summary>Starts an importer (a new one: after <see cref="StopImporterAsync"/>, as a restarted bridge would).</summary>
    internal async Task StartImporterAsync()
    {
        _importerConnection ??= _importerServers[0].Connect(_importerServers[1..]);
        Importer = new NatsImporter(_importerConnection, TargetName, new NatsImporterOptions
        {
            Subject = Subject,
            Mode = Mode,
            JetStream = JetStream,
            PendingBytes = PendingBytes,
            MetadataRequestTimeout = TimeSpan.FromSeconds(2),
        });
        Importer.Gap += (_, gap) => Gaps.Enqueue(gap);
        Importer.Error += (_, e) => Errors.Enqueue(e);
        await Importer.StartAsync();
    }

    internal async Task StopImporterAsync()
    {
        if (Importer is not null)
        {
            await Importer.DisposeAsync();
        }
    }

    /// <summary>A producer on host A: writes <paramref name="count"/> test frames of <paramref name="size"/> bytes (from index <paramref name="first"/>), zero-copy, then closes.</summary>
    internal Task ProduceAsync(int count, int size, byte[]? metadata = null, ulong first = 1, Func<ulong, Task>? afterFrame = null, Task? closeAfter = null) => Task.Run(async () =>
    {
        using Writer writer = await Writer.ConnectAsync(SourceName, TimeSpan.FromSeconds(30));
        writer.WriteTimeout = Timeout.InfiniteTimeSpan;
        if (metadata is not null)
        {
            writer.SetMetadata(metadata);
        }

        for (ulong index = first; index < first + (ulong)count; index++)
        {
            Span<byte> target = writer.GetFrameBuffer(size);
            TestFrames.Fill(target, index);
            writer.CommitFrame();
            if (afterFrame is not null)
            {
                await afterFrame(index);
            }
        }

        if (closeAfter is not null)
        {
            await closeAfter; // the writer stays open (no end of stream yet) until the test says so
        }
    });

    /// <summary>Host B's application: reads every frame until the end of the stream (propagated from host A).</summary>
    internal async Task<List<Received>> ReadUntilEndAsync(CancellationToken cancellationToken)
    {
        var received = new List<Received>();
        while (true)
        {
            try
            {
                using Frame frame = await TargetReader!.ReadFrameAsync(cancellationToken);
                received.Add(new Received(frame.Sequence, TestFrames.IndexOf(frame.Span), frame.Size, TestFrames.Checksum(frame.Span)));
            }
            catch (WriterClosedException)
            {
                return received;
            }
        }
    }

    /// <summary>Reads across ends of stream (a restarted importer is a new writer) until <paramref name="done"/> says so.</summary>
    internal async Task<List<Received>> ReadAcrossEndsAsync(Func<List<Received>, bool> done, CancellationToken cancellationToken)
    {
        var received = new List<Received>();
        while (!done(received))
        {
            try
            {
                using Frame frame = await TargetReader!.ReadFrameAsync(cancellationToken);
                received.Add(new Received(frame.Sequence, TestFrames.IndexOf(frame.Span), frame.Size, TestFrames.Checksum(frame.Span)));
            }
            catch (WriterClosedException)
            {
                // The importer stopped (its writer closed); the next one connects a new writer.
            }
        }

        return received;
    }

    public async ValueTask DisposeAsync()
    {
        if (Exporter is not null)
        {
            await Exporter.DisposeAsync();
        }

        if (Importer is not null)
        {
            await Importer.DisposeAsync();
        }


        await ExporterConnection.DisposeAsync();
        if (_importerConnection is not null)
        {
            await _importerConnection.DisposeAsync();
        }

        TargetReader?.Dispose();
        SourceReader.Dispose();
    }
}
