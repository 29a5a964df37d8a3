using System.Diagnostics;

namespace ZeroBuffer.Bench;

/// <summary>
/// Round trips over two ZeroBuffer rings: the pinger writes a frame on <c>NAME-q</c>, the echo
/// writes it back on <c>NAME-p</c>. Copy semantics on every hop, like the socket baseline: the
/// pinger copies in from a buffer, the echo copies the frame from one ring to the other, the
/// pinger copies the reply out. The echo creates <c>NAME-q</c> and reports ready; the pinger
/// creates <c>NAME-p</c>, then says hello on <c>NAME-q</c>, which tells the echo that <c>NAME-p</c> exists.
/// Zero-copy variant (<see cref="PeerSettings.ZeroCopy"/>): the pinger produces each request once,
/// straight into the request ring (<c>GetFrameBuffer</c>, copy from its source, <c>CommitFrame</c>);
/// the echo copies the request frame into the reply ring's <c>GetFrameBuffer</c> (one copy); the
/// pinger reads the reply in place and checks its first and last byte (no copy out). Both rings
/// are prefaulted in this variant.
/// </summary>
internal static class ZeroBufferPingPongPeers
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    /// <summary>How long a reply (or a write waiting for ring space) may take before the case fails.</summary>
    internal static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(30);

    internal static string RequestBuffer(string name) => name + "-q";

    internal static string ReplyBuffer(string name) => name + "-p";

    internal static int RunEcho(Output output, Interruption stop, PeerSettings settings)
    {
        using var requests = settings.Configure(new Reader(RequestBuffer(settings.Name), new BufferConfig(0, settings.RingSize)), prefault: settings.ZeroCopy);
        PeerReport.Ready(output, settings.Role);
        bool zeroCopy = settings.ZeroCopy;
        Writer? replies = null;
        var window = new MeasuredWindow();
        try
        {
            while (!stop.IsRequested)
            {
                if (!requests.TryReadFrame(Poll, out Frame frame))
                {
                    continue;
                }

                int size = frame.Size;
                replies ??= settings.Configure(new Writer(ReplyBuffer(settings.Name)) { WriteTimeout = ReplyTimeout }, prefault: zeroCopy);
                if (zeroCopy)
                {
                    frame.Span.CopyTo(replies.GetFrameBuffer(size));
                    replies.CommitFrame();
                }
                else
                {
                    replies.WriteFrame(frame.Span);
                }

                frame.Dispose();
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

    internal static int RunPing(Output output, Interruption stop, PeerSettings settings)
    {
        bool zeroCopy = settings.ZeroCopy;
        using var replies = settings.Configure(new Reader(ReplyBuffer(settings.Name), new BufferConfig(0, settings.RingSize)), prefault: zeroCopy);
        using var requests = settings.Configure(new Writer(RequestBuffer(settings.Name)) { WriteTimeout = ReplyTimeout }, prefault: zeroCopy);
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
            DataRoundTrip(requests, replies, source, destination, zeroCopy, stop);
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
            DataRoundTrip(requests, replies, source, destination, zeroCopy, stop);
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

    /// <summary>One measured round trip: copy in and out, or (zero-copy) produce in place and check the reply in place.</summary>
    private static void DataRoundTrip(Writer requests, Reader replies, byte[] source, byte[] destination, bool zeroCopy, Interruption stop)
    {
        if (!zeroCopy)
        {
            RoundTrip(requests, replies, source, destination, stop);
            return;
        }

        // A new marker in the first and last byte each time, so a stale or torn reply cannot pass the check.
        byte marker = (byte)(source[0] + 1);
        source[0] = marker;
        source[^1] = marker;
        source.CopyTo(requests.GetFrameBuffer(source.Length));
        requests.CommitFrame();
        using Frame reply = AwaitReply(replies, stop);
        ReadOnlySpan<byte> span = reply.Span;
        if (span.Length != source.Length || span[0] != marker || span[^1] != marker)
        {
            throw new InvalidDataException($"reply of {span.Length} B does not match the request of {source.Length} B (marker {marker})");
        }
    }

    private static void RoundTrip(Writer requests, Reader replies, ReadOnlySpan<byte> message, Span<byte> destination, Interruption stop)
    {
        requests.WriteFrame(message);
        using Frame reply = AwaitReply(replies, stop);
        reply.Span.CopyTo(destination);
    }

    /// <summary>The next frame of <paramref name="replies"/>, waiting up to 30 s in 100 ms slices (so a stop request is seen).</summary>
    internal static Frame AwaitReply(Reader replies, Interruption stop)
    {
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

        return reply;
    }
}
