using System.Buffers.Binary;
using NATS.Client.Core;

namespace ZeroBuffer.Bench;

/// <summary>
/// End-to-end flow control of the NATS rows, the same for bare NATS and the bridge: the sender
/// keeps at most <see cref="Frames"/> data frames in flight (sent, not yet counted by the
/// receiver), and the receiver publishes its count on <c>credit.NAME</c> every
/// <see cref="ReportEvery"/> frames (<see cref="NatsCreditReporter"/>).
/// </summary>
/// <remarks>
/// Core NATS has no back-pressure from a subscriber to a publisher: a sender faster than its
/// receiver fills the server's queue for that receiver until the server cuts it off as a slow
/// consumer (bare), or the importer's own queue until it drops frames (bridge). A window of
/// 32 MiB of frames (at least 4, at most 16,384 in core mode: far more than the frames in flight at
/// the measured rates) lets both paths run at their own full speed without loss, as the ring does
/// for the one-way ZeroBuffer rows, and bounds the memory either path queues. In JetStream mode at
/// most 1,024: a frame there costs the stream's round trip (a few thousand frames a second), and a
/// larger window is only a backlog the receiver drains for seconds after the sender's window (longer
/// than the bench waits for a receiver to stop). The credits are a few 8-byte messages per window,
/// on the receiver's connection, against the data's direction.
/// </remarks>
internal sealed class NatsCreditWindow : IAsyncDisposable
{
    /// <summary>Bytes of frames in flight at most.</summary>
    private const long WindowBytes = 32L << 20;

    private readonly INatsSub<NatsMemoryOwner<byte>> _subscription;
    private readonly Task _pump;
    private readonly ManualResetEventSlim _movedSignal = new(initialState: false, spinCount: 1); // for the blocking waiter: no spinning on 2 cores
    private long _acknowledged;
    private TaskCompletionSource _moved = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private NatsCreditWindow(INatsSub<NatsMemoryOwner<byte>> subscription, int frames)
    {
        _subscription = subscription;
        Frames = frames;
        _pump = PumpAsync();
    }

    /// <summary>Data frames in flight at most.</summary>
    internal int Frames { get; }

    /// <summary>The subject the receiver of the case named <paramref name="name"/> reports its count on.</summary>
    internal static string Subject(string name) => "credit." + name;

    /// <summary>The window of a peer (its frame size and mode), in frames.</summary>
    internal static int FramesFor(PeerSettings settings) =>
        (int)Math.Clamp(WindowBytes / settings.FrameSize, 4, settings.NatsMode == NatsScenario.JetStreamMode ? 1024 : 16_384);

    /// <summary>How often the receiver reports: an eighth of the window, so the sender never waits for a report that is on its way.</summary>
    internal static int ReportEvery(PeerSettings settings) => Math.Max(1, FramesFor(settings) / 8);

    /// <summary>Subscribes to the receiver's counts (and flushes, so the server has the subscription before the first frame is sent).</summary>
    internal static async Task<NatsCreditWindow> SubscribeAsync(INatsConnection connection, PeerSettings settings, CancellationToken cancellationToken)
    {
        INatsSub<NatsMemoryOwner<byte>> subscription = await connection.SubscribeCoreAsync<NatsMemoryOwner<byte>>(Subject(settings.Name),
            cancellationToken: cancellationToken).ConfigureAwait(false);
        _ = await connection.PingAsync(cancellationToken).ConfigureAwait(false);
        return new NatsCreditWindow(subscription, FramesFor(settings));
    }

    /// <summary>Completes when frame number <paramref name="sent"/> (0-based count of data frames sent so far) may go.</summary>
    internal ValueTask WaitForRoomAsync(long sent, CancellationToken cancellationToken) =>
        sent - Volatile.Read(ref _acknowledged) < Frames ? ValueTask.CompletedTask : new ValueTask(WaitSlowAsync(sent, cancellationToken));

    /// <summary>The same, from a thread that may block (the bridge's writer): it sleeps, without spinning first.</summary>
    internal void WaitForRoom(long sent, CancellationToken cancellationToken)
    {
        while (sent - Volatile.Read(ref _acknowledged) >= Frames)
        {
            _movedSignal.Reset();
            if (sent - Volatile.Read(ref _acknowledged) < Frames) // a report between the look above and the reset
            {
                return;
            }

            _movedSignal.Wait(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _subscription.DisposeAsync().ConfigureAwait(false); // completes its channel: the pump ends
        await _pump.ConfigureAwait(false);
        _movedSignal.Dispose();
    }

    private async Task WaitSlowAsync(long sent, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task moved = Volatile.Read(ref _moved).Task; // read before the count: a report after it completes this task
            if (sent - Volatile.Read(ref _acknowledged) < Frames)
            {
                return;
            }

            await moved.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task PumpAsync()
    {
        try
        {
            await foreach (NatsMsg<NatsMemoryOwner<byte>> report in _subscription.Msgs.ReadAllAsync().ConfigureAwait(false))
            {
                using NatsMemoryOwner<byte> data = report.Data;
                if (data.Length == sizeof(long))
                {
                    Volatile.Write(ref _acknowledged, BinaryPrimitives.ReadInt64LittleEndian(data.Span));
                    Interlocked.Exchange(ref _moved, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                    _movedSignal.Set();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
