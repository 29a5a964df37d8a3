using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Text.Json;

namespace ZeroBuffer.Bench;

/// <summary>
/// The camera of upstream's relay benchmark (role <c>zb-relay-sender</c>), opposite a relay that
/// is the ping-pong echo (<c>zb-echo</c>: reader of <c>NAME-q</c>, writer of <c>NAME-p</c>, one copy
/// per frame, like upstream's TestHelper <c>relay</c>). A <see cref="PeriodicTimer"/> paces the
/// sends, as in upstream's benchmark: a tick that comes while the previous send is still going is
/// not queued, so a stall lowers the achieved rate instead of bunching sends. Each frame carries its
/// sequence and the timestamp of its actual send; a thread of its own reads every reply as it
/// arrives and charges it from that frame's own send, so a late reply is charged once, to the frame
/// it answers, and the replies queued behind a stall are read at once instead of one per later
/// send (upstream's benchmark reads one reply per send, so after one stall every later round trip
/// includes the backlog).
/// </summary>
/// <remarks>
/// Copy mode ("like upstream"): the send copies the frame in (<c>WriteFrame</c>), the reply is
/// copied out of the ring into an array (what <c>Frame.ToArray()</c> copies, into an array made
/// once: the bench does not allocate per frame, where upstream's <c>ToArray()</c> allocates 3.1 MB);
/// nothing is prefaulted. Zero-copy mode: every ring is prefaulted (<see cref="Reader.Prefault"/>,
/// <see cref="Writer.Prefault"/>), the send produces the frame in the claimed buffer, the reply is
/// checked in place (first and last byte). In both, the receipt is stamped when the read returns,
/// before any copy out: upstream's benchmark takes it there too.
/// </remarks>
internal static class UpstreamRelaySender
{
    /// <summary>Where the frame carries its sequence number (the marker bytes 0 and last are the sequence's low byte).</summary>
    private const int SequenceOffset = 8;

    /// <summary>Where the frame carries the Stopwatch timestamp of its actual send.</summary>
    private const int SentOffset = 16;

    /// <summary>The smallest frame the sender can stamp.</summary>
    internal const int MinimumFrameSize = 32;

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    internal static int Run(Output output, Interruption stop, PeerSettings settings)
    {
        if (settings.FrameSize < MinimumFrameSize || settings.Rate <= 0)
        {
            throw new UsageException($"{PeerRoles.RelaySender} needs --size of at least {MinimumFrameSize} B and a --rate");
        }

        bool zeroCopy = settings.ZeroCopy;
        using var replies = settings.Configure(new Reader(ZeroBufferPingPongPeers.ReplyBuffer(settings.Name), new BufferConfig(0, settings.RingSize)),
            prefault: zeroCopy);
        using var requests = settings.Configure(new Writer(ZeroBufferPingPongPeers.RequestBuffer(settings.Name)) { WriteTimeout = ZeroBufferPingPongPeers.ReplyTimeout },
            prefault: zeroCopy);
        PeerReport.Ready(output, settings.Role);
        requests.WriteFrame(ControlFrames.Payload(ControlFrames.Hello));
        ZeroBufferPingPongPeers.AwaitReply(replies, stop).Dispose();
        using var run = new RelayRun(requests, replies, settings, stop);
        return run.Execute(output);
    }

    /// <summary>One run: the pacing sender (on the thread pool, where the timer's ticks resume it) and the reply reader (its own thread).</summary>
    private sealed class RelayRun(Writer requests, Reader replies, PeerSettings settings, Interruption stop) : IDisposable
    {
        private readonly byte[] _source = NewSource(settings.FrameSize);
        private readonly byte[] _destination = new byte[settings.FrameSize];
        private readonly bool _zeroCopy = settings.ZeroCopy;
        private readonly LatencyRecorder _latency = new(rate: 0);
        private readonly SideMeter _meter = new(processWide: true); // two threads, one of them the pool's
        private readonly ManualResetEventSlim _caughtUp = new();

        // Shared between the two threads: stored with Interlocked (a full fence, so a store and the other side's load cannot cross).
        private long _lastSent = -1;
        private long _measuredFrom = long.MaxValue;
        private long _measuredTo = long.MaxValue;
        private long _lastReceived = -1;
        private volatile bool _abandoned;

        // The reader thread's figures, read by the sender once it has caught up (the event orders them).
        private long _matched;
        private long _lateReplies;
        private long _maxInFlight;
        private ExceptionDispatchInfo? _readerFailure;

        private long _sent;
        private ProcessCounters _counters;

        internal int Execute(Output output)
        {
            var reader = new Thread(ReadReplies) { Name = "relay replies", IsBackground = true };
            reader.Start();
            try
            {
                SendAsync().GetAwaiter().GetResult();
                AwaitCatchUp();
                requests.WriteFrame(ControlFrames.Payload(ControlFrames.End));
                reader.Join();
            }
            finally
            {
                _abandoned = true; // a failed sender: the reader gives up at its next poll
                reader.Join(TimeSpan.FromSeconds(5));
            }

            _readerFailure?.Throw();
            stop.Token.ThrowIfCancellationRequested();
            PeerReport.Summary(output, settings.Role, _matched, _matched * settings.FrameSize, _meter, _latency, WriteJson);
            return ExitCodes.Success;
        }

        public void Dispose() => _caughtUp.Dispose();

        /// <summary>Warm-up, mark, the measured window; one send per timer tick.</summary>
        private async Task SendAsync()
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / settings.Rate));
            // Disposing the timer ends its wait: registered once, not per tick (a token per wait would register per tick).
            using CancellationTokenRegistration stopping = stop.Token.Register(timer.Dispose);
            long sequence = 0;
            long warmUpEnd = Stopwatch.GetTimestamp() + (long)(settings.WarmUpSeconds * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() < warmUpEnd)
            {
                // Awaited here, not in a helper: an async helper that suspends would allocate its state per tick.
                if (!await timer.WaitForNextTickAsync().ConfigureAwait(false))
                {
                    Stopped();
                }

                _readerFailure?.Throw();
                Send(sequence++);
            }

            requests.WriteFrame(ControlFrames.Payload(ControlFrames.Mark));
            Interlocked.Exchange(ref _measuredFrom, sequence);
            long first = sequence;
            ProcessCounters countersAtStart = ProcessCounters.Now();
            _meter.Start();
            long end = Stopwatch.GetTimestamp() + (long)(settings.Seconds * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() < end)
            {
                // Awaited here, not in a helper: an async helper that suspends would allocate its state per tick.
                if (!await timer.WaitForNextTickAsync().ConfigureAwait(false))
                {
                    Stopped();
                }

                _readerFailure?.Throw();
                Send(sequence++);
            }

            _meter.Stop();
            _counters = ProcessCounters.Now().Since(countersAtStart);
            _sent = sequence - first;
            Interlocked.Exchange(ref _measuredTo, sequence - 1);
        }

        /// <summary>The timer's wait ended without a tick: it was disposed, by a stop request.</summary>
        private void Stopped()
        {
            stop.Token.ThrowIfCancellationRequested();
            throw new ObjectDisposedException(nameof(PeriodicTimer));
        }

        /// <summary>The actual send: stamped right before the write begins, so the round trip includes the copy in.</summary>
        private void Send(long sequence)
        {
            long sent = Stopwatch.GetTimestamp();
            if (_zeroCopy)
            {
                Span<byte> frame = requests.GetFrameBuffer(_source.Length);
                _source.CopyTo(frame);
                Stamp(frame, sequence, sent);
                requests.CommitFrame();
            }
            else
            {
                Stamp(_source, sequence, sent);
                requests.WriteFrame(_source);
            }

            Interlocked.Exchange(ref _lastSent, sequence);
        }

        private static void Stamp(Span<byte> frame, long sequence, long sent)
        {
            frame[0] = (byte)sequence;
            frame[^1] = (byte)sequence;
            HopStamps.Write(frame, SequenceOffset, sequence);
            HopStamps.Write(frame, SentOffset, sent);
        }

        /// <summary>After the window: waits until the reply to the last measured frame came back (or 30 s).</summary>
        private void AwaitCatchUp()
        {
            long last = Volatile.Read(ref _measuredTo);
            if (Volatile.Read(ref _lastReceived) < last && !_caughtUp.Wait(ZeroBufferPingPongPeers.ReplyTimeout, stop.Token))
            {
                throw new TimeoutException($"the reply to frame {last} did not come back within {ZeroBufferPingPongPeers.ReplyTimeout.TotalSeconds:0} s");
            }
        }

        /// <summary>The reader thread: every reply as it arrives, matched to its send by the sequence it carries.</summary>
        private void ReadReplies()
        {
            try
            {
                long expected = 0;
                while (true)
                {
                    if (!replies.TryReadFrame(Poll, out Frame frame))
                    {
                        if (_abandoned || stop.IsRequested)
                        {
                            return;
                        }

                        continue;
                    }

                    int size = frame.Size;
                    if (size <= ControlFrames.Hello)
                    {
                        frame.Dispose();
                        if (size == ControlFrames.End)
                        {
                            return;
                        }

                        continue;
                    }

                    ReadOnlySpan<byte> span = frame.Span;
                    long sequence = HopStamps.Read(span, SequenceOffset);
                    long from = Volatile.Read(ref _measuredFrom);
                    if (sequence >= from)
                    {
                        _latency.Record(HopStamps.Read(span, SentOffset)); // received now: before any copy out
                    }

                    bool intact = sequence == expected && size == _source.Length && span[0] == (byte)sequence && span[^1] == (byte)sequence;
                    if (intact && !_zeroCopy)
                    {
                        span.CopyTo(_destination);
                    }

                    frame.Dispose();
                    if (!intact)
                    {
                        throw new InvalidDataException($"reply {sequence} ({size} B) is not frame {expected} ({_source.Length} B) intact");
                    }

                    expected = sequence + 1;
                    if (sequence >= from)
                    {
                        long lastSent = Volatile.Read(ref _lastSent);
                        _matched++;
                        _lateReplies += lastSent > sequence ? 1 : 0;
                        _maxInFlight = Math.Max(_maxInFlight, Math.Max(1, lastSent - sequence + 1));
                    }

                    Interlocked.Exchange(ref _lastReceived, sequence);
                    if (sequence >= Volatile.Read(ref _measuredTo))
                    {
                        _caughtUp.Set();
                    }
                }
            }
#pragma warning disable CA1031 // any failure of the reader thread is rethrown on the main thread, which reports it
            catch (Exception error)
#pragma warning restore CA1031
            {
                _readerFailure = ExceptionDispatchInfo.Capture(error);
                _caughtUp.Set();
            }
        }

        /// <summary>Writes <c>"relay":{"targetRate","sent","matched","achievedRate","lateReplies","maxInFlight"}</c> and the counters.</summary>
        private void WriteJson(Utf8JsonWriter w)
        {
            w.WriteStartObject("relay"u8);
            w.WriteNumber("targetRate"u8, settings.Rate);
            w.WriteNumber("sent"u8, _sent);
            w.WriteNumber("matched"u8, _matched);
            double seconds = _meter.Elapsed.TotalSeconds;
            w.WriteNumber("achievedRate"u8, seconds > 0 ? Math.Round(_matched / seconds, 3) : 0);
            w.WriteNumber("lateReplies"u8, _lateReplies);
            w.WriteNumber("maxInFlight"u8, _maxInFlight);
            w.WriteEndObject();
            _counters.WriteJson(w);
        }

        private static byte[] NewSource(int size)
        {
            byte[] source = new byte[size];
            source.AsSpan().Fill(0x5A);
            return source;
        }
    }
}
