namespace ZeroBuffer.Bench;

/// <summary>
/// Upstream's relay benchmark as bench rows (scenario <c>upstream</c>, issue 18): 3,110,400 B frames
/// from a camera (<see cref="UpstreamRelaySender"/>) through a relay process (the ping-pong echo,
/// <c>zb-echo</c>: reader of one buffer, writer of the other, one copy per frame) and back, the
/// camera paced by a <see cref="PeriodicTimer"/> at 30, 60, 120 and 240 fps, the round trip
/// measured from the actual send. Two modes: <c>copy</c>, the way upstream's benchmark works
/// (write with a copy, copy the reply out, nothing prefaulted) and <c>zero-copy</c> (produce in
/// the ring, check the reply in place, every ring prefaulted). Rings of 256 MiB, as upstream's.
/// Rows <c>upstream-relay/MODE/FPSfps/3110400</c>, kind <c>relay</c>.
/// </summary>
internal static class UpstreamRelay
{
    /// <summary>One 1080p YUV 4:2:0 frame, upstream's benchmark frame (without its 16-byte timestamp header).</summary>
    internal const int FrameSize = 1920 * 1080 * 3 / 2;

    /// <summary>The rates of the rows (upstream's benchmark also runs 500 and 1000 fps, beyond a camera's).</summary>
    internal static readonly double[] FramesPerSecond = [30, 60, 120, 240];

    /// <summary>The rate of <c>--quick</c>: one, the fastest, so the rows take about a second each.</summary>
    internal const double QuickFramesPerSecond = 240;

    /// <summary>Ring size of both buffers: upstream's relay and benchmark use 256 MiB.</summary>
    internal const long RingSize = 256L << 20;

    /// <summary>Frames sent before measuring, as upstream's benchmark does (more than one lap of a 256 MiB ring: every page touched once).</summary>
    internal const int WarmUpFrames = 100;

    /// <summary>
    /// Frames per second of <c>--duration</c> in each row's window: every rate gets the same number
    /// of frames (600 at the default 2 s, so the window is 20 s at 30 fps and 2.5 s at 240 fps);
    /// upstream measures 1,000.
    /// </summary>
    internal const double FramesPerDurationSecond = 300;

    internal static string RowId(string mode, double framesPerSecond, string strategy) =>
        BenchPlan.WithStrategy($"upstream-relay/{mode}/{Format.Invariant(framesPerSecond)}fps/{FrameSize}", strategy);

    /// <summary>The rows: every rate (<c>--rate</c>: that one only; <c>--quick</c>: 240 fps), copy then zero-copy.</summary>
    internal static void AddCases(List<BenchCase> cases, BenchOptions options, Func<string> next)
    {
        double[] rates = options.Rate is double rate ? [rate] : options.Quick ? [QuickFramesPerSecond] : FramesPerSecond;
        foreach (double framesPerSecond in rates)
        {
            double window = FramesPerDurationSecond * options.Seconds / framesPerSecond;
            double warmUp = Math.Max(options.WarmUpSeconds, Math.Min(WarmUpFrames, FramesPerDurationSecond * options.Seconds) / framesPerSecond);
            foreach (string mode in new[] { "copy", "zero-copy" })
            {
                string[] common =
                [
                    "--size", Format.Invariant(FrameSize), "--ring-size", Format.Invariant(options.RingSize ?? RingSize),
                    .. BenchPlan.ZeroBufferArguments(options, options.Strategy), .. mode == "zero-copy" ? new[] { "--zero-copy" } : [],
                ];
                cases.Add(new BenchCase(RowId(mode, framesPerSecond, options.Strategy), CaseKind.Relay, Transports.ZeroBuffer, mode, "periodic", FrameSize,
                    framesPerSecond, new PeerSpec(PeerRoles.ZeroBufferEcho, common),
                    new PeerSpec(PeerRoles.RelaySender,
                        [.. common, "--rate", Format.Invariant(framesPerSecond), "--seconds", Format.Invariant(window), "--warmup", Format.Invariant(warmUp)]),
                    PassiveStopsItself: true, next())
                {
                    Strategy = options.Strategy,
                    WindowSeconds = window,
                    WarmUpSeconds = warmUp,
                });
            }
        }
    }
}
