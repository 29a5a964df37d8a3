using System.Buffers.Binary;
using System.Diagnostics;
using System.Threading.Channels;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using ZeroBuffer.Nats.Wire;

namespace ZeroBuffer.Bench;

/// <summary>
/// The bare-NATS rows' peers (<see cref="NatsScenario"/>): a NATS.Net publisher and a NATS.Net
/// subscriber of <c>NAME.data</c>, nothing of ZeroBuffer between them. Core: a plain subscription.
/// JetStream: a memory-store stream the subscriber creates (and deletes at the end), a durable pull
/// consumer acknowledging each frame's last message (cumulative), and a publisher that publishes a
/// frame's chunks together and the next frame only when the stream acknowledged them all.
/// </summary>
internal static class NatsBarePeers
{
    /// <summary>The subscription's queue in the client: deep enough for every message the credit window lets through, so nothing is dropped there.</summary>
    private const int SubscriptionQueue = 1 << 16;

    internal static int RunSubscriber(Output output, Interruption stop, PeerSettings settings) =>
        SubscribeAsync(output, stop, settings).GetAwaiter().GetResult();

    internal static int RunPublisher(Output output, Interruption stop, PeerSettings settings) =>
        PublishAsync(output, stop, settings).GetAwaiter().GetResult();

    private static async Task<int> SubscribeAsync(Output output, Interruption stop, PeerSettings settings)
    {
        CancellationToken cancellation = stop.Token;
        await using NatsConnection connection = await NatsPeerSetup.ConnectAsync(settings, cancellation).ConfigureAwait(false);
        ChunkPlan plan = NatsPeerSetup.ChunkPlanOf(connection);
        var received = new NatsReceiverWindow(settings.FrameSize, plan.CountFor(settings.FrameSize), measuresLatency: settings.Rate > 0);
        var credits = new NatsCreditReporter(connection, settings);
        string subject = NatsPeerSetup.DataSubject(settings.Name);
        if (settings.NatsMode == NatsScenario.JetStreamMode)
        {
            var js = new NatsJSContext(connection);
            string stream = NatsPeerSetup.BareStream(settings.Name);
            await DeleteStreamAsync(js, stream, cancellation).ConfigureAwait(false); // a run before this one may have left it
            try
            {
                await js.CreateStreamAsync(new StreamConfig(stream, [subject])
                {
                    Storage = StreamConfigStorage.Memory,
                    Retention = StreamConfigRetention.Limits,
                    Discard = StreamConfigDiscard.Old,
                    MaxBytes = 1L << 30,
                    MaxMsgSize = -1,
                }, cancellation).ConfigureAwait(false);
                INatsJSConsumer consumer = await js.CreateOrUpdateConsumerAsync(stream, new ConsumerConfig("zb-bench")
                {
                    AckPolicy = ConsumerConfigAckPolicy.All,
                    DeliverPolicy = ConsumerConfigDeliverPolicy.All,
                    MaxAckPending = 1024,
                }, cancellation).ConfigureAwait(false);
                PeerReport.Ready(output, settings.Role);
                // The importer's pull size: 8 MiB, at least 4 max_payloads.
                var pull = new NatsJSConsumeOpts { MaxBytes = (int)Math.Max(8L << 20, 4L * plan.ChunkSize), Expires = TimeSpan.FromSeconds(10) };
                await foreach (NatsJSMsg<NatsMemoryOwner<byte>> message in consumer.ConsumeAsync(NatsRawSerializer<NatsMemoryOwner<byte>>.Default, pull, cancellation)
                                   .ConfigureAwait(false))
                {
                    NatsReceived kind;
                    using (NatsMemoryOwner<byte> data = message.Data)
                    {
                        kind = received.Offer(data.Span);
                    }

                    if (kind != NatsReceived.Partial)
                    {
                        await message.AckAsync(cancellationToken: cancellation).ConfigureAwait(false); // everything up to this frame
                    }

                    if (kind == NatsReceived.Data)
                    {
                        await credits.ReceivedAsync(cancellation).ConfigureAwait(false);
                    }
                    else if (kind == NatsReceived.End)
                    {
                        break;
                    }
                }
            }
            finally
            {
                using var cleanUp = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await DeleteStreamAsync(js, stream, cleanUp.Token).ConfigureAwait(false);
            }
        }
        else
        {
            await using INatsSub<NatsMemoryOwner<byte>> subscription = await connection.SubscribeCoreAsync<NatsMemoryOwner<byte>>(subject,
                opts: new NatsSubOpts { ChannelOpts = new NatsSubChannelOpts { Capacity = SubscriptionQueue, FullMode = BoundedChannelFullMode.Wait } },
                cancellationToken: cancellation).ConfigureAwait(false);
            _ = await connection.PingAsync(cancellation).ConfigureAwait(false); // the server has the subscription before the publisher starts
            PeerReport.Ready(output, settings.Role);
            await foreach (NatsMsg<NatsMemoryOwner<byte>> message in subscription.Msgs.ReadAllAsync(cancellation).ConfigureAwait(false))
            {
                NatsReceived kind;
                using (NatsMemoryOwner<byte> data = message.Data)
                {
                    kind = received.Offer(data.Span);
                }

                if (kind == NatsReceived.Data)
                {
                    await credits.ReceivedAsync(cancellation).ConfigureAwait(false);
                }
                else if (kind == NatsReceived.End)
                {
                    break;
                }
            }
        }

        cancellation.ThrowIfCancellationRequested();
        PeerReport.Summary(output, settings.Role, received.Window.Frames, received.Window.Bytes, received.Window.Meter,
            settings.Rate > 0 ? received.Latency : null);
        return ExitCodes.Success;
    }

    /// <summary>
    /// Warm-up at the row's pace (full speed, or the fixed rate), the mark, the window, the end;
    /// then a ping, so the server has every message before the process goes.
    /// </summary>
    private static async Task<int> PublishAsync(Output output, Interruption stop, PeerSettings settings)
    {
        CancellationToken cancellation = stop.Token;
        await using NatsConnection connection = await NatsPeerSetup.ConnectAsync(settings, cancellation).ConfigureAwait(false);
        await using NatsCreditWindow credits = await NatsCreditWindow.SubscribeAsync(connection, settings, cancellation).ConfigureAwait(false);
        var sender = new BareSender(connection, settings, credits);
        PeerReport.Ready(output, settings.Role);

        var schedule = new LatencyRecorder(settings.Rate, sleepsPrecisely: true);
        schedule.Restart();
        long warmUpEnd = Stopwatch.GetTimestamp() + (long)(settings.WarmUpSeconds * Stopwatch.Frequency);
        do
        {
            await sender.SendFrameAsync(schedule.NextSend(), cancellation).ConfigureAwait(false);
        }
        while (Stopwatch.GetTimestamp() < warmUpEnd && !stop.IsRequested);

        await sender.SendControlAsync(ControlFrames.Mark, cancellation).ConfigureAwait(false);
        var meter = new SideMeter(processWide: true);
        meter.Start();
        schedule.Restart();
        long frames = 0;
        long end = Stopwatch.GetTimestamp() + (long)(settings.Seconds * Stopwatch.Frequency);
        do
        {
            await sender.SendFrameAsync(schedule.NextSend(), cancellation).ConfigureAwait(false);
            frames++;
        }
        while (Stopwatch.GetTimestamp() < end && !stop.IsRequested);

        meter.Stop();
        await sender.SendControlAsync(ControlFrames.End, cancellation).ConfigureAwait(false);
        _ = await connection.PingAsync(cancellation).ConfigureAwait(false);
        cancellation.ThrowIfCancellationRequested();
        PeerReport.Summary(output, settings.Role, frames, frames * settings.FrameSize, meter, schedule,
            NatsPeerSetup.Chunking(connection, settings.FrameSize));
        return ExitCodes.Success;
    }

    private static async Task DeleteStreamAsync(NatsJSContext js, string stream, CancellationToken cancellationToken)
    {
        try
        {
            _ = await js.DeleteStreamAsync(stream, cancellationToken).ConfigureAwait(false);
        }
        catch (NatsJSApiException missing) when (missing.Error.Code == 404)
        {
        }
    }

    /// <summary>
    /// Sends frames as the bare path does: the frame's send time in its first 8 bytes, cut by the
    /// bridge's chunk plan, each message published raw (no headers). Core: each publish completes
    /// when the client has the bytes. JetStream: a frame's chunks are published together, and the
    /// frame is sent when the stream acknowledged each.
    /// </summary>
    private sealed class BareSender
    {
        private readonly INatsConnection _connection;
        private readonly NatsJSContext? _js;
        private readonly NatsCreditWindow _credits;
        private readonly string _subject;
        private readonly byte[] _payload;
        private readonly ChunkPlan _plan;
        private readonly Task<PubAckResponse>[] _acks;
        private long _sent;

        internal BareSender(INatsConnection connection, PeerSettings settings, NatsCreditWindow credits)
        {
            _connection = connection;
            _js = settings.NatsMode == NatsScenario.JetStreamMode ? new NatsJSContext(connection) : null;
            _credits = credits;
            _subject = NatsPeerSetup.DataSubject(settings.Name);
            _payload = new byte[settings.FrameSize];
            _payload.AsSpan().Fill(0x5A);
            _plan = NatsPeerSetup.ChunkPlanOf(connection);
            _acks = new Task<PubAckResponse>[_plan.CountFor(settings.FrameSize)];
        }

        internal async ValueTask SendFrameAsync(long sendTime, CancellationToken cancellationToken)
        {
            await _credits.WaitForRoomAsync(_sent, cancellationToken).ConfigureAwait(false);
            BinaryPrimitives.WriteInt64LittleEndian(_payload, sendTime); // the previous frame's publishes are complete: the client has copied it
            int chunkSize = _plan.ChunkSize;
            for (int chunk = 0, offset = 0; offset < _payload.Length; chunk++, offset += chunkSize)
            {
                ReadOnlyMemory<byte> bytes = _payload.AsMemory(offset, Math.Min(chunkSize, _payload.Length - offset));
                if (_js is null)
                {
                    await _connection.PublishAsync(_subject, bytes, serializer: NatsRawSerializer<ReadOnlyMemory<byte>>.Default,
                        cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    _acks[chunk] = _js.PublishAsync(_subject, bytes, NatsRawSerializer<ReadOnlyMemory<byte>>.Default, cancellationToken: cancellationToken).AsTask();
                }
            }

            if (_js is not null)
            {
                foreach (Task<PubAckResponse> ack in _acks)
                {
                    (await ack.ConfigureAwait(false)).EnsureSuccess();
                }
            }

            _sent++;
        }

        internal async ValueTask SendControlAsync(int length, CancellationToken cancellationToken)
        {
            if (_js is null)
            {
                await _connection.PublishAsync(_subject, ControlFrames.PayloadMemory(length), serializer: NatsRawSerializer<ReadOnlyMemory<byte>>.Default,
                    cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            else
            {
                (await _js.PublishAsync(_subject, ControlFrames.PayloadMemory(length), NatsRawSerializer<ReadOnlyMemory<byte>>.Default,
                    cancellationToken: cancellationToken).ConfigureAwait(false)).EnsureSuccess();
            }
        }
    }
}
