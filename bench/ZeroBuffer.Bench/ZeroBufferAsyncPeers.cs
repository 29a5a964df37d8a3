using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace ZeroBuffer.Bench;

/// <summary>
/// The asynchronous API under measurement (docs/async.md). A ping-pong like
/// <see cref="ZeroBufferPingPongPeers"/> in copy mode, but every read is
/// <see cref="Reader.ReadFrameAsync(TimeSpan, CancellationToken)"/> and every write
/// <see cref="Writer.WriteFrameAsync"/>, so a wait that outlasts the strategy's polling costs a
/// wake-up through the process's semaphore watcher and a thread-pool hop. And an idle pair: one
/// process with <see cref="PeerSettings.Readers"/> readers, each awaiting a frame, and one
/// writer process connected to all of them that sends nothing in the window: what idle async
/// readers cost in CPU and threads.
/// </summary>
internal static class ZeroBufferAsyncPeers
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(30);

    internal static int RunEcho(Output output, Interruption stop, PeerSettings settings) => EchoAsync(output, stop, settings).GetAwaiter().GetResult();

    internal static int RunPing(Output output, Interruption stop, PeerSettings settings) => PingAsync(output, stop, settings).GetAwaiter().GetResult();

    internal static int RunIdleReaders(Output output, Interruption stop, PeerSettings settings) =>
        IdleReadersAsync(output, stop, settings).GetAwaiter().GetResult();

    internal static int RunIdleWriter(Output output, Interruption stop, PeerSettings settings)
    {
        var writers = new List<Writer>();
        try
        {
            for (int i = 0; i < settings.Readers; i++)
            {
                writers.Add(settings.Configure(new Writer(IdleBuffer(settings.Name, i))));
            }

            PeerReport.Ready(output, settings.Role);
            writers.ForEach(w => w.WriteFrame(ControlFrames.Payload(ControlFrames.Hello)));
            // The scenario is "no traffic": these waits are the warm-up and the measurement, not synchronisation.
            stop.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(settings.WarmUpSeconds));
            writers.ForEach(w => w.WriteFrame(ControlFrames.Payload(ControlFrames.Mark)));
            var meter = new SideMeter();
            meter.Start();
            stop.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(settings.Seconds));
            meter.Stop();
            writers.ForEach(w => w.WriteFrame(ControlFrames.Payload(ControlFrames.End)));
            stop.Token.ThrowIfCancellationRequested();
            PeerReport.Summary(output, settings.Role, 0, 0, meter);
            return ExitCodes.Success;
        }
        finally
        {
            writers.ForEach(w => w.Dispose());
        }
    }

    /// <summary>The buffer of idle reader <paramref name="index"/>.</summary>
    internal static string IdleBuffer(string name, int index) => $"{name}-{index}";

    private static async Task<int> EchoAsync(Output output, Interruption stop, PeerSettings settings)
    {
        using var requests = settings.Configure(new Reader(ZeroBufferPingPongPeers.RequestBuffer(settings.Name), new BufferConfig(0, settings.RingSize)));
        PeerReport.Ready(output, settings.Role);
        Writer? replies = null;
        byte[] copy = new byte[settings.FrameSize];
        var window = new MeasuredWindow(processWide: true);
        try
        {
            while (!stop.IsRequested)
            {
                Frame frame = await requests.ReadFrameAsync(Poll, stop.Token).ConfigureAwait(false);
                if (!frame.IsValid)
                {
                    continue;
                }

                int size = frame.Size;
                frame.Span.CopyTo(copy);
                frame.Dispose();
                replies ??= settings.Configure(new Writer(ZeroBufferPingPongPeers.ReplyBuffer(settings.Name)) { WriteTimeout = ReplyTimeout });
                await replies.WriteFrameAsync(copy.AsMemory(0, size), stop.Token).ConfigureAwait(false);
                if (window.Count(size))
                {
                    break;
                }
            }
        }
        finally
        {
            replies?.Dispose();
        }

        stop.Token.ThrowIfCancellationRequested();
        window.Report(output, settings.Role);
        return ExitCodes.Success;
    }

    private static async Task<int> PingAsync(Output output, Interruption stop, PeerSettings settings)
    {
        using var replies = settings.Configure(new Reader(ZeroBufferPingPongPeers.ReplyBuffer(settings.Name), new BufferConfig(0, settings.RingSize)));
        using var requests = settings.Configure(new Writer(ZeroBufferPingPongPeers.RequestBuffer(settings.Name)) { WriteTimeout = ReplyTimeout });
        PeerReport.Ready(output, settings.Role);
        byte[] source = new byte[settings.FrameSize];
        byte[] destination = new byte[settings.FrameSize];
        source.AsSpan().Fill(0x5A);
        await RoundTripAsync(requests, replies, ControlFrames.PayloadMemory(ControlFrames.Hello), destination, stop).ConfigureAwait(false);

        var latency = new LatencyRecorder(settings.Rate);
        long warmUpEnd = Stopwatch.GetTimestamp() + (long)(settings.WarmUpSeconds * Stopwatch.Frequency);
        latency.Restart();
        do
        {
            long reference = latency.NextSend();
            await RoundTripAsync(requests, replies, source, destination, stop).ConfigureAwait(false);
            latency.Record(reference);
        }
        while (Stopwatch.GetTimestamp() < warmUpEnd && !stop.IsRequested);

        await RoundTripAsync(requests, replies, ControlFrames.PayloadMemory(ControlFrames.Mark), destination, stop).ConfigureAwait(false);
        var meter = new SideMeter(processWide: true);
        meter.Start();
        latency.Restart();
        long frames = 0;
        long end = Stopwatch.GetTimestamp() + (long)(settings.Seconds * Stopwatch.Frequency);
        do
        {
            long reference = latency.NextSend();
            await RoundTripAsync(requests, replies, source, destination, stop).ConfigureAwait(false);
            latency.Record(reference);
            frames++;
        }
        while (Stopwatch.GetTimestamp() < end && !stop.IsRequested);

        meter.Stop();
        await RoundTripAsync(requests, replies, ControlFrames.PayloadMemory(ControlFrames.End), destination, stop).ConfigureAwait(false);
        stop.Token.ThrowIfCancellationRequested();
        PeerReport.Summary(output, settings.Role, frames, frames * settings.FrameSize, meter, latency);
        return ExitCodes.Success;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask RoundTripAsync(Writer requests, Reader replies, ReadOnlyMemory<byte> message, Memory<byte> destination, Interruption stop)
    {
        await requests.WriteFrameAsync(message, stop.Token).ConfigureAwait(false);
        using Frame reply = await replies.ReadFrameAsync(ReplyTimeout, stop.Token).ConfigureAwait(false);
        if (!reply.IsValid)
        {
            throw new TimeoutException($"no reply within {ReplyTimeout.TotalSeconds:0} s");
        }

        reply.Span.CopyTo(destination.Span);
    }

    /// <summary>
    /// Creates the readers, then keeps one asynchronous read pending on each: control frames
    /// (hello, mark, end) pass, and the window runs from the first reader's mark to its end. The
    /// summary adds the process's thread count at the end of the window.
    /// </summary>
    private static async Task<int> IdleReadersAsync(Output output, Interruption stop, PeerSettings settings)
    {
        var readers = new List<Reader>();
        try
        {
            for (int i = 0; i < settings.Readers; i++)
            {
                readers.Add(settings.Configure(new Reader(IdleBuffer(settings.Name, i), new BufferConfig(0, settings.RingSize))));
            }

            PeerReport.Ready(output, settings.Role);
            var meter = new SideMeter(processWide: true);
            int threads = 0;
            async Task Serve(Reader reader, bool measures)
            {
                while (true)
                {
                    using Frame frame = await reader.ReadFrameAsync(stop.Token).ConfigureAwait(false);
                    if (measures && frame.Size == ControlFrames.Mark)
                    {
                        meter.Start();
                    }
                    else if (frame.Size == ControlFrames.End)
                    {
                        if (measures)
                        {
                            meter.Stop();
                            using var self = Process.GetCurrentProcess();
                            threads = self.Threads.Count;
                        }

                        return;
                    }
                }
            }

            await Task.WhenAll(readers.Select((reader, index) => Serve(reader, index == 0))).ConfigureAwait(false);
            stop.Token.ThrowIfCancellationRequested();
            PeerReport.Summary(output, settings.Role, 0, 0, meter, extra: w =>
            {
                w.WriteNumber("threads"u8, threads);
                w.WriteNumber("readers"u8, settings.Readers);
            });
            return ExitCodes.Success;
        }
        finally
        {
            readers.ForEach(r => r.Dispose());
        }
    }
}
