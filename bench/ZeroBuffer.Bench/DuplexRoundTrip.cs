using System.Diagnostics;
using ZeroBuffer.Duplex;

namespace ZeroBuffer.Bench;

/// <summary>
/// The duplex round trip of issue 5: a request/response over the duplex layer, 64 B, next to the
/// raw two-buffer ping-pong of the <c>latency</c> scenario (<c>latency/zerobuffer/copy/back-to-back/64</c>,
/// same strategy; target ≤ 1.2×). The <c>duplex-server</c> peer is an immutable duplex server
/// (<see cref="ProcessingMode.SingleThread"/>) that echoes each request with a copy
/// (<see cref="DuplexResponseWriter.Write"/>); the <c>duplex-client</c> peer is the pinger loop of
/// <see cref="ZeroBufferPingPongPeers.RunPing"/> over the client's synchronous API
/// (<see cref="IDuplexClient.SendRequest"/> from a buffer, <see cref="IDuplexClient.ReceiveResponse"/>,
/// reply copied out): copy semantics on every hop, like the raw ping-pong. The control messages
/// (<see cref="ControlFrames"/>) are requests too and are echoed like data.
/// </summary>
internal static class DuplexRoundTrip
{
    /// <summary>The frame size of the row compared with the raw ping-pong.</summary>
    internal const int FrameSize = 64;

    /// <summary>
    /// The frame size of the zero-copy row (a 1080p I420 frame): requests through
    /// <see cref="IDuplexClient.RequestAsync"/>, responses read in place from their lease, the
    /// client's allocations counted process-wide (its receive thread and continuations included).
    /// Planned when the run's latency sizes include it (the standard sets do).
    /// </summary>
    internal const int LargeFrameSize = 1920 * 1080 * 3 / 2;

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The raw ping-pong row the duplex row is compared with, for <paramref name="strategy"/>.</summary>
    internal static string RawRowId(string strategy) => BenchPlan.WithStrategy($"latency/zerobuffer/copy/back-to-back/{FrameSize}", strategy);

    /// <summary>The duplex case (back-to-back, 64 B, the run's strategy).</summary>
    internal static BenchCase Case(BenchOptions options, string name, string[] timing)
    {
        string[] arguments =
        [
            .. timing, "--ring-size", Format.Invariant(options.RingSize ?? BenchPlan.PingPongRingSize(FrameSize)),
            .. BenchPlan.ZeroBufferArguments(options, options.Strategy),
        ];
        return BenchPlan.PingPong(BenchPlan.WithStrategy($"latency/duplex/copy/back-to-back/{FrameSize}", options.Strategy), Transports.Duplex, "copy",
            FrameSize, 0, PeerRoles.DuplexServer, PeerRoles.DuplexClient, passiveStopsItself: true, name, arguments) with { Strategy = options.Strategy };
    }

    /// <summary>The zero-copy 3.1 MB case (back-to-back, the run's strategy).</summary>
    internal static BenchCase LargeCase(BenchOptions options, string name, string[] timing)
    {
        string[] arguments =
        [
            .. timing, "--ring-size", Format.Invariant(options.RingSize ?? BenchPlan.PingPongRingSize(LargeFrameSize)),
            .. BenchPlan.ZeroBufferArguments(options, options.Strategy), "--zero-copy",
        ];
        return BenchPlan.PingPong(BenchPlan.WithStrategy($"latency/duplex/zero-copy/back-to-back/{LargeFrameSize}", options.Strategy), Transports.Duplex,
            "zero-copy", LargeFrameSize, 0, PeerRoles.DuplexServer, PeerRoles.DuplexClient, passiveStopsItself: true, name, arguments) with { Strategy = options.Strategy };
    }

    /// <summary>
    /// The server: creates the channel, reports ready, echoes every request on the server's thread
    /// (which also meters the window), and stops at the client's end message.
    /// </summary>
    internal static int RunServer(Output output, Interruption stop, PeerSettings settings)
    {
        var options = new DuplexServerOptions
        {
            Mode = ProcessingMode.SingleThread,
            WaitStrategy = settings.WaitStrategy,
            ResponseWriteTimeout = ReplyTimeout,
            ConnectTimeout = ReplyTimeout,
        };
        using IImmutableDuplexServer server = new DuplexChannelFactory().CreateImmutableServer(settings.Name, new BufferConfig(0, settings.RingSize), options);
        Exception? failure = null;
        server.OnError += (_, e) => failure ??= e.Exception;
        var window = new MeasuredWindow();
        bool zeroCopy = settings.ZeroCopy;
        server.Start((request, response) =>
        {
            int size = request.Size;
            if (zeroCopy)
            {
                request.Span.CopyTo(response.GetBuffer(size)); // the one copy of an echo, straight from ring to ring
                response.Commit();
            }
            else
            {
                response.Write(request.Span);
            }

            if (window.Count(size))
            {
                server.Stop(); // the client's last message (a server serves on after its client leaves): ends once this handler returns
            }
        });
        PeerReport.Ready(output, settings.Role);
        try
        {
            server.Completion.Wait(stop.Token);
        }
        catch (OperationCanceledException)
        {
            server.Stop();
            throw;
        }

        if (failure is not null)
        {
            throw new InvalidOperationException($"duplex server: {failure.Message}", failure);
        }

        window.Report(output, settings.Role);
        return ExitCodes.Success;
    }

    /// <summary>The client: the pinger loop of the raw ping-pong, over <see cref="IDuplexClient"/>.</summary>
    internal static int RunClient(Output output, Interruption stop, PeerSettings settings)
    {
        if (settings.ZeroCopy)
        {
            return RunLeaseClientAsync(output, stop, settings).GetAwaiter().GetResult();
        }

        using IDuplexClient client = new DuplexChannelFactory().CreateClient(settings.Name, ClientOptions(settings));
        PeerReport.Ready(output, settings.Role);
        byte[] source = new byte[settings.FrameSize];
        byte[] destination = new byte[settings.FrameSize];
        source.AsSpan().Fill(0x5A);
        RoundTrip(client, ControlFrames.Payload(ControlFrames.Hello), destination, stop);

        var latency = new LatencyRecorder(settings.Rate);
        long warmUpEnd = Stopwatch.GetTimestamp() + (long)(settings.WarmUpSeconds * Stopwatch.Frequency);
        latency.Restart();
        do
        {
            long reference = latency.NextSend();
            RoundTrip(client, source, destination, stop);
            latency.Record(reference);
        }
        while (Stopwatch.GetTimestamp() < warmUpEnd && !stop.IsRequested);

        RoundTrip(client, ControlFrames.Payload(ControlFrames.Mark), destination, stop);
        var meter = new SideMeter();
        meter.Start();
        latency.Restart();
        long frames = 0;
        long end = Stopwatch.GetTimestamp() + (long)(settings.Seconds * Stopwatch.Frequency);
        do
        {
            long reference = latency.NextSend();
            RoundTrip(client, source, destination, stop);
            latency.Record(reference);
            frames++;
        }
        while (Stopwatch.GetTimestamp() < end && !stop.IsRequested);

        meter.Stop();
        RoundTrip(client, ControlFrames.Payload(ControlFrames.End), destination, stop);
        stop.Token.ThrowIfCancellationRequested();
        PeerReport.Summary(output, settings.Role, frames, frames * settings.FrameSize, meter, latency);
        return ExitCodes.Success;
    }

    /// <summary>
    /// The zero-copy client: each request awaited through <see cref="IDuplexClient.RequestAsync"/>,
    /// the response checked in place (its first and last bytes) and given back. Allocations are
    /// counted process-wide: the receive thread completes the calls.
    /// </summary>
    private static async Task<int> RunLeaseClientAsync(Output output, Interruption stop, PeerSettings settings)
    {
        using IDuplexClient client = new DuplexChannelFactory().CreateClient(settings.Name, ClientOptions(settings));
        PeerReport.Ready(output, settings.Role);
        byte[] source = new byte[settings.FrameSize];
        source.AsSpan().Fill(0x5A);
        source[^1] = 0xA5;
        await LeaseRoundTrip(client, ControlFrames.PayloadMemory(ControlFrames.Hello), stop).ConfigureAwait(false);

        var latency = new LatencyRecorder(settings.Rate);
        long warmUpEnd = Stopwatch.GetTimestamp() + (long)(settings.WarmUpSeconds * Stopwatch.Frequency);
        latency.Restart();
        do
        {
            long reference = latency.NextSend();
            await LeaseRoundTrip(client, source, stop).ConfigureAwait(false);
            latency.Record(reference);
        }
        while (Stopwatch.GetTimestamp() < warmUpEnd && !stop.IsRequested);

        await LeaseRoundTrip(client, ControlFrames.PayloadMemory(ControlFrames.Mark), stop).ConfigureAwait(false);
        var meter = new SideMeter(processWide: true);
        meter.Start();
        latency.Restart();
        long frames = 0;
        long end = Stopwatch.GetTimestamp() + (long)(settings.Seconds * Stopwatch.Frequency);
        do
        {
            long reference = latency.NextSend();
            await LeaseRoundTrip(client, source, stop).ConfigureAwait(false);
            latency.Record(reference);
            frames++;
        }
        while (Stopwatch.GetTimestamp() < end && !stop.IsRequested);

        meter.Stop();
        await LeaseRoundTrip(client, ControlFrames.PayloadMemory(ControlFrames.End), stop).ConfigureAwait(false);
        stop.Token.ThrowIfCancellationRequested();
        PeerReport.Summary(output, settings.Role, frames, frames * settings.FrameSize, meter, latency);
        return ExitCodes.Success;
    }

    // Pooled: an async method that awaits asynchronously otherwise boxes its state machine per call (the bench's allocation, not the client's).
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask LeaseRoundTrip(IDuplexClient client, ReadOnlyMemory<byte> message, Interruption stop)
    {
        using Frame reply = await client.RequestAsync(message, stop.Token).ConfigureAwait(false);
        ReadOnlySpan<byte> sent = message.Span;
        ReadOnlySpan<byte> got = reply.Span;
        if (got.Length != sent.Length || got[0] != sent[0] || got[^1] != sent[^1])
        {
            throw new InvalidDataException($"response {reply.Sequence} ({got.Length} B) does not echo its request ({sent.Length} B)");
        }
    }

    private static DuplexClientOptions ClientOptions(PeerSettings settings) => new()
    {
        ResponseConfig = new BufferConfig(0, settings.RingSize),
        RequestWriteTimeout = ReplyTimeout,
        WaitStrategy = settings.WaitStrategy,
    };

    private static void RoundTrip(IDuplexClient client, ReadOnlySpan<byte> message, Span<byte> destination, Interruption stop)
    {
        ulong sequence = client.SendRequest(message);
        long deadline = Stopwatch.GetTimestamp() + (long)(ReplyTimeout.TotalSeconds * Stopwatch.Frequency);
        Frame reply;
        while (!(reply = client.ReceiveResponse(Poll)).IsValid)
        {
            stop.Token.ThrowIfCancellationRequested();
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"no response within {ReplyTimeout.TotalSeconds:0} s");
            }
        }

        using (reply)
        {
            if (reply.Sequence != sequence || reply.Size != message.Length)
            {
                throw new InvalidDataException($"response {reply.Sequence} ({reply.Size} B) does not answer request {sequence} ({message.Length} B)");
            }

            reply.Span.CopyTo(destination);
        }
    }
}
