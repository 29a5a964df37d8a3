using System.CommandLine;
using ZeroBuffer.Cli.Bridging;
using ZeroBuffer.Cli.Events;
using ZeroBuffer.Nats;

namespace ZeroBuffer.Cli.Commands;

/// <summary>
/// <c>zerobuffer bridge import S --nats URL --to NAME</c>: writes the frames a <c>bridge export</c>
/// publishes under subject prefix S into buffer NAME, which a local reader (any ZeroBuffer reader)
/// creates (<see cref="NatsImporter"/>), and reports every frame that did not arrive.
/// </summary>
internal static class BridgeImportCommand
{
    private const string Events = $$"""
        Events (--json, one object per line):
          {"event":"connecting","url":"U","attempt":k,"reason":"...","nextDelayMs":d}   no server answers yet: trying again after d ms
          {"event":"connected","url":"U","server":"S"}            connected (first, or again after a disconnection); S: the server's name
          {"event":"started","subject":"S","to":"N","mode":"core|jetstream","pid":1234,"stream":"<name>|null","consumer":"<name>|null"}
          {"event":"progress","frames":F,"bytes":B,"intervalMs":t,"framesPerSecond":f,"megabytesPerSecond":m}   every --progress-ms while frames flow
          {"event":"gap","kind":"lost|missed-before-join|rejected","session":"...","firstSequence":s,"count":n}   frames s..s+n-1 did not arrive
          {"event":"disconnected","url":"U","reason":"..."}       the connection dropped (core: frames published meanwhile are lost, and reported)
          {"event":"reconnecting","url":"U","attempt":k,"nextDelayMs":d}   a reconnection attempt failed
          {"event":"stream-ended","session":"...","lastSequence":n,"reason":"closed|died|stopped"}   the exporter's end: the local writer closes
          {"event":"warning","message":"..."}                     a message skipped, metadata the buffer cannot take
          {"event":"done","frames":F,"bytes":B,"gaps":g,"framesLost":l,"framesMissedBeforeJoin":j,"framesRejected":r,
           "duplicatesDropped":d,"messagesDropped":m,"disconnects":k,"reason":"count|end-of-stream|stopped"}
        The local reader creates buffer NAME, before or after this command starts: the importer connects as its writer
        when the first frame (or the metadata) arrives, waits for the reader as long as it takes, and connects again
        to the next reader if the reader goes. Sequences are the exporter's (bridge sequences); gaps are counted in them,
        every frame exactly once. The command ends at the exporter's end of stream, after every frame before it was
        written (exit 0; --keep-going goes on with the exporter's next session), after --count frames, or on Ctrl+C
        (exit 0 without --count); the local writer closes, so the reader sees the end of the stream.
        In jetstream mode a new consumer starts at the beginning of the stream: it ends at the first end of stream
        stored there; a restarted import with the same --consumer goes on where the last one stopped.
        {{BridgeModeOptions.Help}}
        {{NatsConnectionOptions.Help}}

        Examples:
          zerobuffer read cam0-remote --json --hash &      # host B's reader creates the buffer
          zerobuffer bridge import site1.cam0 --nats nats://hostb:4222 --to cam0-remote
          zerobuffer bridge import site1.cam0 --nats tls://n3:4222,tls://n2:4222 --creds cam.creds --to cam0-remote --mode jetstream --replicas 3

        """;

    internal static CommandSpec Create(GlobalOptions global)
    {
        var subject = new Argument<string>("SUBJECT") { Description = "Subject prefix S the exporter publishes under (S.frame, S.meta, S.end)." }.Checked();
        var to = new Option<string>("--to") { Description = "Buffer to write into (created by its reader): 1-200 characters from [A-Za-z0-9._-].", Required = true, HelpName = "NAME" };
        var pendingBytes = new Option<long>("--pending-bytes")
        {
            Description = "Core mode: messages held while the local ring is full; beyond, frames are dropped (and reported).",
            DefaultValueFactory = _ => 64L << 20,
        }.Sized().AtLeast(1);
        var count = new Option<long>("--count") { Description = "Frames to import before finishing; 0 = until the exporter's end of stream (or Ctrl+C).", DefaultValueFactory = _ => 0 }.AtLeast(0);
        var keepGoing = new Option<bool>("--keep-going") { Description = "At the exporter's end of stream, go on with its next session instead of finishing." };
        var progressMs = new Option<int>("--progress-ms") { Description = "Interval of progress events/lines.", DefaultValueFactory = _ => 1000 }.AtLeast(1);
        var mode = new BridgeModeOptions(importer: true);
        var connection = new NatsConnectionOptions();
        var command = new Command("import", "Write the frames 'bridge export' publishes on another host into a local buffer.")
        {
            subject, to, pendingBytes, count, keepGoing, progressMs,
        };
        mode.AddTo(command);
        connection.AddTo(command);
        command.SetAction(parse => global.Run(parse, (output, stop) => ExecuteAsync(output, stop, new Settings(
            parse.GetRequiredValue(to),
            new NatsImporterOptions
            {
                Subject = parse.GetRequiredValue(subject),
                Mode = mode.Mode(parse),
                JetStream = mode.JetStream(parse),
                PendingBytes = parse.GetValue(pendingBytes),
                MaxFrames = parse.GetValue(count) is long n and > 0 ? n : null,
                StopAtEndOfStream = !parse.GetValue(keepGoing),
            },
            connection.Get(parse),
            TimeSpan.FromMilliseconds(parse.GetValue(progressMs)),
            [.. mode.IgnoredInCoreMode(parse)])).GetAwaiter().GetResult()));
        return new CommandSpec(command, Events, ExitCodeTable);
    }

    /// <summary>What import can return: NATS refusing the client or the stream, the local buffer refusing its writer, a stop.</summary>
    private static ExitCodeTable ExitCodeTable => ExitCodeTable.Standard("success: the exporter's end of stream, --count frames, or Ctrl+C without --count")
        .With(ExitCodes.NotAuthorized, "the NATS server refused the credentials, or TLS failed")
        .With(ExitCodes.JetStreamUnavailable, "--mode jetstream: the server has no JetStream, or refused the stream or the consumer")
        .With(ZeroBufferErrorKind.SystemError, "the OS refused to map the buffer")
        .With(ZeroBufferErrorKind.WriterAlreadyConnected, "the buffer has another live writer")
        .With(ZeroBufferErrorKind.ProtocolMismatch, "the control block of the buffer is not protocol 1.x")
        .With(ZeroBufferErrorKind.BufferCorrupted, "the control block of the buffer is impossible")
        .With(ZeroBufferErrorKind.AccessDenied, "the buffer belongs to another user who did not share it")
        .Interrupted("SIGTERM, or Ctrl+C before --count frames (the local writer closes either way)");

    private sealed record Settings(string To, NatsImporterOptions Bridge, NatsConnectionSettings Connection, TimeSpan ProgressInterval,
        IReadOnlyList<string> IgnoredOptions);

    private static async Task<int> ExecuteAsync(Output output, Interruption stop, Settings settings)
    {
        await using BridgeConnection connection = BridgeConnection.Create(settings.Connection, $"zerobuffer bridge import {settings.To}", output);
        await using var importer = new NatsImporter(connection.Connection, settings.To, settings.Bridge);
        long gaps = 0;
        importer.Gap += (_, gap) =>
        {
            Interlocked.Increment(ref gaps);
            output.Emit(new GapEvent(BridgeNames.Of(gap.Kind), gap.Session, gap.FirstSequence, gap.Count));
        };
        importer.StreamEnded += (_, end) => output.Emit(new StreamEndedEvent(end.Session, end.LastSequence, BridgeNames.Of(end.Reason)));
        importer.Error += (_, problem) => output.Emit(new WarningEvent(problem.ToString()));

        BridgeNames.WarnIgnored(output, settings.IgnoredOptions);
        bool completed = false;
        try
        {
            await connection.ConnectAsync(stop.Token).ConfigureAwait(false);
            await importer.StartAsync(stop.Token).ConfigureAwait(false);
            bool jetStream = settings.Bridge.Mode == BridgeMode.JetStream;
            output.Emit(new ImportStartedEvent(settings.Bridge.Subject, settings.To, BridgeModeOptions.NameOf(settings.Bridge.Mode), Environment.ProcessId,
                jetStream ? settings.Bridge.JetStream.EffectiveStreamName(settings.Bridge.Subject) : null,
                jetStream ? settings.Bridge.JetStream.EffectiveConsumerName(settings.To) : null));
            completed = await RunningBridge.WaitAsync(importer.Completion, connection, settings.ProgressInterval,
                ThroughputMeter.Reporter(output, () => (importer.FramesImported, importer.BytesImported)), stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsRequested)
        {
            // Stopped while connecting or starting: nothing was imported.
        }

        if (!completed)
        {
            using var patience = new CancellationTokenSource(BridgeNames.StopPatience);
            try
            {
                await importer.StopAsync(patience.Token).ConfigureAwait(false); // the local writer closes: the reader sees the end
            }
            catch (OperationCanceledException) when (patience.IsCancellationRequested)
            {
                // Its thread leaves its wait within 250 ms; one that did not in 10 s is a background thread, gone with the process.
            }
        }

        string reason = !completed ? "stopped" : importer.FramesImported >= settings.Bridge.MaxFrames ? "count" : "end-of-stream";
        output.Emit(new ImportDoneEvent(importer.FramesImported, importer.BytesImported, Interlocked.Read(ref gaps), importer.FramesLost,
            importer.FramesMissedBeforeJoin, importer.FramesRejected, importer.DuplicatesDropped, importer.MessagesDropped, connection.Disconnects, reason));
        return completed ? ExitCodes.Success : settings.Bridge.MaxFrames is null ? stop.OpenEndedExit() : throw new OperationCanceledException(stop.Token);
    }
}
