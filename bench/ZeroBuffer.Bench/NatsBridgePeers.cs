using System.Buffers.Binary;
using System.Diagnostics;
using NATS.Client.Core;
using NATS.Client.JetStream;
using ZeroBuffer.Nats;

namespace ZeroBuffer.Bench;

/// <summary>
/// The bridged rows' peers (<see cref="NatsScenario"/>), buffer to buffer through the bridge.
/// <c>nats-bridge-source</c> is host A: buffer <c>NAME-a</c>, its reader handed to a
/// <see cref="NatsExporter"/>, and a ZeroBuffer writer on the process's main thread writing the
/// frames (zero-copy: the send time written in place, the rest of the frame left as it is).
/// <c>nats-bridge-sink</c> is host B: buffer <c>NAME-b</c> with its reader on the main thread,
/// and a <see cref="NatsImporter"/> writing into it. Each process has one NATS connection, as
/// the bare publisher and subscriber do; the credits (<see cref="NatsCreditWindow"/>) share it.
/// JetStream: the bridge's own stream, in memory (<see cref="NatsJetStreamOptions.MemoryStorage"/>),
/// deleted by the sink at the end.
/// </summary>
internal static class NatsBridgePeers
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    /// <summary>How long the source waits for the exporter to publish the frames it wrote, after the end message.</summary>
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Host A's buffer of the case named <paramref name="name"/>.</summary>
    internal static string SourceBuffer(string name) => name + "-a";

    /// <summary>Host B's buffer of the case named <paramref name="name"/>.</summary>
    internal static string SinkBuffer(string name) => name + "-b";

    /// <summary>Host B: the reader of buffer NAME-b, fed by the importer; ends at the end message.</summary>
    internal static int RunSink(Output output, Interruption stop, PeerSettings settings)
    {
        CancellationToken cancellation = stop.Token;
        using Reader reader = settings.Configure(new Reader(SinkBuffer(settings.Name), new BufferConfig(metadataSize: 0, payloadSize: settings.RingSize)));
        NatsConnection connection = NatsPeerSetup.ConnectAsync(settings, cancellation).GetAwaiter().GetResult();
        NatsImporter? importer = null;
        bool jetStream = settings.NatsMode == NatsScenario.JetStreamMode;
        try
        {
            if (jetStream)
            {
                DeleteStream(connection, settings.Name, cancellation); // a run before this one may have left it
            }

            importer = new NatsImporter(connection, reader.Name, new NatsImporterOptions
            {
                Subject = settings.Name,
                Mode = jetStream ? BridgeMode.JetStream : BridgeMode.Core,
                JetStream = new NatsJetStreamOptions { MemoryStorage = true },
                MetadataRequestTimeout = TimeSpan.Zero, // these buffers have no metadata
            });
            importer.StartAsync(cancellation).GetAwaiter().GetResult();
            var credits = new NatsCreditReporter(connection, settings);
            PeerReport.Ready(output, settings.Role);

            var received = new NatsReceiverWindow(settings.FrameSize, messagesPerFrame: 1, measuresLatency: settings.Rate > 0);
            while (!stop.IsRequested)
            {
                if (!reader.TryReadFrame(Poll, out Frame frame))
                {
                    if (importer.Completion.IsFaulted)
                    {
                        importer.Completion.GetAwaiter().GetResult(); // its error is the case's
                    }

                    continue;
                }

                NatsReceived kind;
                using (frame)
                {
                    kind = received.Offer(frame.Span);
                }

                if (kind == NatsReceived.Data)
                {
                    credits.Received(cancellation);
                }
                else if (kind == NatsReceived.End)
                {
                    break;
                }
            }

            cancellation.ThrowIfCancellationRequested();
            long lost = importer.FramesLost;
            PeerReport.Summary(output, settings.Role, received.Window.Frames, received.Window.Bytes, received.Window.Meter,
                settings.Rate > 0 ? received.Latency : null, w => w.WriteNumber("bridgeFramesLost"u8, lost));
            return ExitCodes.Success;
        }
        finally
        {
            importer?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            if (jetStream)
            {
                using var cleanUp = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                DeleteStream(connection, settings.Name, cleanUp.Token);
            }

            connection.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>
    /// Host A: the exporter of buffer NAME-a, and its writer on this thread: warm-up, mark,
    /// window, end, at the row's pace; then waits until the exporter has published every frame
    /// written, and stops it (which flushes the connection).
    /// </summary>
    internal static int RunSource(Output output, Interruption stop, PeerSettings settings)
    {
        CancellationToken cancellation = stop.Token;
        using Reader ring = settings.Configure(new Reader(SourceBuffer(settings.Name), new BufferConfig(metadataSize: 0, payloadSize: settings.RingSize)));
        NatsConnection connection = NatsPeerSetup.ConnectAsync(settings, cancellation).GetAwaiter().GetResult();
        NatsExporter? exporter = null;
        NatsCreditWindow? credits = null;
        try
        {
            exporter = new NatsExporter(connection, ring, new NatsExporterOptions
            {
                Subject = settings.Name,
                Mode = settings.NatsMode == NatsScenario.JetStreamMode ? BridgeMode.JetStream : BridgeMode.Core,
                JetStream = new NatsJetStreamOptions { MemoryStorage = true },
            });
            exporter.StartAsync(cancellation).GetAwaiter().GetResult();
            credits = NatsCreditWindow.SubscribeAsync(connection, settings, cancellation).GetAwaiter().GetResult();
            using Writer writer = settings.Configure(new Writer(ring.Name) { WriteTimeout = TimeSpan.FromSeconds(30) });
            PeerReport.Ready(output, settings.Role);

            int size = settings.FrameSize;
            long written = 0; // every frame, control frames included: the exporter's sequence must reach it
            long sent = 0;
            void WriteFrame(long sendTime)
            {
                credits.WaitForRoom(sent, cancellation);
                Span<byte> frame = writer.GetFrameBuffer(size);
                BinaryPrimitives.WriteInt64LittleEndian(frame, sendTime);
                writer.CommitFrame();
                sent++;
                written++;
            }

            var schedule = new LatencyRecorder(settings.Rate, sleepsPrecisely: true);
            schedule.Restart();
            long warmUpEnd = Stopwatch.GetTimestamp() + (long)(settings.WarmUpSeconds * Stopwatch.Frequency);
            do
            {
                WriteFrame(schedule.NextSend());
            }
            while (Stopwatch.GetTimestamp() < warmUpEnd && !stop.IsRequested);

            writer.WriteFrame(ControlFrames.Payload(ControlFrames.Mark));
            written++;
            var meter = new SideMeter(processWide: true);
            meter.Start();
            schedule.Restart();
            long frames = 0;
            long end = Stopwatch.GetTimestamp() + (long)(settings.Seconds * Stopwatch.Frequency);
            do
            {
                WriteFrame(schedule.NextSend());
                frames++;
            }
            while (Stopwatch.GetTimestamp() < end && !stop.IsRequested);

            meter.Stop();
            writer.WriteFrame(ControlFrames.Payload(ControlFrames.End));
            written++;
            WaitUntilExported(exporter, (ulong)written, cancellation);
            exporter.StopAsync(cancellation).GetAwaiter().GetResult();
            cancellation.ThrowIfCancellationRequested();
            PeerReport.Summary(output, settings.Role, frames, frames * size, meter, schedule, NatsPeerSetup.Chunking(connection, size));
            return ExitCodes.Success;
        }
        finally
        {
            credits?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            exporter?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            connection.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>
    /// Waits (looking every millisecond: nothing signals it) until the exporter has published
    /// <paramref name="frames"/> frames; its failure is the case's.
    /// </summary>
    private static void WaitUntilExported(NatsExporter exporter, ulong frames, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (exporter.LastSequence < frames)
        {
            if (exporter.Completion.IsCompleted)
            {
                exporter.Completion.GetAwaiter().GetResult();
                throw new InvalidOperationException($"the exporter stopped after {exporter.LastSequence} of {frames} frames");
            }

            if (waited.Elapsed > DrainTimeout)
            {
                throw new TimeoutException($"the exporter published {exporter.LastSequence} of {frames} frames within {DrainTimeout.TotalSeconds:0} s");
            }

            cancellationToken.WaitHandle.WaitOne(1);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Deletes the bridge's stream of this case (the bridge's default name), if there is one.</summary>
    private static void DeleteStream(NatsConnection connection, string prefix, CancellationToken cancellationToken)
    {
        try
        {
            _ = new NatsJSContext(connection).DeleteStreamAsync("ZB_" + prefix.Replace('.', '_'), cancellationToken).AsTask().GetAwaiter().GetResult();
        }
        catch (NatsJSApiException missing) when (missing.Error.Code == 404)
        {
        }
    }
}
