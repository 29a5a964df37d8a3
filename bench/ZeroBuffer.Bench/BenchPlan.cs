namespace ZeroBuffer.Bench;

/// <summary>Turns <see cref="BenchOptions"/> into the ordered list of cases: baselines first, then ZeroBuffer.</summary>
internal static class BenchPlan
{
    /// <summary>Frame sizes of the full throughput run: 64 B … 8 MiB.</summary>
    internal static readonly int[] FullThroughputSizes = [64, 256, 1024, 4096, 16384, 65536, 262144, 1 << 20, 4 << 20, 8 << 20];

    /// <summary>Frame sizes of <c>--quick</c>.</summary>
    internal static readonly int[] QuickThroughputSizes = [64, 4096, 65536, 1 << 20];

    /// <summary>Ping-pong sizes: 64 B, 4 KiB, and a 1080p YUV 4:2:0 video frame (3.1 MB).</summary>
    internal static readonly int[] LatencySizes = [64, 4096, 1920 * 1080 * 3 / 2];

    /// <summary>The frame size whose one-way rows also run with a reader that batches releases (<see cref="BatchedModeSuffix"/>).</summary>
    internal const int BatchedRowSize = 64;

    /// <summary>Appended to the mode of those rows: <c>zero-copy-batched</c>, <c>copy-batched</c>.</summary>
    internal const string BatchedModeSuffix = "-batched";

    internal const double FullSeconds = 2;
    internal const double QuickSeconds = 0.5;

    /// <summary>
    /// Ring size when not given: at least 4 MiB, and room for 4 frames, so neither side waits for
    /// the ring to wrap under one frame.
    /// </summary>
    internal static long DefaultRingSize(int frameSize) => Math.Max(4L << 20, (4L * (frameSize + 16) + 63) / 64 * 64);

    /// <summary>
    /// Ring size of the one-way rows when not given: <see cref="DefaultRingSize"/>, except that
    /// frames of 4 MiB and more get two frames' worth (the smallest ring that always fits two:
    /// 2 × (frame + 24), docs/protocol.md §3.2). Four 8 MiB frames are the whole 32 MiB L3 here,
    /// so the reader copied out of memory what the writer had just copied in; with two, copy-in
    /// and copy-out at 4 MiB went from 9.5-20.3 to 25.8-28.3 GB/s (docs/performance.md).
    /// </summary>
    internal static long OneWayRingSize(int frameSize) =>
        frameSize >= 4 << 20 ? (2L * (frameSize + 24) + 63) / 64 * 64 : DefaultRingSize(frameSize);

    /// <summary>
    /// Ring size of ping-pong buffers when not given: room for exactly 2 frames (every frame then
    /// fits wherever the write position is), at least 64 KiB. A ping-pong has one frame in flight
    /// per ring, and a small ring keeps both rings and the source in cache: with 3.1 MB frames a
    /// 2-frame ring measured a zero-copy round trip p50 of about 230 µs against about 410 µs with
    /// a 4-frame ring (docs/performance.md, "Choosing a wait strategy and a ring size").
    /// </summary>
    internal static long PingPongRingSize(int frameSize) => Math.Max(64L << 10, (2L * (frameSize + 16) + 63) / 64 * 64);

    /// <summary>
    /// Fixed send rate when not given: well below what a round trip takes here (≈ 50 µs for small
    /// frames, ≈ 0.3 ms for 3.1 MB), so the queue is normally empty and the tail shows stalls,
    /// not overload: 2,000/s up to 64 KiB, 200/s above.
    /// </summary>
    internal static double DefaultRate(int frameSize) => frameSize <= 65536 ? 2000 : 200;

    /// <summary>
    /// Row id of a ZeroBuffer case: <paramref name="id"/> as it is for the default strategy
    /// (spin-then-block), with <c>@STRATEGY</c> appended for the others.
    /// </summary>
    internal static string WithStrategy(string id, string strategy) => strategy == StrategyNames.Default ? id : $"{id}@{strategy}";

    /// <summary>The peer arguments every ZeroBuffer peer gets: its wait strategy, and <c>--prefault</c> when asked.</summary>
    internal static string[] ZeroBufferArguments(BenchOptions options, string strategy) =>
        ["--strategy", strategy, .. options.Prefault ? new[] { "--prefault" } : []];

    /// <summary>
    /// Warm-up of the idle pair: at least 4 s. A waiting reader calls its periodic paths (timeouts,
    /// liveness checks) about 10 times a second, so the runtime's tier-up of those methods (after
    /// 30 calls, compiled on a background thread of the same process) lands in the first seconds;
    /// that is start-up cost, not what waiting costs, and in a 0.5 s window it alone reads as ~1 %.
    /// </summary>
    internal static double IdleWarmUpSeconds(BenchOptions options) => Math.Max(options.WarmUpSeconds, 4);

    /// <summary>Readers of the idle async row: one process awaiting a frame on each.</summary>
    internal const int IdleAsyncReaders = 100;

    /// <summary>Frame size of the async rows.</summary>
    internal const int AsyncFrameSize = 64;

    internal static List<BenchCase> Build(BenchOptions options, string runName)
    {
        var cases = new List<BenchCase>();
        int counter = 0;
        string Next() => $"{runName}-{counter++}";
        string[] timing = ["--seconds", Format.Invariant(options.Seconds), "--warmup", Format.Invariant(options.WarmUpSeconds)];
        bool Wants(string scenario) => options.Scenarios.Contains(scenario);
        bool duplexPlanned = false;

        if (Wants(Scenarios.Memcpy))
        {
            string name = Next();
            cases.Add(new BenchCase("bandwidth/memcpy", CaseKind.Bandwidth, Transports.Memcpy, null, null, 0, 0, null,
                new PeerSpec(PeerRoles.Memcpy, [.. timing, "--stream-bytes", Format.Invariant(options.StreamBytes)]), true, name));
        }

        if (Wants(Scenarios.Semaphore))
        {
            cases.Add(PingPong("latency/semaphore/back-to-back", Transports.Semaphore, null, 0, 0, PeerRoles.SemaphoreEcho, PeerRoles.SemaphorePing,
                passiveStopsItself: false, Next(), timing));
        }

        if (Wants(Scenarios.BusyPoll))
        {
            cases.Add(PingPong("latency/busy-poll/back-to-back", Transports.BusyPoll, null, 0, 0, PeerRoles.SpinEcho, PeerRoles.SpinPing,
                passiveStopsItself: true, Next(), timing));
        }

        if (Wants(Scenarios.UnixSocket))
        {
            foreach (int size in options.ThroughputSizes)
            {
                string name = Next();
                cases.Add(new BenchCase($"throughput/unix-socket/copy/{size}", CaseKind.Throughput, Transports.UnixSocket, "copy", null, size, 0,
                    new PeerSpec(PeerRoles.SocketReader, ["--size", Format.Invariant(size)]),
                    new PeerSpec(PeerRoles.SocketWriter, [.. timing, "--size", Format.Invariant(size)]), true, name));
            }

            foreach (int size in options.LatencySizes)
            {
                cases.Add(PingPong($"latency/unix-socket/copy/back-to-back/{size}", Transports.UnixSocket, "copy", size, 0,
                    PeerRoles.SocketEcho, PeerRoles.SocketPing, passiveStopsItself: true, Next(), timing));
            }
        }

        if (Wants(Scenarios.Throughput))
        {
            foreach (int size in options.ThroughputSizes)
            {
                // The small-frame ceiling (issue 18) is a reader that batches its releases: at 64 B
                // those rows run next to the default reader's, unless every reader batches anyway.
                bool batchedRows = size == BatchedRowSize && !options.BatchReleases;
                foreach (bool batched in batchedRows ? new[] { false, true } : [false])
                {
                    foreach (bool zeroCopy in new[] { true, false })
                    {
                        string mode = (zeroCopy ? "zero-copy" : "copy") + (batched ? BatchedModeSuffix : "");
                        string[] common = ["--size", Format.Invariant(size), "--ring-size", Format.Invariant(options.RingSize ?? OneWayRingSize(size)),
                            .. zeroCopy ? new[] { "--zero-copy" } : [], .. ZeroBufferArguments(options, options.Strategy)];
                        cases.Add(new BenchCase(WithStrategy($"throughput/zerobuffer/{mode}/{size}", options.Strategy), CaseKind.Throughput,
                            Transports.ZeroBuffer, mode, null, size, 0,
                            new PeerSpec(PeerRoles.ZeroBufferReader, options.BatchReleases || batched ? [.. common, "--batch-releases"] : common),
                            new PeerSpec(PeerRoles.ZeroBufferWriter, [.. timing, .. common]), true, Next()) { Strategy = options.Strategy });
                    }
                }
            }
        }

        if (Wants(Scenarios.Latency))
        {
            string strategy = options.Strategy;
            string[] Ring(int size) => ["--ring-size", Format.Invariant(options.RingSize ?? PingPongRingSize(size))];
            foreach (int size in options.LatencySizes)
            {
                string[] arguments = [.. timing, .. Ring(size), .. ZeroBufferArguments(options, strategy)];
                cases.Add(PingPong(WithStrategy($"latency/zerobuffer/copy/back-to-back/{size}", strategy), Transports.ZeroBuffer, "copy", size, 0,
                    PeerRoles.ZeroBufferEcho, PeerRoles.ZeroBufferPing, passiveStopsItself: true, Next(), arguments) with { Strategy = strategy });
                if (size == DuplexRoundTrip.FrameSize && Wants(Scenarios.Duplex))
                {
                    // Right after the raw ping-pong it is compared with, so a machine whose load drifts
                    // during the run affects both alike.
                    cases.Add(DuplexRoundTrip.Case(options, Next(), timing));
                    duplexPlanned = true;
                }
                // Paced rows run the hop-stamping peers (issue 18), right after their paced baselines.
                double rate = options.Rate ?? DefaultRate(size);
                PacedBaselines.AddBefore(cases, options, size, rate, Next, timing);
                cases.Add(PingPong(WithStrategy($"latency/zerobuffer/copy/fixed-rate/{size}", strategy), Transports.ZeroBuffer, "copy", size, rate,
                    PeerRoles.PacedEcho, PeerRoles.PacedPing, passiveStopsItself: true, Next(), arguments) with { Strategy = strategy });
            }

            // Zero-copy ping-pong (produce in place, one copy in the echo, check in place): every size of a full
            // or hand-picked run; the large frame only in --quick. Video frames are also paced (a target of issue 18),
            // with the echo reading in place and acknowledging: one streaming copy per round trip.
            foreach (int size in options.LatencySizes.Where(s => !options.Quick || options.Custom || s > 65536))
            {
                string[] arguments = [.. timing, .. Ring(size), .. ZeroBufferArguments(options, strategy), "--zero-copy"];
                cases.Add(PingPong(WithStrategy($"latency/zerobuffer/zero-copy/back-to-back/{size}", strategy), Transports.ZeroBuffer, "zero-copy", size, 0,
                    PeerRoles.ZeroBufferEcho, PeerRoles.ZeroBufferPing, passiveStopsItself: true, Next(), arguments) with { Strategy = strategy });
                if (size > 65536)
                {
                    double rate = options.Rate ?? DefaultRate(size);
                    PacedBaselines.AddBefore(cases, options, size, rate, Next, timing, oneCopy: true);
                    cases.Add(PingPong(WithStrategy($"latency/zerobuffer/zero-copy/fixed-rate/{size}", strategy), Transports.ZeroBuffer, "zero-copy", size, rate,
                        PeerRoles.PacedEcho, PeerRoles.PacedPing, passiveStopsItself: true, Next(), arguments) with { Strategy = strategy });
                }
            }

            // The busy-spin target row is always measured, whatever --strategy says.
            if (strategy != StrategyNames.BusySpin)
            {
                string[] arguments = [.. timing, .. Ring(64), .. ZeroBufferArguments(options, StrategyNames.BusySpin)];
                cases.Add(PingPong(WithStrategy("latency/zerobuffer/copy/back-to-back/64", StrategyNames.BusySpin), Transports.ZeroBuffer, "copy", 64, 0,
                    PeerRoles.ZeroBufferEcho, PeerRoles.ZeroBufferPing, passiveStopsItself: true, Next(), arguments) with { Strategy = StrategyNames.BusySpin });
            }
        }

        if (Wants(Scenarios.Async))
        {
            AddAsyncCases(cases, options, Next, timing, syncBackToBackPlanned: Wants(Scenarios.Latency));
        }

        if (Wants(Scenarios.Idle))
        {
            string[] zb = ZeroBufferArguments(options, options.Strategy);
            string[] idleTiming = ["--seconds", Format.Invariant(options.Seconds), "--warmup", Format.Invariant(IdleWarmUpSeconds(options))];
            cases.Add(new BenchCase(WithStrategy("idle/zerobuffer", options.Strategy), CaseKind.Idle, Transports.ZeroBuffer, null, null, 0, 0,
                new PeerSpec(PeerRoles.IdleReader, ["--ring-size", Format.Invariant(options.RingSize ?? DefaultRingSize(64)), .. zb]),
                new PeerSpec(PeerRoles.IdleWriter, [.. idleTiming, .. zb]), true, Next()) { Strategy = options.Strategy });
        }

        if (Wants(Scenarios.Duplex) && !duplexPlanned)
        {
            cases.Add(DuplexRoundTrip.Case(options, Next(), timing));
        }

        if (Wants(Scenarios.Duplex) && options.LatencySizes.Contains(DuplexRoundTrip.LargeFrameSize))
        {
            cases.Add(DuplexRoundTrip.LargeCase(options, Next(), timing));
        }

        if (Wants(Scenarios.Upstream))
        {
            UpstreamRelay.AddCases(cases, options, Next);
        }

        if (Wants(Scenarios.FanOut))
        {
            foreach (int size in options.FanOutSizes)
            {
                foreach (int subscribers in FanOutPeers.SubscriberCounts)
                {
                    cases.Add(FanOutPeers.Case(options, subscribers, size, Next(), timing));
                }
            }
        }

        if (Wants(Scenarios.Nats))
        {
            cases.AddRange(NatsScenario.Plan(options, Next, timing));
        }

        return cases;
    }

    /// <summary>
    /// The async rows, each next to its blocking counterpart: back-to-back (default strategy), and at
    /// a fixed rate with the blocking strategy (every reply is then a wake-up: the latency the
    /// design costs an idle async reader) and the default one; then 100 idle async readers.
    /// </summary>
    private static void AddAsyncCases(List<BenchCase> cases, BenchOptions options, Func<string> next, string[] timing, bool syncBackToBackPlanned)
    {
        const int size = AsyncFrameSize;
        string[] ring = ["--ring-size", Format.Invariant(options.RingSize ?? PingPongRingSize(size))];
        double rate = options.Rate ?? DefaultRate(size);
        BenchCase Pair(string mode, string pacing, string strategy, string passive, string active) =>
            PingPong(WithStrategy($"latency/zerobuffer/{mode}/{pacing}/{size}", strategy), Transports.ZeroBuffer, mode, size,
                pacing == "fixed-rate" ? rate : 0, passive, active, passiveStopsItself: true, next(),
                [.. timing, .. ring, .. ZeroBufferArguments(options, strategy)]) with { Strategy = strategy };

        if (!syncBackToBackPlanned || options.Strategy != StrategyNames.Default)
        {
            cases.Add(Pair("copy", "back-to-back", StrategyNames.Default, PeerRoles.ZeroBufferEcho, PeerRoles.ZeroBufferPing));
        }

        cases.Add(Pair("async", "back-to-back", StrategyNames.Default, PeerRoles.AsyncEcho, PeerRoles.AsyncPing));
        PacedBaselines.AddBefore(cases, options, size, rate, next, timing);
        cases.Add(Pair("copy", "fixed-rate", StrategyNames.Blocking, PeerRoles.PacedEcho, PeerRoles.PacedPing));
        cases.Add(Pair("async", "fixed-rate", StrategyNames.Blocking, PeerRoles.AsyncEcho, PeerRoles.AsyncPing));
        cases.Add(Pair("async", "fixed-rate", StrategyNames.Default, PeerRoles.AsyncEcho, PeerRoles.AsyncPing));

        string[] idleTiming = ["--seconds", Format.Invariant(options.Seconds), "--warmup", Format.Invariant(IdleWarmUpSeconds(options))];
        string[] idle = ["--readers", Format.Invariant(IdleAsyncReaders), "--ring-size", "4096", .. ZeroBufferArguments(options, StrategyNames.Default)];
        cases.Add(new BenchCase($"idle/zerobuffer/async/{IdleAsyncReaders}-readers", CaseKind.Idle, Transports.ZeroBuffer, "async", null, 0, 0,
            new PeerSpec(PeerRoles.IdleAsyncReaders, idle), new PeerSpec(PeerRoles.IdleAsyncWriter, [.. idleTiming, .. idle]), true, next())
        {
            Strategy = StrategyNames.Default,
        });
    }

    internal static BenchCase PingPong(string id, string transport, string? mode, int size, double rate, string passiveRole, string activeRole,
        bool passiveStopsItself, string name, string[] arguments)
    {
        string[] common = size > 0 ? [.. arguments, "--size", Format.Invariant(size)] : arguments;
        return new BenchCase(id, CaseKind.Latency, transport, mode, rate > 0 ? "fixed-rate" : "back-to-back", size, rate,
            new PeerSpec(passiveRole, common),
            new PeerSpec(activeRole, rate > 0 ? [.. common, "--rate", Format.Invariant(rate)] : common),
            passiveStopsItself, name);
    }
}
