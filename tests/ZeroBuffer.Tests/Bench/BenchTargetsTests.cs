using ZeroBuffer.Bench;
using ZeroBuffer.Cli;
using ZeroBuffer.Topics;

namespace ZeroBuffer.Tests.Bench;

/// <summary>The targets table's arithmetic on hand-made rows: which row each line reads, met / missed / not measured, and the ratios.</summary>
public sealed class BenchTargetsTests
{
    private static readonly BenchOptions Options = new(
        Quick: true, Scenarios: new HashSet<string>(Scenarios.All), ThroughputSizes: [64], LatencySizes: [64], Seconds: 0.5, Rate: null,
        RingSize: null, StreamBytes: 256L << 20, Custom: false);

    [Fact]
    public void Evaluate_ReadsTheRowsOfTheRun_AndJudgesEachTarget()
    {
        BenchResult[] rows =
        [
            StreamingMemcpy(gigabytesPerSecond: 10),
            Throughput("throughput/zerobuffer/zero-copy/64", "zero-copy", 64, framesPerSecond: 12e6, gigabytesPerSecond: 0.8),
            Throughput("throughput/zerobuffer/copy/4096", "copy", 4096, framesPerSecond: 1.5e6, gigabytesPerSecond: 6),
            Throughput("throughput/zerobuffer/copy/65536", "copy", 65536, framesPerSecond: 1e5, gigabytesPerSecond: 9),
            Throughput("throughput/zerobuffer/copy/1048576", "copy", 1 << 20, framesPerSecond: 1e4, gigabytesPerSecond: 20),
            Latency("latency/zerobuffer/copy/back-to-back/64", Transports.ZeroBuffer, StrategyNames.SpinThenBlock, p50: 2, p99: 60),
            Latency("latency/duplex/copy/back-to-back/64", Transports.Duplex, StrategyNames.SpinThenBlock, p50: 2.2, p99: 70),
        ];

        Dictionary<string, TargetLine> lines = Targets.Evaluate(rows, Options).ToDictionary(l => l.Figure);

        Assert.True(lines["64 B one-way, zero-copy, frames/s"].Met);
        Assert.Equal(1.2, lines["64 B one-way, zero-copy, frames/s"].Ratio!.Value, 6);
        Assert.False(lines["4 KiB one-way, copy, frames/s"].Met);
        Assert.Equal(0.5, lines["4 KiB one-way, copy, frames/s"].Ratio!.Value, 6);

        TargetLine memcpy = lines[">= 64 KiB one-way, copy, GB/s (worst size)"];
        Assert.Equal("throughput/zerobuffer/copy/65536", memcpy.Row); // the worst size counts
        Assert.Equal(0.9, memcpy.Ratio!.Value, 6);
        Assert.Equal("baseline", memcpy.RatioOf);
        Assert.False(memcpy.Met);

        Assert.True(lines["round trip 64 B, default strategy, p50"].Met);
        Assert.False(lines["round trip 64 B, default strategy, p99"].Met);

        TargetLine duplex = lines["duplex round trip 64 B, p50, vs raw two-buffer ping-pong"];
        Assert.Equal(1.1, duplex.Ratio!.Value, 6);
        Assert.True(duplex.Met);

        foreach (string absent in new[] { "round trip 64 B, busy-spin, p50", "round trip 3.1 MB, zero-copy, p50", "CPU of a reader waiting with no traffic" })
        {
            Assert.Null(lines[absent].Met);
            Assert.Null(lines[absent].Measured);
            Assert.Equal("not measured", lines[absent].Status);
        }

        TargetLine allocations = lines["allocated bytes per frame, each side (worst)"];
        Assert.Equal("latency/duplex/copy/back-to-back/64", allocations.Row);
        Assert.Equal("sides.echo.allocatedBytesPerFrame", allocations.Field);
        Assert.Equal(0.5, allocations.Measured);
        Assert.False(allocations.Met);
    }

    /// <summary>
    /// The small-frame ceiling (issue 18): the batching reader's 64 B zero-copy row against 20 M
    /// frames/s, its ratio to the busy-poll baseline's hand-overs (2 ÷ p50); without that baseline
    /// the line is still judged, with no ratio.
    /// </summary>
    [Theory]
    [InlineData(25e6, true)]
    [InlineData(15e6, false)]
    public void Evaluate_SmallFrameCeiling_AgainstTwentyMillion_WithTheBusyPollRatio(double framesPerSecond, bool met)
    {
        const string figure = "64 B one-way, zero-copy, reader batching releases, frames/s (ratio: × busy-poll hand-overs)";
        BenchResult batched = Throughput("throughput/zerobuffer/zero-copy-batched/64", "zero-copy-batched", 64, framesPerSecond, framesPerSecond * 64 / 1e9);
        BenchResult busyPoll = Latency("latency/busy-poll/back-to-back", Transports.BusyPoll, StrategyNames.SpinThenBlock, p50: 0.1, p99: 0.2);

        TargetLine line = Targets.Evaluate([batched, busyPoll], Options).Single(l => l.Figure == figure);
        Assert.Equal(met, line.Met);
        Assert.Equal(framesPerSecond / 20e6, line.Ratio!.Value, 6); // 0.1 µs round trip: 20 M hand-overs/s
        Assert.Equal("baseline", line.RatioOf);

        TargetLine alone = Targets.Evaluate([batched], Options).Single(l => l.Figure == figure);
        Assert.Equal(met, alone.Met);
        Assert.Null(alone.Ratio);
    }

    /// <summary>The fan-out line: mean publish ÷ (n × one streaming copy of 3.1 MB), the worst subscriber count; 64 B and drop-newest rows ignored.</summary>
    [Fact]
    public void Evaluate_FanOut_TheWorstSubscriberCountAgainstNStreamingCopies()
    {
        const int video = 3110400;
        double copy = video / 10e9 * 1e6; // µs of one streaming copy at 10 GB/s: 311.04
        BenchResult[] rows =
        [
            StreamingMemcpy(gigabytesPerSecond: 10),
            FanOut(1, video, meanMicroseconds: 0.5 * copy),
            FanOut(4, video, meanMicroseconds: 4 * 0.9 * copy),
            FanOut(8, video, meanMicroseconds: 8 * 0.7 * copy),
            FanOut(8, 64, meanMicroseconds: 100), // × 20,000 of its baseline: not this line's size
            FanOut(2, video, meanMicroseconds: 2 * 2 * copy, DeliveryPolicy.DropNewest), // its drops are copies not made: not judged
        ];
        Ratios.Compute(rows);

        TargetLine line = Targets.Evaluate(rows, Options).Single(l => l.Figure.StartsWith("fan-out 3.1 MB", StringComparison.Ordinal));
        Assert.Equal("fanout/zero-copy/4/3110400", line.Row);
        Assert.Equal(0.9, line.Ratio!.Value, 6);
        Assert.Equal(4 * 0.9 * copy, line.Measured!.Value, 6);
        Assert.Equal("baseline", line.RatioOf);
        Assert.Equal(1.0, Targets.FanOutFactor);
        Assert.True(line.Met); // 0.9 ≤ 1.0
        Assert.Equal(0.7, rows[3].Ratios[Ratios.MemcpyStreaming]["publishMicroseconds"]!.Value, 6);

        BenchResult[] slower = [StreamingMemcpy(gigabytesPerSecond: 10), FanOut(2, video, meanMicroseconds: 2 * 1.2 * copy)];
        Ratios.Compute(slower);
        TargetLine missed = Targets.Evaluate(slower, Options).Single(l => l.Figure.StartsWith("fan-out 3.1 MB", StringComparison.Ordinal));
        Assert.Equal(1.2, missed.Ratio!.Value, 6);
        Assert.False(missed.Met);

        TargetLine unmeasured = Targets.Evaluate([FanOut(2, video, meanMicroseconds: 100)], Options)
            .Single(l => l.Figure.StartsWith("fan-out 3.1 MB", StringComparison.Ordinal));
        Assert.Equal("not measured", unmeasured.Status); // no memcpy row, no baseline
    }

    private static BenchResult FanOut(int subscribers, int size, double meanMicroseconds, DeliveryPolicy policy = DeliveryPolicy.Block) =>
        new(new BenchCase(FanOutPeers.RowId(subscribers, size, StrategyNames.SpinThenBlock, policy), CaseKind.FanOut, Transports.Topic,
            "zero-copy", null, size, 0, null, new PeerSpec("x", []), true, "n") { Strategy = StrategyNames.SpinThenBlock, Subscribers = subscribers, Policy = policy })
        {
            Frames = 100,
            FanOut = new FanOutFigures(subscribers, TopicNames.PolicyName(policy), meanMicroseconds, new LatencyFigures(1, 1, 1, 1, 1), 10,
                [.. Enumerable.Range(0, subscribers).Select(i => new SubscriberFigures($"s{i}", 100, 0, 100))]),
            Sides = [new SideFigures("publisher", 50, 0), new SideFigures("subscribers", 5, 0)],
        };

    private static BenchResult StreamingMemcpy(double gigabytesPerSecond) =>
        new(new BenchCase("bandwidth/memcpy", CaseKind.Bandwidth, Transports.Memcpy, null, null, 0, 0, null, new PeerSpec("x", []), true, "n"))
        {
            Id = "bandwidth/memcpy/streaming",
            Mode = "streaming",
            GigabytesPerSecond = gigabytesPerSecond,
        };

    private static BenchResult Throughput(string id, string mode, int size, double framesPerSecond, double gigabytesPerSecond) =>
        new(new BenchCase(id, CaseKind.Throughput, Transports.ZeroBuffer, mode, null, size, 0, null, new PeerSpec("x", []), true, "n")
            { Strategy = StrategyNames.SpinThenBlock })
        {
            FramesPerSecond = framesPerSecond,
            GigabytesPerSecond = gigabytesPerSecond,
            Sides = [new SideFigures("writer", 50, 0), new SideFigures("reader", 50, 0)],
        };

    private static BenchResult Latency(string id, string transport, string strategy, double p50, double p99) =>
        new(new BenchCase(id, CaseKind.Latency, transport, "copy", "back-to-back", 64, 0, null, new PeerSpec("x", []), true, "n") { Strategy = strategy })
        {
            Latency = new LatencyFigures(p50, p50, p99, p99, p99),
            Sides = [new SideFigures("pinger", 50, 0), new SideFigures("echo", 50, transport == Transports.Duplex ? 0.5 : 0)],
        };
}
