using System.Threading.Channels;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using ZeroBuffer.Nats.Diagnostics;
using ZeroBuffer.Nats.Wire;

namespace ZeroBuffer.Nats.Internal;

/// <summary>
/// JetStream: a durable pull consumer with cumulative acknowledgement (<c>AckPolicy.All</c>).
/// A pump task consumes into a small bounded queue (a full local ring stops the pulls, so nothing
/// is dropped); the importer's thread takes the messages in stream order (<see cref="StreamOrder{T}"/>),
/// duplicates dropped, and acknowledges a message once everything up to it is committed locally.
/// </summary>
internal sealed class JetStreamSource : IInboundSource
{
    private const int QueueCapacity = 16;
    private static readonly TimeSpan RetryPause = TimeSpan.FromSeconds(1);

    private readonly NatsJSContext _js;
    private readonly string _stream;
    private readonly string _consumer;
    private readonly NatsJSConsumeOpts _consumeOpts;
    private readonly BridgeCounters _counters;
    private readonly Action<string, Exception?> _report;
    private readonly Action<ulong, ulong, long> _holeGivenUp;
    private readonly Channel<Inbound> _received = Channel.CreateBounded<Inbound>(new BoundedChannelOptions(QueueCapacity) { SingleReader = true, SingleWriter = true });
    private readonly StreamOrder<Inbound> _order;
    private readonly Queue<Inbound> _ready = new();
    private readonly List<Inbound> _handedOn = [];
    private readonly List<Inbound> _duplicates = [];
    private readonly long _patience; // ms a hole in the stream sequences is waited for
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _pump;

    private JetStreamSource(NatsJSContext js, string stream, INatsJSConsumer consumer, ulong next, NatsJSConsumeOpts consumeOpts, TimeSpan ackWait,
        BridgeCounters counters, Action<string, Exception?> report, Action<ulong, ulong, long> holeGivenUp, BridgeMessage? resumeFrom)
    {
        ResumeFrom = resumeFrom;
        _js = js;
        _stream = stream;
        _consumer = consumer.Info.Name;
        _consumeOpts = consumeOpts;
        _counters = counters;
        _report = report;
        _holeGivenUp = holeGivenUp;
        _order = new StreamOrder<Inbound>(next);

        // A message missing from the sequence is redelivered after its ack wait: give it two, and a second.
        _patience = (long)(2 * ackWait.TotalMilliseconds) + 1000;
        _pump = PumpAsync(consumer, _stopping.Token);
    }

    /// <summary>The last message an earlier importer with this consumer acknowledged (null: none, or the stream no longer has it).</summary>
    internal BridgeMessage? ResumeFrom { get; }

    /// <summary>Creates (or updates) the durable consumer and starts pulling from where its acknowledgements end.</summary>
    /// <exception cref="NatsJetStreamException">The server refused the consumer.</exception>
    internal static async Task<JetStreamSource> StartAsync(NatsJSContext js, INatsJSStream stream, string prefix, string bufferName, NatsJetStreamOptions options, long maxPayload,
        BridgeCounters counters, Action<string, Exception?> report, Action<ulong, ulong, long> holeGivenUp, CancellationToken cancellationToken)
    {
        string streamName = stream.Info.Config.Name!;
        string consumerName = options.EffectiveConsumerName(bufferName);
        INatsJSConsumer consumer;
        try
        {
            consumer = await js.CreateOrUpdateConsumerAsync(streamName, new ConsumerConfig(consumerName)
            {
                AckPolicy = ConsumerConfigAckPolicy.All,
                AckWait = options.AckWait,
                MaxAckPending = options.MaxAckPending,
                DeliverPolicy = ConsumerConfigDeliverPolicy.All,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (NatsJSApiException error)
        {
            throw new NatsJetStreamException(bufferName,
                $"The NATS server refused consumer '{consumerName}' of stream '{streamName}' for the importer of buffer '{bufferName}': {error.Error.Description} (code {error.Error.Code}, error {error.Error.ErrCode}).", error);
        }

        // Everything up to the ack floor was committed by an earlier importer with this consumer;
        // messages the stream's limits removed are skipped (their frames are reported by sequence).
        ulong ackFloor = consumer.Info.AckFloor.StreamSeq;
        ulong next = Math.Max(ackFloor + 1, stream.Info.State.FirstSeq);
        BridgeMessage? resumeFrom = ackFloor > 0 ? await LastAcknowledgedAsync(stream, ackFloor, prefix, cancellationToken).ConfigureAwait(false) : null;
        int pullBytes = (int)Math.Min(int.MaxValue, Math.Max(options.PullMaxBytes, 4 * maxPayload));
        var consumeOpts = new NatsJSConsumeOpts { MaxBytes = pullBytes, Expires = TimeSpan.FromSeconds(10), IdleHeartbeat = TimeSpan.FromSeconds(2) };
        return new JetStreamSource(js, streamName, consumer, next, consumeOpts, options.AckWait, counters, report, holeGivenUp, resumeFrom);
    }

    /// <summary>The message at the consumer's ack floor, which says where its frames go on; null if the stream's limits removed it.</summary>
    private static async Task<BridgeMessage?> LastAcknowledgedAsync(INatsJSStream stream, ulong sequence, string prefix, CancellationToken cancellationToken)
    {
        try
        {
            StreamMsgGetResponse stored = await stream.GetAsync(new StreamMsgGetRequest { Seq = sequence }, cancellationToken).ConfigureAwait(false);
            var message = BridgeMessage.Parse(prefix, stored.Message.Subject, HeaderBlock.Parse(stored.Message.Hdrs), stored.Message.Data.Length);
            return message.Kind == MessageKind.Unknown ? null : message;
        }
        catch (NatsJSApiException)
        {
            return null;
        }
    }

    public bool TryTake(TimeSpan wait, CancellationToken cancellationToken, out Inbound? message)
    {
        long deadline = Environment.TickCount64 + (long)wait.TotalMilliseconds;
        while (true)
        {
            if (_ready.TryDequeue(out message))
            {
                return true;
            }

            long now = Environment.TickCount64;
            if (_order.HoleExpired(now, _patience))
            {
                ulong missing = _order.Next;
                _ = _order.GiveUpHole(now, _handedOn);
                _holeGivenUp(missing, _order.Next - (ulong)_handedOn.Count, _patience);
                HandOn();
                continue;
            }

            long remaining = deadline - now;
            if (remaining <= 0)
            {
                return false;
            }

            if (_order.HeldCount > 0)
            {
                remaining = Math.Min(remaining, Math.Max(1, _patience)); // wake to give the hole up in time
            }

            if (!ChannelWait.TryRead(_received.Reader, TimeSpan.FromMilliseconds(remaining), cancellationToken, out Inbound? received))
            {
                continue;
            }

            _order.Offer(received!.StreamSequence, received, Environment.TickCount64, _handedOn, _duplicates);
            foreach (Inbound duplicate in _duplicates)
            {
                // Not acknowledged: with cumulative acks that could cover a frame still being
                // assembled. The acknowledgement of the next handled message covers it.
                _counters.Duplicate();
                duplicate.Dispose();
            }

            _duplicates.Clear();
            HandOn();
        }
    }

    public void Acknowledge(Inbound message, CancellationToken cancellationToken)
    {
        if (message.Message is not NatsJSMsg<NatsMemoryOwner<byte>> jsMessage)
        {
            return;
        }

#pragma warning disable CA1031 // An acknowledgement that does not arrive only means a redelivery, which is dropped as a duplicate.
        try
        {
            jsMessage.AckAsync(cancellationToken: cancellationToken).AsTask().GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception)
        {
        }
#pragma warning restore CA1031
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _pump.ConfigureAwait(false);
        _received.Writer.TryComplete();
        while (_received.Reader.TryRead(out Inbound? left))
        {
            left.Dispose();
        }

        foreach (Inbound held in _order.TakeHeld())
        {
            held.Dispose();
        }

        while (_ready.TryDequeue(out Inbound? ready))
        {
            ready.Dispose();
        }

        _stopping.Dispose();
    }

    private void HandOn()
    {
        foreach (Inbound next in _handedOn)
        {
            _ready.Enqueue(next);
        }

        _handedOn.Clear();
    }

    /// <summary>Consumes into the queue until stopped; after a failure, waits a second and consumes again.</summary>
    private async Task PumpAsync(INatsJSConsumer consumer, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (NatsJSMsg<NatsMemoryOwner<byte>> message in consumer.ConsumeAsync(NatsRawSerializer<NatsMemoryOwner<byte>>.Default, _consumeOpts, cancellationToken).ConfigureAwait(false))
                {
                    var inbound = new Inbound(message.Subject, message.Headers, message.Data, message.Metadata?.Sequence.Stream ?? 0, message);
                    try
                    {
                        await _received.Writer.WriteAsync(inbound, cancellationToken).ConfigureAwait(false);
                    }
                    catch
                    {
                        inbound.Dispose();
                        throw;
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // Whatever ended the consumption (the server went, the consumer's leader moved), it starts again.
            catch (Exception error)
#pragma warning restore CA1031
            {
                _report($"consuming from stream '{_stream}' failed; consuming again in {RetryPause.TotalSeconds:0} s", error);
            }

            try
            {
                await Task.Delay(RetryPause, cancellationToken).ConfigureAwait(false);
                consumer = await _js.GetConsumerAsync(_stream, _consumer, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // Tried again after the next pause, with the consumer handle it has.
            catch (Exception error)
#pragma warning restore CA1031
            {
                _report($"looking up consumer '{_consumer}' of stream '{_stream}' failed", error);
            }
        }
    }
}
