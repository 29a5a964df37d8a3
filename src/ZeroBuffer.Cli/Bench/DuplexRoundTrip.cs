using System.Diagnostics;
using ZeroBuffer.Duplex;

namespace ZeroBuffer.Cli.Bench;

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
    /// <summary>The one frame size of the scenario.</summary>
    internal const int FrameSize = 64;

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

    /// <summary>
    /// The server: creates the channel, reports ready, echoes every request on the server's thread
    /// (which also meters the window), and ends when the client leaves.
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
        server.Start((request, response) =>
        {
            int size = request.Size;
            response.Write(request.Span);
            _ = window.Count(size); // the end is the client leaving, not this message
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
        var options = new DuplexClientOptions
        {
            ResponseConfig = new BufferConfig(0, settings.RingSize),
            RequestWriteTimeout = ReplyTimeout,
            WaitStrategy = settings.WaitStrategy,
        };
        using IDuplexClient client = new DuplexChannelFactory().CreateClient(settings.Name, options);
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
