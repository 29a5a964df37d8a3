using System.Diagnostics;

namespace ZeroBuffer.Cli.Bench;

/// <summary>
/// Round trips over two ZeroBuffer rings: the pinger writes a frame on <c>NAME-q</c>, the echo
/// writes it back on <c>NAME-p</c>. Copy semantics on every hop, like the socket baseline: the
/// pinger copies in from a buffer, the echo copies the frame from one ring to the other, the
/// pinger copies the reply out. The echo creates <c>NAME-q</c> and reports ready; the pinger
/// creates <c>NAME-p</c>, then says hello on <c>NAME-q</c>, which tells the echo that <c>NAME-p</c> exists.
/// </summary>
internal static class ZeroBufferPingPongPeers
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(30);

    internal static string RequestBuffer(string name) => name + "-q";

    internal static string ReplyBuffer(string name) => name + "-p";

    internal static int RunEcho(Output output, Interruption stop, PeerSettings settings)
    {
        using var requests = new Reader(RequestBuffer(settings.Name), new BufferConfig(0, settings.RingSize));
        PeerReport.Ready(output, settings.Role);
        Writer? replies = null;
        var meter = new SideMeter();
        long frames = 0;
        long bytes = 0;
        try
        {
            while (!stop.IsRequested)
            {
                if (!requests.TryReadFrame(Poll, out Frame frame))
                {
                    continue;
                }

                int size = frame.Size;
                replies ??= new Writer(ReplyBuffer(settings.Name)) { WriteTimeout = ReplyTimeout };
                replies.WriteFrame(frame.Span);
                frame.Dispose();
                if (size > ControlFrames.Hello)
                {
                    frames++;
                    bytes += size;
                }
                else if (size == ControlFrames.Mark)
                {
                    frames = 0;
                    bytes = 0;
                    meter.Start();
                }
                else if (size == ControlFrames.End)
                {
                    meter.Stop();
                    break;
                }
            }
        }
        finally
        {
            replies?.Dispose();
        }

        stop.Token.ThrowIfCancellationRequested();
        PeerReport.Summary(output, settings.Role, frames, bytes, meter);
        return ExitCodes.Success;
    }

    internal static int RunPing(Output output, Interruption stop, PeerSettings settings)
    {
        using var replies = new Reader(ReplyBuffer(settings.Name), new BufferConfig(0, settings.RingSize));
        using var requests = new Writer(RequestBuffer(settings.Name)) { WriteTimeout = ReplyTimeout };
        PeerReport.Ready(output, settings.Role);
        byte[] source = new byte[settings.FrameSize];
        byte[] destination = new byte[settings.FrameSize];
        source.AsSpan().Fill(0x5A);
        RoundTrip(requests, replies, ControlFrames.Payload(ControlFrames.Hello), destination, stop);

        var latency = new LatencyRecorder(settings.Rate);
        long warmUpEnd = Stopwatch.GetTimestamp() + (long)(settings.WarmUpSeconds * Stopwatch.Frequency);
        latency.Restart();
        do
        {
            long reference = latency.NextSend();
            RoundTrip(requests, replies, source, destination, stop);
            latency.Record(reference);
        }
        while (Stopwatch.GetTimestamp() < warmUpEnd && !stop.IsRequested);

        RoundTrip(requests, replies, ControlFrames.Payload(ControlFrames.Mark), destination, stop);
        var meter = new SideMeter();
        meter.Start();
        latency.Restart();
        long frames = 0;
        long end = Stopwatch.GetTimestamp() + (long)(settings.Seconds * Stopwatch.Frequency);
        do
        {
            long reference = latency.NextSend();
            RoundTrip(requests, replies, source, destination, stop);
            latency.Record(reference);
            frames++;
        }
        while (Stopwatch.GetTimestamp() < end && !stop.IsRequested);

        meter.Stop();
        RoundTrip(requests, replies, ControlFrames.Payload(ControlFrames.End), destination, stop);
        stop.Token.ThrowIfCancellationRequested();
        PeerReport.Summary(output, settings.Role, frames, frames * settings.FrameSize, meter, latency);
        return ExitCodes.Success;
    }

    private static void RoundTrip(Writer requests, Reader replies, ReadOnlySpan<byte> message, Span<byte> destination, Interruption stop)
    {
        requests.WriteFrame(message);
        long deadline = Stopwatch.GetTimestamp() + (long)(ReplyTimeout.TotalSeconds * Stopwatch.Frequency);
        Frame reply;
        while (!replies.TryReadFrame(Poll, out reply))
        {
            stop.Token.ThrowIfCancellationRequested();
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"no reply within {ReplyTimeout.TotalSeconds:0} s");
            }
        }

        using (reply)
        {
            reply.Span.CopyTo(destination);
        }
    }
}
