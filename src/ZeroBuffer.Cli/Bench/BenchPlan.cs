namespace ZeroBuffer.Cli.Bench;

/// <summary>Turns <see cref="BenchOptions"/> into the ordered list of cases: baselines first, then ZeroBuffer.</summary>
internal static class BenchPlan
{
    /// <summary>Frame sizes of the full throughput run: 64 B … 8 MiB.</summary>
    internal static readonly int[] FullThroughputSizes = [64, 256, 1024, 4096, 16384, 65536, 262144, 1 << 20, 4 << 20, 8 << 20];

    /// <summary>Frame sizes of <c>--quick</c>.</summary>
    internal static readonly int[] QuickThroughputSizes = [64, 4096, 65536, 1 << 20];

    /// <summary>Ping-pong sizes: 64 B, 4 KiB, and a 1080p YUV 4:2:0 video frame (3.1 MB).</summary>
    internal static readonly int[] LatencySizes = [64, 4096, 1920 * 1080 * 3 / 2];

    internal const double FullSeconds = 2;
    internal const double QuickSeconds = 0.5;

    /// <summary>
    /// Ring size when not given: at least 4 MiB, and room for 4 frames, so neither side waits for
    /// the ring to wrap under one frame.
    /// </summary>
    internal static long DefaultRingSize(int frameSize) => Math.Max(4L << 20, (4L * (frameSize + 16) + 63) / 64 * 64);

    /// <summary>
    /// Fixed send rate when not given: well below what a round trip takes here (≈ 50 µs for small
    /// frames, ≈ 0.3 ms for 3.1 MB), so the queue is normally empty and the tail shows stalls,
    /// not overload: 2,000/s up to 64 KiB, 200/s above.
    /// </summary>
    internal static double DefaultRate(int frameSize) => frameSize <= 65536 ? 2000 : 200;

    internal static List<BenchCase> Build(BenchOptions options, string runName)
    {
        var cases = new List<BenchCase>();
        int counter = 0;
        string Next() => $"{runName}-{counter++}";
        string[] timing = ["--seconds", Format.Invariant(options.Seconds), "--warmup", Format.Invariant(options.WarmUpSeconds)];
        bool Wants(string scenario) => options.Scenarios.Contains(scenario);

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
                foreach (bool zeroCopy in new[] { true, false })
                {
                    string mode = zeroCopy ? "zero-copy" : "copy";
                    string[] common = ["--size", Format.Invariant(size), "--ring-size", Format.Invariant(options.RingSize ?? DefaultRingSize(size)),
                        .. zeroCopy ? new[] { "--zero-copy" } : []];
                    cases.Add(new BenchCase($"throughput/zerobuffer/{mode}/{size}", CaseKind.Throughput, Transports.ZeroBuffer, mode, null, size, 0,
                        new PeerSpec(PeerRoles.ZeroBufferReader, common),
                        new PeerSpec(PeerRoles.ZeroBufferWriter, [.. timing, .. common]), true, Next()));
                }
            }
        }

        if (Wants(Scenarios.Latency))
        {
            foreach (int size in options.LatencySizes)
            {
                string[] ring = ["--ring-size", Format.Invariant(options.RingSize ?? DefaultRingSize(size))];
                cases.Add(PingPong($"latency/zerobuffer/copy/back-to-back/{size}", Transports.ZeroBuffer, "copy", size, 0,
                    PeerRoles.ZeroBufferEcho, PeerRoles.ZeroBufferPing, passiveStopsItself: true, Next(), [.. timing, .. ring]));
                double rate = options.Rate ?? DefaultRate(size);
                cases.Add(PingPong($"latency/zerobuffer/copy/fixed-rate/{size}", Transports.ZeroBuffer, "copy", size, rate,
                    PeerRoles.ZeroBufferEcho, PeerRoles.ZeroBufferPing, passiveStopsItself: true, Next(), [.. timing, .. ring]));
            }
        }

        if (Wants(Scenarios.Idle))
        {
            cases.Add(new BenchCase("idle/zerobuffer", CaseKind.Idle, Transports.ZeroBuffer, null, null, 0, 0,
                new PeerSpec(PeerRoles.IdleReader, ["--ring-size", Format.Invariant(options.RingSize ?? DefaultRingSize(64))]),
                new PeerSpec(PeerRoles.IdleWriter, timing), true, Next()));
        }

        if (Wants(Scenarios.Duplex))
        {
            cases.AddRange(DuplexRoundTrip.Cases(options));
        }

        return cases;
    }

    private static BenchCase PingPong(string id, string transport, string? mode, int size, double rate, string passiveRole, string activeRole,
        bool passiveStopsItself, string name, string[] arguments)
    {
        string[] common = size > 0 ? [.. arguments, "--size", Format.Invariant(size)] : arguments;
        return new BenchCase(id, CaseKind.Latency, transport, mode, rate > 0 ? "fixed-rate" : "back-to-back", size, rate,
            new PeerSpec(passiveRole, common),
            new PeerSpec(activeRole, rate > 0 ? [.. common, "--rate", Format.Invariant(rate)] : common),
            passiveStopsItself, name);
    }
}
