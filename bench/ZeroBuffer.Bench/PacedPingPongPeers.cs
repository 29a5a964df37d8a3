using System.Diagnostics;

namespace ZeroBuffer.Bench;

/// <summary>
/// The paced ZeroBuffer ping-pong with its hops measured (roles <c>zb-paced-echo</c>,
/// <c>zb-paced-ping</c>): the same rings, names, hand-shake and control messages as
/// <see cref="ZeroBufferPingPongPeers"/>, plus the timestamps of <see cref="HopStamps"/>. Copy: the
/// pinger copies in and out, the echo copies ring to ring (three copies per round trip, like the
/// socket baseline). Zero-copy: one streaming copy per round trip, the pinger producing the
/// request in place; the echo reads it in place and answers with an
/// <see cref="InPlaceAcknowledgement"/>, both rings prefaulted. The echo always replies
/// through <c>GetFrameBuffer</c>/<c>CommitFrame</c>, so it can stamp the reply before committing
/// it (<c>WriteFrame</c> is the same claim, copy and commit in one call). Each side watches how its
/// reads found their frames (<see cref="WakePathRecorder"/>) and counts its process's collections,
/// page faults and context switches over the window (<see cref="ProcessCounters"/>). The stamps
/// cost six clock reads per round trip (about 25 ns each here); frames under
/// <see cref="HopStamps.MinimumFrameSize"/> carry none.
/// </summary>
internal static class PacedPingPongPeers
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    internal static int RunEcho(Output output, Interruption stop, PeerSettings settings)
    {
        bool zeroCopy = settings.ZeroCopy;
        using var requests = settings.Configure(new Reader(ZeroBufferPingPongPeers.RequestBuffer(settings.Name), new BufferConfig(0, settings.RingSize)),
            prefault: zeroCopy);
        WakePathRecorder? wakes = WakePathRecorder.Install(requests);
        PeerReport.Ready(output, settings.Role);
        Writer? replies = null;
        var window = new MeasuredWindow();
        ProcessCounters countersAtMark = default;
        ProcessCounters counters = default;
        try
        {
            while (!stop.IsRequested)
            {
                wakes?.Reset();
                if (!requests.TryReadFrame(Poll, out Frame frame))
                {
                    continue;
                }

                long woke = Stopwatch.GetTimestamp();
                WakePath path = wakes?.Last ?? WakePath.Unknown; // now: the recorder times the read up to here
                int size = frame.Size;
                replies ??= settings.Configure(new Writer(ZeroBufferPingPongPeers.ReplyBuffer(settings.Name)) { WriteTimeout = ZeroBufferPingPongPeers.ReplyTimeout },
                    prefault: zeroCopy);
                bool acknowledge = zeroCopy && HopStamps.Fit(size);
                Span<byte> reply = replies.GetFrameBuffer(acknowledge ? InPlaceAcknowledgement.Size : size);
                if (acknowledge)
                {
                    InPlaceAcknowledgement.Write(frame.Span, reply);
                }
                else
                {
                    frame.Span.CopyTo(reply);
                }

                if (HopStamps.Fit(size))
                {
                    HopStamps.Write(reply, HopStamps.EchoWokeOffset, woke);
                    reply[HopStamps.EchoWakePathOffset] = (byte)path;
                    HopStamps.Write(reply, HopStamps.EchoCommitOffset, Stopwatch.GetTimestamp());
                }

                replies.CommitFrame();
                frame.Dispose();
                if (size == ControlFrames.Mark)
                {
                    countersAtMark = ProcessCounters.Now();
                }

                if (window.Count(size))
                {
                    counters = ProcessCounters.Now().Since(countersAtMark);
                    break;
                }
            }
        }
        finally
        {
            replies?.Dispose();
        }

        stop.Token.ThrowIfCancellationRequested();
        PeerReport.Summary(output, settings.Role, window.Frames, window.Bytes, window.Meter, extra: counters.WriteJson);
        return ExitCodes.Success;
    }

    internal static int RunPing(Output output, Interruption stop, PeerSettings settings)
    {
        bool zeroCopy = settings.ZeroCopy;
        using var replies = settings.Configure(new Reader(ZeroBufferPingPongPeers.ReplyBuffer(settings.Name), new BufferConfig(0, settings.RingSize)),
            prefault: zeroCopy);
        WakePathRecorder? wakes = WakePathRecorder.Install(replies);
        using var requests = settings.Configure(new Writer(ZeroBufferPingPongPeers.RequestBuffer(settings.Name)) { WriteTimeout = ZeroBufferPingPongPeers.ReplyTimeout },
            prefault: zeroCopy);
        PeerReport.Ready(output, settings.Role);
        var pinger = new Pinger(requests, replies, wakes, settings, stop);
        pinger.Control(ControlFrames.Hello);

        var latency = new LatencyRecorder(settings.Rate);
        var hops = new HopRecorder(settings.Rate, settings.Seconds);
        long warmUpEnd = Stopwatch.GetTimestamp() + (long)(settings.WarmUpSeconds * Stopwatch.Frequency);
        latency.Restart();
        do
        {
            pinger.RoundTrip(latency, hops);
        }
        while (Stopwatch.GetTimestamp() < warmUpEnd && !stop.IsRequested);

        pinger.Control(ControlFrames.Mark);
        var meter = new SideMeter();
        ProcessCounters countersAtStart = ProcessCounters.Now();
        meter.Start();
        latency.Restart();
        hops.Restart();
        long frames = 0;
        long end = Stopwatch.GetTimestamp() + (long)(settings.Seconds * Stopwatch.Frequency);
        do
        {
            pinger.RoundTrip(latency, hops);
            frames++;
        }
        while (Stopwatch.GetTimestamp() < end && !stop.IsRequested);

        meter.Stop();
        ProcessCounters counters = ProcessCounters.Now().Since(countersAtStart);
        pinger.Control(ControlFrames.End);
        stop.Token.ThrowIfCancellationRequested();
        PeerReport.Summary(output, settings.Role, frames, frames * settings.FrameSize, meter, latency, w =>
        {
            hops.WriteJson(w);
            counters.WriteJson(w);
        });
        return ExitCodes.Success;
    }

    /// <summary>The pinger's side of one round trip: its buffers and the stamps it takes.</summary>
    private sealed class Pinger(Writer requests, Reader replies, WakePathRecorder? wakes, PeerSettings settings, Interruption stop)
    {
        private readonly byte[] _source = NewSource(settings.FrameSize);
        private readonly byte[] _destination = new byte[settings.FrameSize];
        private readonly bool _zeroCopy = settings.ZeroCopy;
        private readonly bool _stamped = HopStamps.Fit(settings.FrameSize);

        /// <summary>A control message, echoed like data, its reply copied out.</summary>
        internal void Control(int length)
        {
            requests.WriteFrame(ControlFrames.Payload(length));
            using Frame reply = ZeroBufferPingPongPeers.AwaitReply(replies, stop);
            reply.Span.CopyTo(_destination);
        }

        /// <summary>One paced round trip: waits for its send time, sends, awaits the reply, records it and its hops.</summary>
        internal void RoundTrip(LatencyRecorder latency, HopRecorder hops)
        {
            long intended = latency.NextSend();
            long sendStart = Stopwatch.GetTimestamp();
            Send(sendStart);
            long written = Stopwatch.GetTimestamp();
            wakes?.Reset();
            long replied;
            long echoWoke = 0;
            long echoCommit = 0;
            var echoPath = WakePath.Unknown;
            var pingerPath = WakePath.Unknown;
            using (Frame reply = ZeroBufferPingPongPeers.AwaitReply(replies, stop))
            {
                replied = Stopwatch.GetTimestamp();
                pingerPath = wakes?.Last ?? WakePath.Unknown; // now: the recorder times the read up to here
                ReadOnlySpan<byte> span = reply.Span;
                int expected = _zeroCopy && _stamped ? InPlaceAcknowledgement.Size : _source.Length;
                if (span.Length != expected || (_stamped && HopStamps.Read(span, HopStamps.SentOffset) != sendStart))
                {
                    throw new InvalidDataException($"reply of {span.Length} B does not answer the request of {_source.Length} B sent at tick {sendStart}");
                }

                if (_stamped)
                {
                    echoWoke = HopStamps.Read(span, HopStamps.EchoWokeOffset);
                    echoCommit = HopStamps.Read(span, HopStamps.EchoCommitOffset);
                    echoPath = (WakePath)span[HopStamps.EchoWakePathOffset];
                }

                if (!_zeroCopy)
                {
                    span.CopyTo(_destination);
                }
                else if (_stamped ? !InPlaceAcknowledgement.Answers(span, _source.Length, _source[0]) : span[0] != _source[0] || span[^1] != _source[0])
                {
                    throw new InvalidDataException($"reply does not acknowledge the request of {_source.Length} B marked {_source[0]}");
                }
            }

            long done = Stopwatch.GetTimestamp();
            latency.Record(intended);
            if (_stamped)
            {
                hops.Record(intended, sendStart, written, echoWoke, echoCommit, replied, done, pingerPath, echoPath);
            }
        }

        /// <summary>Copy: stamps the source and writes it (one copy in). Zero-copy: produces the request straight into the ring.</summary>
        private void Send(long sendStart)
        {
            if (!_zeroCopy)
            {
                if (_stamped)
                {
                    HopStamps.Write(_source, HopStamps.SentOffset, sendStart);
                }

                requests.WriteFrame(_source);
                return;
            }

            // A new marker in the first and last byte each time, so a stale or torn reply cannot pass the check.
            byte marker = (byte)(_source[0] + 1);
            _source[0] = marker;
            _source[^1] = marker;
            Span<byte> request = requests.GetFrameBuffer(_source.Length);
            _source.CopyTo(request);
            if (_stamped)
            {
                HopStamps.Write(request, HopStamps.SentOffset, sendStart);
            }

            requests.CommitFrame();
        }

        private static byte[] NewSource(int size)
        {
            byte[] source = new byte[size];
            source.AsSpan().Fill(0x5A);
            return source;
        }
    }
}
