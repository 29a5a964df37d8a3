using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using ZeroBuffer.Topics;

namespace ZeroBuffer.Bench;

/// <summary>
/// Fan-out through a topic (issue 16, docs/topics.md "Cost"): one publisher, n subscribers. The
/// <c>fanout-subscribers</c> peer creates n <see cref="Subscriber"/>s of the topic named after
/// the case (ids <c>s0</c> … ), reports ready, and drains each on a thread of its own, looking at
/// each frame's length and first byte. The <c>fanout-publisher</c> peer becomes the publisher,
/// waits until the n subscribers joined, and publishes zero-copy frames back-to-back: claim
/// (<see cref="Publisher.GetFrameBuffer"/>), fill the whole frame once (a memset, so the fill is
/// real), <see cref="Publisher.CommitFrame"/>, which copies it once into each further
/// subscriber's ring. The row is the publisher's: publishes per second, the time one publish
/// takes (mean over the window, and percentiles of sampled publishes), and for each subscriber
/// the frames delivered and dropped in the window (the publisher's counts) and read (the
/// subscriber's), so a subscriber that could not keep up is seen, never hidden.
/// </summary>
/// <remarks>
/// <para>Subscribers are <see cref="DeliveryPolicy.Block"/> unless <c>bench --fanout-policy</c>
/// says otherwise (<see cref="PeerSettings.Policy"/>). With Block every subscriber gets every
/// frame, so each publish pays for exactly one fill and n − 1 copies, the work the ratio to n
/// streaming copies assumes; the time includes waiting for a reader whose ring is full, done
/// with the run's wait strategy (<see cref="PublisherOptions.WaitStrategy"/>), which on 2 cores
/// shared by n reader threads is part of the cost. With DropNewest the publisher never waits,
/// but a drop is a copy not made: a publisher at full speed outruns readers that are not
/// scheduled for a few frames, and the time then pays for fewer than n copies (on the 2-vCPU
/// VM a large share of the 3.1 MB frames, docs/performance.md "Fan-out"). The delivered and
/// dropped counts are in the row either way.</para>
/// <para>The mark and end control messages (<see cref="ControlFrames"/>) must reach every
/// subscriber, so they are offered again until each has had one (<see cref="PublishToEach"/>).</para>
/// </remarks>
internal static class FanOutPeers
{
    /// <summary>The subscriber counts of the rows.</summary>
    internal static readonly int[] SubscriberCounts = [1, 2, 4, 8];

    /// <summary>The frame sizes of the rows: 64 B and one 1080p YUV 4:2:0 frame (3.1 MB).</summary>
    internal static readonly int[] Sizes = [64, VideoFrame];

    /// <summary>The 3.1 MB frame.</summary>
    internal const int VideoFrame = 1920 * 1080 * 3 / 2;

    /// <summary>The most subscribers a peer hosts (the leftover sweep removes this many buffers).</summary>
    internal const int MaxSubscribers = 8;

    /// <summary>The names <c>--fanout-policy</c> (and the peers' <c>--policy</c>) accept.</summary>
    internal static readonly string[] PolicyNames = [.. Enum.GetValues<DeliveryPolicy>().Select(TopicNames.PolicyName)];

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    /// <summary>How long the publisher waits for the subscribers to join, and for a control message to reach them all.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The row id of <paramref name="subscribers"/> subscribers at <paramref name="size"/> bytes:
    /// <c>fanout/zero-copy/N/SIZE</c>, then <c>@STRATEGY</c> for a strategy other than the default
    /// and <c>@POLICY</c> for a policy other than Block.
    /// </summary>
    internal static string RowId(int subscribers, int size, string strategy, DeliveryPolicy policy) =>
        BenchPlan.WithStrategy($"fanout/zero-copy/{subscribers}/{size}", strategy) + (policy == DeliveryPolicy.Block ? "" : "@" + TopicNames.PolicyName(policy));

    /// <summary>The buffer of subscriber <paramref name="index"/> of the case named <paramref name="name"/> (the topic).</summary>
    internal static string SubscriberBuffer(string name, DeliveryPolicy policy, int index) => TopicNames.SubscriberBuffer(name, policy, SubscriberId(index));

    /// <summary>The one case of <paramref name="subscribers"/> subscribers and frames of <paramref name="size"/> bytes.</summary>
    internal static BenchCase Case(BenchOptions options, int subscribers, int size, string name, string[] timing)
    {
        string[] common = ["--size", Format.Invariant(size), "--readers", Format.Invariant(subscribers), "--policy", TopicNames.PolicyName(options.FanOutPolicy)];
        return new BenchCase(RowId(subscribers, size, options.Strategy, options.FanOutPolicy), CaseKind.FanOut, Transports.Topic, "zero-copy", null, size, 0,
            new PeerSpec(PeerRoles.FanOutSubscribers, [.. common, "--ring-size", Format.Invariant(options.RingSize ?? BenchPlan.DefaultRingSize(size))]),
            new PeerSpec(PeerRoles.FanOutPublisher, [.. timing, .. common, "--strategy", options.Strategy]), true, name)
        {
            Strategy = options.Strategy,
            Subscribers = subscribers,
            Policy = options.FanOutPolicy,
        };
    }

    /// <summary>The subscribers: one buffer and one draining thread each; ends when every one has read the end message.</summary>
    internal static int RunSubscribers(Output output, Interruption stop, PeerSettings settings)
    {
        if (settings.Readers > MaxSubscribers)
        {
            throw new UsageException($"--readers: at most {MaxSubscribers} subscribers (the leftover sweep removes that many buffers)");
        }

        var subscribers = new List<Subscriber>();
        try
        {
            for (int i = 0; i < settings.Readers; i++)
            {
                subscribers.Add(new Subscriber(settings.Name, settings.Policy, new BufferConfig(0, settings.RingSize), SubscriberId(i)));
            }

            PeerReport.Ready(output, settings.Role);
            var windows = new MeasuredWindow[subscribers.Count];
            var failures = new ExceptionDispatchInfo?[subscribers.Count];
            var threads = new Thread[subscribers.Count];
            for (int i = 0; i < subscribers.Count; i++)
            {
                int index = i;
                windows[i] = new MeasuredWindow();
                threads[i] = new Thread(() =>
                {
                    try
                    {
                        Drain(subscribers[index], windows[index], stop);
                    }
#pragma warning disable CA1031 // any failure of a draining thread is rethrown on the main thread, which reports it
                    catch (Exception error)
#pragma warning restore CA1031
                    {
                        failures[index] = ExceptionDispatchInfo.Capture(error);
                    }
                }) { Name = $"subscriber {index}", IsBackground = true };
                threads[i].Start();
            }

            foreach (Thread thread in threads)
            {
                thread.Join();
            }

            failures.FirstOrDefault(f => f is not null)?.Throw();
            stop.Token.ThrowIfCancellationRequested();
            PeerReport.Summary(output, settings.Role, windows.Sum(w => w.Frames), windows.Sum(w => w.Bytes), windows[0].Meter, extra: w =>
            {
                w.WriteStartArray("subscribers"u8);
                for (int i = 0; i < windows.Length; i++)
                {
                    w.WriteStartObject();
                    w.WriteString("id"u8, subscribers[i].Id);
                    w.WriteNumber("read"u8, windows[i].Frames);
                    w.WriteNumber("allocatedBytes"u8, windows[i].Meter.AllocatedBytes);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            });
            return ExitCodes.Success;
        }
        finally
        {
            subscribers.ForEach(s => s.Dispose());
        }
    }

    /// <summary>
    /// The publisher: waits for the subscribers, warms up, marks, publishes for the window, ends.
    /// Every publish of the window is counted; one per batch is timed (the first: a clock read
    /// either side), a batch being as many frames as make 64 KiB, at most 256, as in the one-way rows.
    /// </summary>
    internal static int RunPublisher(Output output, Interruption stop, PeerSettings settings)
    {
        using var publisher = new Publisher(settings.Name, new PublisherOptions { WaitStrategy = settings.WaitStrategy });
        WaitForSubscribers(publisher, settings.Readers, stop);
        PeerReport.Ready(output, settings.Role);
        int size = settings.FrameSize;
        int batch = Math.Clamp(65536 / size, 1, 256);
        var timed = new LatencyRecorder(rate: 0);
        long frames = 0;

        long warmUpEnd = Stopwatch.GetTimestamp() + (long)(settings.WarmUpSeconds * Stopwatch.Frequency);
        do
        {
            PublishBatch(publisher, size, batch, timed, ref frames);
        }
        while (Stopwatch.GetTimestamp() < warmUpEnd && !stop.IsRequested);

        PublishToEach(publisher, ControlFrames.Mark, stop);
        IReadOnlyList<SubscriberStatus> before = publisher.GetSubscribers();
        timed.Restart();
        var meter = new SideMeter();
        meter.Start();
        frames = 0;
        long end = Stopwatch.GetTimestamp() + (long)(settings.Seconds * Stopwatch.Frequency);
        do
        {
            PublishBatch(publisher, size, batch, timed, ref frames);
        }
        while (Stopwatch.GetTimestamp() < end && !stop.IsRequested);

        meter.Stop();
        IReadOnlyList<SubscriberStatus> after = publisher.GetSubscribers();
        PublishToEach(publisher, ControlFrames.End, stop);
        stop.Token.ThrowIfCancellationRequested();
        PeerReport.Summary(output, settings.Role, frames, frames * size, meter, timed, w =>
        {
            w.WriteStartArray("subscribers"u8);
            foreach (SubscriberStatus status in after.OrderBy(s => s.Id, StringComparer.Ordinal))
            {
                SubscriberStatus start = before.Single(s => s.Id == status.Id);
                w.WriteStartObject();
                w.WriteString("id"u8, status.Id);
                w.WriteNumber("delivered"u8, status.FramesDelivered - start.FramesDelivered);
                w.WriteNumber("dropped"u8, status.FramesDropped - start.FramesDropped);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
        return ExitCodes.Success;
    }

    /// <summary>The row of a case from the publisher's and the subscribers' summaries.</summary>
    internal static BenchResult Result(BenchCase c, JsonElement publisher, JsonElement subscribers)
    {
        long frames = publisher.GetProperty("frames").GetInt64();
        double seconds = publisher.GetProperty("seconds").GetDouble();
        Dictionary<string, long> read = subscribers.GetProperty("subscribers").EnumerateArray()
            .ToDictionary(s => s.GetProperty("id").GetString()!, s => s.GetProperty("read").GetInt64());
        List<SubscriberFigures> each =
        [
            .. publisher.GetProperty("subscribers").EnumerateArray().Select(s => new SubscriberFigures(s.GetProperty("id").GetString()!,
                s.GetProperty("delivered").GetInt64(), s.GetProperty("dropped").GetInt64(), read.GetValueOrDefault(s.GetProperty("id").GetString()!, -1))),
        ];
        long allocated = subscribers.GetProperty("subscribers").EnumerateArray().Sum(s => s.GetProperty("allocatedBytes").GetInt64());
        long readFrames = read.Values.Sum();
        double subscriberSeconds = subscribers.GetProperty("seconds").GetDouble();
        return new BenchResult(c)
        {
            Frames = frames,
            Seconds = seconds,
            FramesPerSecond = seconds > 0 ? frames / seconds : null,
            GigabytesPerSecond = seconds > 0 ? each.Sum(s => s.Delivered) * (double)c.FrameSize / seconds / 1e9 : null,
            FanOut = new FanOutFigures(c.Subscribers, TopicNames.PolicyName(c.Policy), frames > 0 ? seconds / frames * 1e6 : double.NaN,
                LatencyFigures.From(publisher), publisher.GetProperty("samples").GetInt64(), each),
            Sides =
            [
                SideFigures.From("publisher", publisher),
                new SideFigures("subscribers",
                    subscriberSeconds > 0 ? subscribers.GetProperty("cpuSeconds").GetDouble() / subscriberSeconds * 100 : null,
                    readFrames > 0 ? (double)allocated / readFrames : null),
            ],
        };
    }

    /// <summary>A policy by its name (one of <see cref="PolicyNames"/>; Block when none is given).</summary>
    internal static DeliveryPolicy ParsePolicy(string? name) =>
        name is null ? DeliveryPolicy.Block : TopicNames.TryParsePolicy(name, out DeliveryPolicy policy) ? policy : throw new UsageException($"unknown delivery policy '{name}'");

    private static string SubscriberId(int index) => $"s{index}";

    /// <summary>Reads until the end message: the first byte of each data frame, counted in the window.</summary>
    private static void Drain(Subscriber subscriber, MeasuredWindow window, Interruption stop)
    {
        int sink = 0;
        while (!stop.IsRequested)
        {
            if (!subscriber.TryReadFrame(Poll, out Frame frame, stop.Token))
            {
                continue;
            }

            int size = frame.Size;
            if (size > ControlFrames.Hello)
            {
                sink += frame.Span[0];
            }

            frame.Dispose();
            if (window.Count(size))
            {
                break;
            }
        }

        GC.KeepAlive(sink);
    }

    private static void PublishBatch(Publisher publisher, int size, int batch, LatencyRecorder timed, ref long frames)
    {
        long started = timed.NextSend();
        Publish(publisher, size, frames++);
        timed.Record(started);
        for (int i = 1; i < batch; i++)
        {
            Publish(publisher, size, frames++);
        }
    }

    private static void Publish(Publisher publisher, int size, long number)
    {
        publisher.GetFrameBuffer(size).Fill((byte)number);
        publisher.CommitFrame();
    }

    /// <summary>
    /// Waits until <paramref name="count"/> subscribers are connected: the ones already there joined
    /// in the constructor (before a handler could be added), later ones raise <see cref="Publisher.SubscriberJoined"/>.
    /// </summary>
    private static void WaitForSubscribers(Publisher publisher, int count, Interruption stop)
    {
        using var joined = new ManualResetEventSlim();
        publisher.SubscriberJoined += (_, _) => joined.Set();
        long start = Stopwatch.GetTimestamp();
        while (true)
        {
            joined.Reset(); // before the count: a join after it sets the event again
            if (publisher.GetSubscribers().Count >= count)
            {
                return;
            }

            TimeSpan remaining = Patience - Stopwatch.GetElapsedTime(start);
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException($"only {publisher.GetSubscribers().Count} of {count} subscribers joined topic '{publisher.Topic}' within {Patience.TotalSeconds:0} s");
            }

            _ = joined.Wait(remaining, stop.Token);
        }
    }

    /// <summary>
    /// Publishes the control message of <paramref name="length"/> bytes until each subscriber
    /// connected now has had it delivered once. A full ring drops it for that subscriber (and its
    /// reader may have a duplicate of an earlier attempt, which <see cref="MeasuredWindow"/> takes
    /// as the same message); no data frame is published meanwhile, so the windows stay exact.
    /// </summary>
    private static void PublishToEach(Publisher publisher, int length, Interruption stop)
    {
        Dictionary<string, ulong> pending = publisher.GetSubscribers().ToDictionary(s => s.Id, s => s.FramesDelivered);
        long start = Stopwatch.GetTimestamp();
        while (!stop.IsRequested)
        {
            publisher.Publish(ControlFrames.Payload(length));
            foreach (SubscriberStatus status in publisher.GetSubscribers())
            {
                if (pending.TryGetValue(status.Id, out ulong delivered) && status.FramesDelivered > delivered)
                {
                    _ = pending.Remove(status.Id);
                }
            }

            if (pending.Count == 0)
            {
                return;
            }

            if (Stopwatch.GetElapsedTime(start) > Patience)
            {
                throw new TimeoutException($"control message {length} did not reach subscribers {string.Join(", ", pending.Keys)} of topic '{publisher.Topic}'");
            }

            Thread.Sleep(1); // their rings are full: give the readers a moment to drain before offering it again
        }
    }
}
