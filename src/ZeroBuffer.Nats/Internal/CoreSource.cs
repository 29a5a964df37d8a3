using System.Threading.Channels;
using NATS.Client.Core;
using ZeroBuffer.Nats.Diagnostics;

namespace ZeroBuffer.Nats.Internal;

/// <summary>
/// Core NATS: one subscription to <c>P.*</c>, drained at once by a pump into the importer's own
/// queue, which holds at most <see cref="NatsImporterOptions.PendingBytes"/> bytes of messages and
/// drops new ones beyond (counted). A full local ring must not stall the connection: the server
/// would cut a slow consumer off, and every subscription of the connection with it. A budget in
/// bytes, not messages, because a message is anything from a 64-byte frame to a 1 MiB chunk.
/// The frames the drops belonged to are reported by the importer, by sequence.
/// </summary>
internal sealed class CoreSource : IInboundSource
{
    /// <summary>The client's own queue for the subscription: only a hand-over to the pump, which drains it continuously.</summary>
    private const int ClientQueue = 1 << 16;

    private readonly INatsSub<NatsMemoryOwner<byte>> _subscription;
    private readonly BridgeCounters _counters;
    private readonly Action _slow;
    private readonly long _budget;
    private readonly HandOffQueue<Inbound> _queue = new();
    private readonly Task _pump;
    private long _queuedBytes;
    private bool _dropping; // in a drop episode: reported once per episode

    private CoreSource(INatsSub<NatsMemoryOwner<byte>> subscription, long budget, BridgeCounters counters, Action slow)
    {
        _subscription = subscription;
        _budget = budget;
        _counters = counters;
        _slow = slow;
        _pump = PumpAsync();
    }

    internal static async Task<CoreSource> SubscribeAsync(INatsConnection connection, string prefix, long budget, BridgeCounters counters, Action slow, CancellationToken cancellationToken)
    {
        INatsSub<NatsMemoryOwner<byte>> subscription = await connection.SubscribeCoreAsync<NatsMemoryOwner<byte>>(
            BridgeSubjects.All(prefix),
            opts: new NatsSubOpts { ChannelOpts = new NatsSubChannelOpts { Capacity = ClientQueue, FullMode = BoundedChannelFullMode.DropNewest } },
            cancellationToken: cancellationToken).ConfigureAwait(false);
        return new CoreSource(subscription, budget, counters, slow);
    }

    public bool TryTake(TimeSpan wait, CancellationToken cancellationToken, out Inbound? message)
    {
        if (_queue.TryTake(wait, cancellationToken, out message))
        {
            Interlocked.Add(ref _queuedBytes, -message!.Length);
            return true;
        }

        return false;
    }

    public void Acknowledge(Inbound message, CancellationToken cancellationToken)
    {
        // Core NATS has no acknowledgements.
    }

    public async ValueTask DisposeAsync()
    {
        await Quietly.DisposeAsync(_subscription).ConfigureAwait(false); // completes its channel: the pump ends

        await _pump.ConfigureAwait(false);
        _queue.Complete();
        while (_queue.TryTakeLeft(out Inbound? left))
        {
            left!.Dispose();
        }

        _queue.Dispose();
    }

    /// <summary>Moves every message from the client's queue to the importer's, or drops it when the importer's is over budget.</summary>
    private async Task PumpAsync()
    {
        try
        {
            await foreach (NatsMsg<NatsMemoryOwner<byte>> received in _subscription.Msgs.ReadAllAsync().ConfigureAwait(false))
            {
                var message = new Inbound(received.Subject, received.Headers, received.Data);
                long queued = Interlocked.Read(ref _queuedBytes);
                if (queued > 0 && queued + message.Length > _budget)
                {
                    message.Dispose();
                    _counters.Drop();
                    if (!_dropping)
                    {
                        _dropping = true;
                        _slow();
                    }

                    continue;
                }

                _dropping = false;
                Interlocked.Add(ref _queuedBytes, message.Length);
                _queue.TryAdd(message); // unbounded: the budget above bounds it
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ChannelClosedException)
        {
        }
    }
}
