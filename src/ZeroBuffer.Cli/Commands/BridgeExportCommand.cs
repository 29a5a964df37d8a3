using System.CommandLine;
using ZeroBuffer.Cli.Bridging;
using ZeroBuffer.Cli.Events;
using ZeroBuffer.Nats;

namespace ZeroBuffer.Cli.Commands;

/// <summary>
/// <c>zerobuffer bridge export NAME --nats URL --subject S</c>: creates buffer NAME as its reader
/// and publishes every frame (and the metadata, and the end of each writer's stream) to NATS under
/// subject prefix S (<see cref="NatsExporter"/>), for <c>bridge import</c> on another host.
/// </summary>
internal static class BridgeExportCommand
{
    private const string Events = $$"""
        Events (--json, one object per line):
          {"event":"ready","name":"N","pid":1234,"metadataSize":M,"payloadSize":P}   buffer N created: its writer may connect (frames wait in the ring)
          {"event":"connecting","url":"U","attempt":k,"reason":"...","nextDelayMs":d}   no server answers yet: trying again after d ms
          {"event":"connected","url":"U","server":"S"}            connected (first, or again after a disconnection); S: the server's name
          {"event":"started","name":"N","subject":"S","mode":"core|jetstream","session":"<32 hex>","stream":"<name>|null"}   exporting
          {"event":"progress","frames":F,"bytes":B,"intervalMs":t,"framesPerSecond":f,"megabytesPerSecond":m}   every --progress-ms while frames flow
          {"event":"disconnected","url":"U","reason":"..."}       the connection dropped: the frame in flight is held, the ring fills
          {"event":"reconnecting","url":"U","attempt":k,"nextDelayMs":d}   a reconnection attempt failed
          {"event":"stream-ended","session":"...","lastSequence":n,"reason":"closed|died"}   the writer's end, published after its last frame
          {"event":"warning","message":"..."}                     a JetStream publish retried, metadata too large for a message
          {"event":"done","frames":F,"bytes":B,"messages":M,"publishRetries":r,"disconnects":d,"reason":"count|end-of-stream|stopped"}
        Frames go to S.frame in chunks of at most the server's max_payload less 1 KiB (--max-chunk-size lowers it), the
        metadata to S.meta, the end of a writer's stream to S.end. The command ends once the writer's end of stream is
        published (exit 0; --keep-going waits for the next writer instead), after --count frames, or on Ctrl+C (exit 0
        without --count); the last two publish an end (stopped) first, so the importer's side ends too. The buffer is
        removed at the end; a writer that is still connected then sees its reader gone.
        --access owner|group|everyone: who besides this user may open the buffer (modes 0600, 0660, 0666).
        {{BridgeModeOptions.Help}}
        {{NatsConnectionOptions.Help}}

        Examples:
          zerobuffer bridge export cam0 --nats nats://hostb:4222 --subject site1.cam0 --payload-size 64M
          zerobuffer bridge export cam0 --nats tls://n1:4222,tls://n2:4222 --creds cam.creds --subject site1.cam0 --mode jetstream --replicas 3
          zerobuffer write cam0 --count 300 --size 3110400 --rate 30     # the camera: any writer of buffer cam0

        """;

    internal static CommandSpec Create(GlobalOptions global)
    {
        var name = new Argument<string>("NAME") { Description = "Buffer to create and export: 1-200 characters from [A-Za-z0-9._-]." };
        var subject = new Option<string>("--subject") { Description = "Subject prefix S: frames go to S.frame (tokens of [A-Za-z0-9_-] separated by dots).", Required = true }.Checked();
        var metadataSize = new Option<long>("--metadata-size") { Description = "Bytes reserved for metadata.", DefaultValueFactory = _ => 1024 }.Sized().AtLeast(0);
        var payloadSize = new Option<long>("--payload-size") { Description = "Ring size in bytes (at least 2 x (largest frame + 24)).", DefaultValueFactory = _ => 1024 * 1024 }.Sized().AtLeast(1);
        var maxChunkSize = new Option<long?>("--max-chunk-size") { Description = "Largest chunk of a frame in one NATS message (default: the server's max_payload less 1 KiB)." }
            .Sized().AtLeast(1).Check(size => size > int.MaxValue ? $"--max-chunk-size must be at most {int.MaxValue} (got {size})." : null);
        var count = new Option<long>("--count") { Description = "Frames to export before finishing; 0 = until the writer's end of stream (or Ctrl+C).", DefaultValueFactory = _ => 0 }.AtLeast(0);
        var keepGoing = new Option<bool>("--keep-going") { Description = "When the writer's stream ends, wait for the next writer instead of finishing." };
        var progressMs = new Option<int>("--progress-ms") { Description = "Interval of progress events/lines.", DefaultValueFactory = _ => 1000 }.AtLeast(1);
        var access = AccessOption.Create("the buffer");
        var mode = new BridgeModeOptions(importer: false);
        var connection = new NatsConnectionOptions();
        var command = new Command("export", "Create a buffer and publish its frames to NATS (for 'bridge import' on another host).")
        {
            name, subject, metadataSize, payloadSize, maxChunkSize, count, keepGoing, progressMs, access,
        };
        mode.AddTo(command);
        connection.AddTo(command);
        command.SetAction(parse => global.Run(parse, (output, stop) => ExecuteAsync(output, stop, new Settings(
            parse.GetRequiredValue(name),
            new BufferConfig(parse.GetValue(metadataSize), parse.GetValue(payloadSize)) { Access = AccessOption.Get(parse, access) },
            new NatsExporterOptions
            {
                Subject = parse.GetRequiredValue(subject),
                Mode = mode.Mode(parse),
                JetStream = mode.JetStream(parse),
                MaxChunkSize = (int?)parse.GetValue(maxChunkSize),
                MaxFrames = parse.GetValue(count) is long n and > 0 ? n : null,
                StopAtEndOfStream = !parse.GetValue(keepGoing),
            },
            connection.Get(parse),
            TimeSpan.FromMilliseconds(parse.GetValue(progressMs)),
            [.. mode.IgnoredInCoreMode(parse)])).GetAwaiter().GetResult()));
        return new CommandSpec(command, Events, ExitCodeTable);
    }

    /// <summary>What export can return: creating the buffer, NATS refusing the client or the stream, a stop.</summary>
    private static ExitCodeTable ExitCodeTable => ExitCodeTable.Standard("success: the writer's end of stream, --count frames, or Ctrl+C without --count")
        .With(ExitCodes.NotAuthorized, "the NATS server refused the credentials, or TLS failed")
        .With(ExitCodes.JetStreamUnavailable, "--mode jetstream: the server has no JetStream, or refused the stream (or a message, for good)")
        .CreatingAsReader()
        .With(ZeroBufferErrorKind.BufferCorrupted, "a frame header or the metadata is impossible")
        .Interrupted("SIGTERM, or Ctrl+C before --count frames (the end is published and the buffer removed either way)");

    private sealed record Settings(string Name, BufferConfig Config, NatsExporterOptions Bridge, NatsConnectionSettings Connection, TimeSpan ProgressInterval,
        IReadOnlyList<string> IgnoredOptions);

    private static async Task<int> ExecuteAsync(Output output, Interruption stop, Settings settings)
    {
        await using BridgeConnection connection = BridgeConnection.Create(settings.Connection, $"zerobuffer bridge export {settings.Name}", output);
        using var reader = new Reader(settings.Name, settings.Config);
        await using var exporter = new NatsExporter(connection.Connection, reader, settings.Bridge);
        exporter.StreamEnded += (_, end) => output.Emit(new StreamEndedEvent(end.Session, end.LastSequence, BridgeNames.Of(end.Reason)));
        exporter.Error += (_, problem) => output.Emit(new WarningEvent(problem.ToString()));
        BridgeNames.WarnIgnored(output, settings.IgnoredOptions);
        output.Emit(new ExportReadyEvent(reader.Name, Environment.ProcessId, reader.Config.MetadataBlockSize, reader.Config.PayloadBlockSize));

        bool completed = false;
        try
        {
            await connection.ConnectAsync(stop.Token).ConfigureAwait(false);
            await exporter.StartAsync(stop.Token).ConfigureAwait(false);
            string? stream = settings.Bridge.Mode == BridgeMode.JetStream ? settings.Bridge.JetStream.EffectiveStreamName(settings.Bridge.Subject) : null;
            output.Emit(new ExportStartedEvent(reader.Name, settings.Bridge.Subject, BridgeModeOptions.NameOf(settings.Bridge.Mode), exporter.Session, stream));
            completed = await RunningBridge.WaitAsync(exporter.Completion, connection, settings.ProgressInterval,
                ThroughputMeter.Reporter(output, () => (exporter.FramesExported, exporter.BytesExported)), stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsRequested)
        {
            // Stopped while connecting or starting: nothing was exported.
        }

        if (!completed)
        {
            // The frame in flight is finished and the end (stopped) published, unless the server stays away that long.
            using var patience = new CancellationTokenSource(BridgeNames.StopPatience);
            await exporter.StopAsync(patience.Token).ConfigureAwait(false);
        }

        string reason = !completed ? "stopped" : exporter.FramesExported >= settings.Bridge.MaxFrames ? "count" : "end-of-stream";
        output.Emit(new ExportDoneEvent(exporter.FramesExported, exporter.BytesExported, exporter.MessagesPublished, exporter.PublishRetries,
            connection.Disconnects, reason));
        return completed ? ExitCodes.Success : StoppedExit(stop, settings.Bridge.MaxFrames is not null);
    }

    /// <summary>A stop is the normal end of an export without --count (<see cref="Interruption.OpenEndedExit"/>); with --count it leaves the job unfinished.</summary>
    private static int StoppedExit(Interruption stop, bool counted) => counted ? throw new OperationCanceledException(stop.Token) : stop.OpenEndedExit();
}
