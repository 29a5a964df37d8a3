using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Spectre.Console;
using ZeroBuffer.Topics;

namespace ZeroBuffer.Bench;

/// <summary>
/// The bench executable's root command: measures ZeroBuffer across processes (every measured
/// side is its own <c>peer</c> process) next to baselines from the same run, and reports a
/// table, JSON and optional PNG plots. Method: docs/performance.md.
/// </summary>
internal static class BenchCommand
{
    private const string Events = """
        Scenarios (--scenarios, comma-separated; default all):
          throughput  ZeroBuffer one-way, zero-copy and copy-in/copy-out, per frame size
          latency     ZeroBuffer ping-pong over two buffers (copy on every hop), back-to-back and at a fixed rate
                      (latency = reply time - intended send time: no coordinated omission); a zero-copy
                      back-to-back variant (request produced in place, reply checked in place; --quick: 3.1 MB only)
                      and, above 64 KiB, a zero-copy fixed-rate one (one copy per round trip: request produced in place,
                      read in place, a 48 B acknowledgement back); and always a busy-spin 64 B back-to-back row,
                      whatever --strategy says. Fixed-rate rows stamp every hop of every round trip ("hops")
          uds         Unix domain socket baseline: throughput and ping-pong, same sizes (fixed-rate too, at the rates
                      of the fixed-rate ZeroBuffer rows, when those run)
          semaphore   bare named-semaphore ping-pong baseline (fixed-rate too, at every rate of the fixed-rate rows,
                      hops stamped, when those run)
          busy-poll   ping-pong spinning on one shared cache line baseline
          memcpy      single-thread memcpy, hot (64 KiB) and streaming (>= 256 MiB)
          idle        CPU of a ZeroBuffer reader waiting with a connected writer and no traffic
          async       the async API, 64 B: back-to-back and fixed-rate round trips (ReadFrameAsync/WriteFrameAsync)
                      next to the blocking ones (fixed-rate @blocking: every reply a wake-up), and one process
                      with 100 idle async readers (CPU, and its "threads")
          duplex      duplex request/response round trip, 64 B, back-to-back (ratio to the raw ping-pong)
          upstream    upstream's relay benchmark: 3,110,400 B frames through a relay process (zb-echo) and back, paced by a
                      PeriodicTimer at 30, 60, 120, 240 fps (--rate: that one; --quick: 240), 256 MiB rings, round trip from the
                      actual send, every reply matched to its send by sequence; "copy" (like upstream) and "zero-copy" (prefaulted)
          fanout      one topic publisher, 1, 2, 4 and 8 subscribers (Block unless --fanout-policy), 64 B and 3.1 MB
                      (--quick: 3.1 MB only): zero-copy publishes back-to-back, each frame filled once; the time of one
                      publish against n streaming copies of the frame, and each subscriber's deliveries and drops
          nats        (only when asked for) the NATS bridge (issue 17) through a nats-server the bench starts (PATH or
                      /usr/sbin; a free loopback port, default max_payload, JetStream in memory; stopped at the end): bare NATS
                      (a NATS.Net publisher -> server -> a NATS.Net subscriber) next to the bridge, buffer to buffer (writer ->
                      buffer -> NatsExporter -> server -> NatsImporter -> buffer -> reader), 64 B, 4 KiB and 3.1 MB (chunked
                      alike on both paths), core and JetStream (--nats-modes): one-way throughput at full speed, and one-way
                      latency at a fixed rate (1,000/s, 25/s for 3.1 MB); the bridged row's ratio to the bare one. Without
                      nats-server its rows say "not run" and why
        Row ids of ZeroBuffer rows measured with a strategy other than spin-then-block end in "@STRATEGY"
        (e.g. latency/zerobuffer/copy/back-to-back/64@busy-spin); the row's "strategy" field says it either way.
        Fan-out rows with a policy other than block end in "@POLICY" too (fanout/zero-copy/8/64@drop-newest).
        --json: JSON lines, each with an "event" property:
          {"event":"started","name":"zb-bench-..","cases":N,"quick":Q,"seconds":S,"scenarios":[..],
           "strategy":"spin-then-block","batchReleases":false,"prefault":false}
                                    (every OS resource of the run has a name starting with "name")
          {"event":"result", ...one row...}                              as each case finishes (each run)
          {"event":"summary","seconds":S,"processors":P,"loadAverage":L,"runtime":"..","os":"..",
           "strategy":"..","batchReleases":B,"prefault":B,"results":[ ...every row... ],"failed":F,
           "targets":[{"figure":"..","row":"id","field":"..","status":"met|missed|not measured","measured":V,"min":V,"max":V,
                       "comparison":">=|<=","target":T,"unit":"..","ratio":R,"ratioOf":"target|baseline","met":B}],
           "noise":{"verdict":"quiet|noisy|too noisy to trust","text":"..","loadAverageStart":"..","loadAverageEnd":"..","processors":P,
                    "stealPercent":S,"othersCpuPercent":O,"probe":{"scope":"paced cases|whole run","seconds","wakes","stallsOver1ms",
                    "stallsOver2ms","stallsOver2msPerMinute","worstMilliseconds","stallSharePercent","periodMilliseconds","periodicShare"},
                    "probeWholeRun":{..}}}
        A row: {"id":"throughput/zerobuffer/copy/4096","kind":"throughput|latency|bandwidth|idle|fanout|relay",
          "transport":"zerobuffer|duplex|topic|unix-socket|semaphore|busy-poll|memcpy","mode":"zero-copy|copy|hot|streaming|null",
          "strategy":"blocking|spin-then-block|busy-spin" (ZeroBuffer, duplex and fan-out rows only),
          "pacing":"back-to-back|fixed-rate|periodic|null","frameSize":B,"rate":R (fixed-rate and relay only),"frames":F,"seconds":S,
          "framesPerSecond":..,"gigabytesPerSecond":..,"samples":N,"latencyMicroseconds":{"p50","p90","p99","p999","max"},
          "sendLagMicroseconds":{same percentiles} (fixed-rate only: actual - intended send time; the pacer's own lateness shows here),
          "runs":N,"spread":{"framesPerSecond"|"gigabytesPerSecond"|"p50"..|"max":{"min","max"}} (only with --runs > 1),
          paced rows: "hops":{"samples","microseconds":{HOP:{"p50".."max"}},"fromSendMicroseconds":{..} (without the send lag),
            "byWakePath":{"toEcho"|"toPinger":{"ready"|"spin"|"slept":{"p50".."max"}}} (the hop over the round trips whose waking read ended so),
            "tail":{"fromMicroseconds","samples","meanMicroseconds":{HOP},
            "wakes":{..}},"wakes":{"pinger"|"echo":{"ready","spin","slept"}}} (HOP: sendLag write toEcho echoTurnaround toPinger finish),
            "counters":{"pinger"|"echo":{"gen0","gen1","gen2","minorFaults","majorFaults","voluntarySwitches","involuntarySwitches"}},
          relay rows (kind "relay", pacing "periodic", rate = fps): "relay":{"targetRate","sent","matched","achievedRate","lateReplies","maxInFlight"},
          every row: "probeStalls":{"over1ms","over2ms","worstMilliseconds"} (the idle probe during the measured window),
          fan-out rows: "subscribers":N,"policy":"block|drop-newest|latest-only","publishSamples":N,
            "publishMicroseconds":{"mean","p50","p90","p99","p999","max"} (mean = window / publishes; percentiles: one timed publish per batch),
            "perSubscriber":[{"id","delivered","dropped","read","bytes"}] (delivered + dropped = frames; read = the subscriber's own count),
            "framesPerSecond" = publishes/s, "gigabytesPerSecond" = bytes delivered to all subscribers per second,
          "sides":{"writer"|"reader"|"pinger"|"echo"|"copier"|"publisher"|"subscribers":{"cpuPercent":..,"allocatedBytesPerFrame":..}},
          nats rows ("kind":"nats", "transport":"nats|nats-bridge", "mode":"core|jetstream", "pacing":"fixed-rate" for latency):
            "nats":{"path":"bare|bridge","mode","measure":"throughput|latency","maxPayload","chunkSize","chunks","chunking",
                    "sent","lost" (sent - received in the window),"bridgeLost" (the importer's count)},
            latency rows: "latencyMicroseconds" is one-way (send time to the whole frame received), "sendLagMicroseconds" the sender's,
            sides "sender" and "receiver" (whole processes), "ratios":{"bareNats":{"framesPerSecond","gigabytesPerSecond"} or {"p50",..,"max"}}
          "ratios":{"unixSocket":{"framesPerSecond"},"memcpyStreaming":{"gigabytesPerSecond"}}            (ZeroBuffer throughput)
                  {"semaphore":{"p50",..,"max"},"unixSocket":{..},"busyPoll":{..}}  (ZeroBuffer latency; same pacing and rate)
                  {...,"rawPingPong":{"p50",..,"max"}}     (duplex: ÷ latency/zerobuffer/copy/back-to-back/64, same strategy)
                  {"memcpyStreaming":{"publishMicroseconds"}}        (fan-out: mean publish ÷ n × streaming memcpy of one frame)
          or "error":"..." instead of the figures when the case failed}

        Examples (from the repository root; or run bench/ZeroBuffer.Bench/bin/Release/net10.0/ZeroBuffer.Bench):
          dotnet run -c Release --project bench/ZeroBuffer.Bench -- --quick
          dotnet run -c Release --project bench/ZeroBuffer.Bench -- --scenarios throughput,latency --sizes 4K,1M --json --plots ./plots

        """;

    internal static CommandSpec Create(GlobalOptions global)
    {
        var quick = new Option<bool>("--quick") { Description = "Short run: 64 B, 4 KiB, 64 KiB, 1 MiB throughput; fan-out at 3.1 MB only; upstream relay at 240 fps only; every target row; 0.5 s per case (about a minute in all)." };
        var plots = new Option<string?>("--plots") { Description = "Write PNG plots into this directory." };
        var scenarios = new Option<string?>("--scenarios") { Description = $"Comma-separated subset of: {string.Join(",", Scenarios.All)}." };
        var sizes = new Option<string?>("--sizes") { Description = "Comma-separated frame sizes for throughput, ping-pong and fan-out (e.g. 64,4K,1M)." };
        var duration = new Option<double?>("--duration") { Description = "Measured seconds per case (default 2, --quick 0.5)." };
        duration.Check(value => value is double d && !(d > 0 && d <= 600) ? $"--duration must be in (0, 600] (got {d})." : null);
        var rate = new Option<double?>("--rate")
        {
            Description = "Round trips per second of the fixed-rate ping-pong (default 2000/s up to 64 KiB, 200/s above), and the one rate of the upstream relay rows (default 30, 60, 120, 240 fps).",
        };
        rate.Check(value => value is double r && !(r > 0 && r <= PeerCommand.MaxRate) ? $"--rate must be in (0, {PeerCommand.MaxRate}] (got {r})." : null);
        var ringSize = new Option<long?>("--ring-size") { Description = "Ring size of every buffer (default: max(4 MiB, 4 frames) one-way, 2 frames for frames of 4 MiB and more; max(64 KiB, 2 frames) ping-pong)." }.Sized();
        var runs = new Option<int>("--runs") { Description = "Run every case this many times; figures are medians, with min-max in the JSON \"spread\".", DefaultValueFactory = _ => 1 };
        runs.Check(value => value is < 1 or > 100 ? $"--runs must be in [1, 100] (got {value})." : null);
        var streamBytes = new Option<long>("--stream-bytes") { Description = "Size of each streaming-memcpy buffer (at least 256 MiB: smaller ones may stay in cache).", DefaultValueFactory = _ => 256L << 20 }
            .Sized().AtLeast(256L << 20);
        var strategy = new Option<string>("--strategy")
        {
            Description = "Wait strategy of every ZeroBuffer reader and writer (the busy-spin 64 B round trip is measured whatever this says).",
            DefaultValueFactory = _ => StrategyNames.Default,
        };
        strategy.AcceptOnlyFromAmong(StrategyNames.All);
        var batchReleases = new Option<bool>("--batch-releases") { Description = "Throughput readers publish freed space in batches (Reader.BatchReleases)." };
        var prefault = new Option<bool>("--prefault") { Description = "Every ZeroBuffer peer prefaults its rings after creating or connecting." };
        var fanOutPolicy = new Option<string>("--fanout-policy")
        {
            Description = "Delivery policy of the fan-out subscribers (block: each gets every frame; drop-newest: the publisher never waits, a full ring misses the frame).",
            DefaultValueFactory = _ => TopicNames.PolicyName(DeliveryPolicy.Block),
        };
        fanOutPolicy.AcceptOnlyFromAmong(FanOutPeers.PolicyNames);
        var natsModes = new Option<string?>("--nats-modes") { Description = $"Comma-separated NATS modes of the nats scenario: {string.Join(",", NatsScenario.Modes)} (default both)." };
        var command = new Command(ProgramName, "Measure ZeroBuffer's throughput and latency across processes, next to baselines (Unix socket, semaphore, busy-poll, memcpy).")
        {
            quick, plots, scenarios, sizes, duration, rate, ringSize, streamBytes, runs, strategy, batchReleases, prefault, fanOutPolicy,
            natsModes,
        };
        command.SetAction(parse => global.Run(parse, (output, stop) =>
        {
            BenchOptions options = Parse(parse.GetValue(quick), parse.GetValue(scenarios), parse.GetValue(sizes), parse.GetValue(duration),
                parse.GetValue(rate), parse.GetValue(ringSize), parse.GetValue(streamBytes)) with
            {
                Strategy = parse.GetValue(strategy) ?? StrategyNames.Default,
                BatchReleases = parse.GetValue(batchReleases),
                Prefault = parse.GetValue(prefault),
                FanOutPolicy = FanOutPeers.ParsePolicy(parse.GetValue(fanOutPolicy)),
                NatsModes = ParseNatsModes(parse.GetValue(natsModes)),
            };
            return Execute(output, stop, options, parse.GetValue(plots), parse.GetValue(runs));
        }));
        return new CommandSpec(command, Events, ExitCodeTable.Standard("success: every case ran")
            .With(ExitCodes.Unexpected, "a case failed (its row has an \"error\"), or an unexpected error")
            .Interrupted("Ctrl+C or SIGTERM (the running case's peers stop and their resources are removed)"));
    }

    /// <summary>The program's name in usage lines (its own, not the tool's).</summary>
    internal const string ProgramName = "ZeroBuffer.Bench";

    private static BenchOptions Parse(bool quick, string? scenarios, string? sizes, double? duration, double? rate, long? ringSize, long streamBytes)
    {
        HashSet<string> chosen = scenarios is null
            ? [.. Scenarios.Default]
            : [.. scenarios.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
        foreach (string name in chosen.Where(n => !Scenarios.All.Contains(n)))
        {
            throw new UsageException($"unknown scenario '{name}'; known: {string.Join(", ", Scenarios.All)}");
        }

        List<int>? sizeList = null;
        if (sizes is not null)
        {
            sizeList = [];
            foreach (string text in sizes.Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!ByteSize.TryParseFrameSize(text, out int size) || size < ControlFrames.MinimumDataSize || size > 64 << 20)
                {
                    throw new UsageException($"--sizes: '{text}' is not a size from {ControlFrames.MinimumDataSize} B to 64 MiB");
                }

                sizeList.Add(size);
            }
        }

        double seconds = duration ?? (quick ? BenchPlan.QuickSeconds : BenchPlan.FullSeconds);

        IReadOnlyList<int> throughputSizes = (IReadOnlyList<int>?)sizeList ?? (quick ? BenchPlan.QuickThroughputSizes : BenchPlan.FullThroughputSizes);
        IReadOnlyList<int> latencySizes = (IReadOnlyList<int>?)sizeList ?? BenchPlan.LatencySizes;
        IReadOnlyList<int> fanOutSizes = (IReadOnlyList<int>?)sizeList ?? (quick ? [FanOutPeers.VideoFrame] : FanOutPeers.Sizes);
        if (ringSize is long ring && throughputSizes.Concat(latencySizes).Concat(chosen.Contains(Scenarios.FanOut) ? fanOutSizes : []).Any(s => 2 * (s + 16L) > ring))
        {
            throw new UsageException($"--ring-size {ring} is too small: every frame size needs a ring of at least 2 × (size + 16).");
        }

        return new BenchOptions(quick, chosen, throughputSizes, latencySizes, seconds, rate, ringSize, streamBytes,
            Custom: scenarios is not null || sizes is not null) { FanOutSizes = fanOutSizes, NatsSizes = (IReadOnlyList<int>?)sizeList ?? NatsScenario.Sizes };
    }

    private static string[] ParseNatsModes(string? modes)
    {
        if (modes is null)
        {
            return NatsScenario.Modes;
        }

        string[] chosen = [.. modes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct()];
        foreach (string mode in chosen.Where(m => !NatsScenario.Modes.Contains(m)))
        {
            throw new UsageException($"--nats-modes: unknown mode '{mode}'; known: {string.Join(", ", NatsScenario.Modes)}");
        }

        return chosen.Length > 0 ? chosen : throw new UsageException("--nats-modes: no mode given");
    }

    private static int Execute(Output output, Interruption stop, BenchOptions options, string? plotDirectory, int runCount)
    {
        string runName = $"zb-bench-{Environment.ProcessId}-{Guid.NewGuid():N}"[..28];
        // The nats scenario's server lives for the whole run; disposed (killed, its store removed) however the run ends.
        using NatsBenchServer? nats = options.Scenarios.Contains(Scenarios.Nats) ? NatsBenchServer.Start(runName, stop.Token) : null;
        options = options with { Nats = nats };
        List<BenchCase> plan = BenchPlan.Build(options, runName);
        // Repeated runs go round-robin (all cases, then all again), so a slow drift of the machine spreads over every row.
        List<(BenchCase Case, int Run)> cases = [.. Enumerable.Range(0, runCount).SelectMany(run => plan.Select(c => (c, run)))];
        var perRun = Enumerable.Range(0, runCount).Select(_ => new List<BenchResult>()).ToList();
        var clock = Stopwatch.StartNew();
        using var noise = new NoiseMonitor();
        output.Emit(new BenchStartedEvent(runName, plan.Count, runCount, options.Quick, options.Seconds, [.. options.Scenarios.Order(StringComparer.Ordinal)],
            options.Strategy, options.BatchReleases, options.Prefault));
        // On a terminal a progress line redrawn in place; otherwise a line per case on stderr (and, with --json, the result events).
        bool redrawn = output.CanRedraw;
        output.Live(new Text(""), update =>
        {
            for (int i = 0; i < cases.Count; i++)
            {
                string progress = $"[{i + 1}/{cases.Count}] {cases[i].Case.Describe()}";
                if (redrawn)
                {
                    update(() => new Markup($"[bold]bench[/] {Markup.Escape(progress)}  [grey]{clock.Elapsed.TotalSeconds:0} s[/]"));
                }
                else
                {
                    output.Progress("bench: " + progress);
                }

                noise.CaseStarted();
                IReadOnlyList<BenchResult> rows = BenchRunner.Run(output, cases[i].Case, options, stop);
                Disturbance disturbance = noise.CaseEnded(cases[i].Case, rows.Count > 0 ? rows[0].Window : null);
                perRun[cases[i].Run].AddRange(rows);
                foreach (BenchResult row in rows)
                {
                    row.Disturbance = disturbance;
                    output.Emit(new BenchResultEvent(row));
                }
            }
        }, redrawOnly: true);

        List<BenchResult> results = runCount == 1 ? perRun[0] : RunAggregation.Median(perRun);
        Ratios.Compute(results);
        IReadOnlyList<TargetLine> targets = Targets.Evaluate(results, options);
        IReadOnlyList<string> plotFiles = plotDirectory is null ? [] : BenchPlots.Write(plotDirectory, results);
        int failed = results.Count(r => r.Error is not null);
        NoiseReport noiseReport = noise.Finish();
        output.Emit(new BenchSummaryEvent(Math.Round(clock.Elapsed.TotalSeconds, 3), Environment.ProcessorCount, NoiseMonitor.ReadLoadAverage(),
            RuntimeInformation.FrameworkDescription, RuntimeInformation.OSDescription, options.Strategy, options.BatchReleases, options.Prefault,
            results, failed, targets) { Noise = noiseReport });
        output.Show(console =>
        {
            BenchTable.Write(console, results, options);
            Targets.WriteTable(console, targets);
            noiseReport.Write(console);
            console.MarkupLine($"[grey]{cases.Count} cases in {clock.Elapsed.TotalSeconds:0.0} s; load average {Markup.Escape(NoiseMonitor.ReadLoadAverage())}[/]");
            if (nats is not null)
            {
                console.MarkupLine($"[grey]{Markup.Escape(nats.Url is null ? $"NATS rows not run: {nats.NotRunReason}" : $"NATS: {nats.Version ?? "nats-server"} at {nats.Url}, default max_payload")}[/]");
            }

            foreach (string file in plotFiles)
            {
                console.MarkupLine($"plot: {Markup.Escape(file)}");
            }
        });

        return failed == 0 ? ExitCodes.Success : ExitCodes.Unexpected;
    }
}
