using System.Diagnostics;
using System.Text.Json;
using ZeroBuffer.Bench;
using ZeroBuffer.Cli;

namespace ZeroBuffer.Tests.Bench;

/// <summary>
/// The paced figures' arithmetic on made-up samples and rows: the hop breakdown (percentiles, the
/// tail, wake paths) and its reading back, which baseline each round-trip row is divided by, and
/// the two paced target lines.
/// </summary>
public sealed class BenchPacedFiguresTests
{
    [Fact]
    public void HopRecorder_SummarisesEachHop_TheSlowestPercent_AndTheWakePaths()
    {
        var recorder = new HopRecorder(rate: 1000, seconds: 1);
        for (int i = 0; i < 100; i++)
        {
            // send lag 1, write 2, to the echo 10 + i, echo turnaround 2, back to the pinger 5, finish 1 µs: round trip 19 + i µs
            long woke = Ticks(11 + i);
            recorder.Record(0, Ticks(1), Ticks(3), woke, woke + Ticks(2), woke + Ticks(7), woke + Ticks(8),
                i < 50 ? WakePath.Spin : WakePath.Slept, i % 2 == 0 ? WakePath.Ready : WakePath.Slept);
        }

        PacedFigures figures = PacedFigures.From(Summary(recorder.WriteJson, new ProcessCounters(1, 0, 0, 7, 0, 3, 2).WriteJson), null)!;

        Assert.Equal(100, figures.Samples);
        Assert.Equal(59, figures.Hops["toEcho"].P50, 3); // the 50th of 10 … 109
        Assert.Equal(108, figures.Hops["toEcho"].P99, 3);
        Assert.Equal(109, figures.Hops["toEcho"].Max, 3);
        Assert.Equal(2, figures.Hops["write"].P99, 3);
        Assert.Equal(67, figures.FromSend!.P50, 3); // the round trip without the send lag: 18 … 117
        Assert.Equal(116, figures.FromSend.P99, 3);
        Assert.Equal(117, figures.TailFromMicroseconds, 3); // p99 of the sums 19 … 118
        Assert.Equal(2, figures.TailSamples);
        Assert.Equal(108.5, figures.TailMeans["toEcho"], 3);
        Assert.Equal(new WakeCounts(0, 50, 50), figures.Wakes["pinger"]);
        Assert.Equal(new WakeCounts(50, 0, 50), figures.Wakes["echo"]);
        Assert.Equal(new WakeCounts(0, 0, 2), figures.TailWakes["pinger"]);
        Assert.Equal(new ProcessCounters(1, 0, 0, 7, 0, 3, 2), figures.Counters["pinger"]);

        // Each wake-up hop by how the waking side's read ended: the echo found the even requests ready, slept for the odd ones.
        Assert.Equal(["ready", "slept"], figures.ByWakePath["toEcho"].Keys.Order(StringComparer.Ordinal));
        Assert.Equal(58, figures.ByWakePath["toEcho"]["ready"].P50, 3); // the 25th of 10, 12 … 108
        Assert.Equal(109, figures.ByWakePath["toEcho"]["slept"].Max, 3);
        Assert.Equal(5, figures.ByWakePath["toPinger"]["spin"].P99, 3);
    }

    /// <summary>A hop's percentile is ranked like the row's own (HdrHistogram's), so a hop is never above the round trip it is part of.</summary>
    [Theory]
    [InlineData(100)]
    [InlineData(380)] // p99 × n = 376.2: a rank rounded up would be one higher than HdrHistogram's
    [InlineData(401)]
    [InlineData(4001)]
    public void HopPercentiles_RankLikeHdrHistogram(int samples)
    {
        long[] sorted = [.. Enumerable.Range(1, samples).Select(i => i * 1000L)];
        var histogram = new HdrHistogram.LongHistogram(3_600_000_000_000L, 3);
        foreach (long value in sorted)
        {
            histogram.RecordValue(value);
        }

        foreach (double percentile in new[] { 50, 90, 99, 99.9, 100 })
        {
            long hdr = histogram.GetValueAtPercentile(percentile);
            long ours = HopRecorder.AtPercentile(sorted, percentile);
            Assert.True(Math.Abs(hdr - ours) <= ours / 1000, $"p{percentile} of {samples}: HdrHistogram {hdr}, hops {ours}"); // within its 3 digits
        }
    }

    [Fact]
    public void HopRecorder_UnknownWakePaths_AreLeftOut()
    {
        var recorder = new HopRecorder(rate: 10, seconds: 1);
        recorder.Record(0, 1, 2, 3, 4, 5, 6, WakePath.Unknown, WakePath.Unknown);
        PacedFigures figures = PacedFigures.From(Summary(recorder.WriteJson), null)!;
        Assert.Equal(1, figures.Samples);
        Assert.Empty(figures.Wakes);
        Assert.Empty(figures.Counters);
    }

    [Fact]
    public void Ratios_EachRoundTripRow_IsDividedByTheBaselineOfItsPacingAndRate()
    {
        BenchResult[] rows =
        [
            Row("latency/semaphore/back-to-back", Transports.Semaphore, 0, 0, p50: 10, p99: 20),
            Row("latency/semaphore/fixed-rate/2000hz", Transports.Semaphore, 0, 2000, p50: 40, p99: 100),
            Row("latency/semaphore/fixed-rate/200hz", Transports.Semaphore, 0, 200, p50: 50, p99: 200),
            Row("latency/unix-socket/copy/fixed-rate/64", Transports.UnixSocket, 64, 2000, p50: 20, p99: 300),
            Row("latency/zerobuffer/copy/back-to-back/64", Transports.ZeroBuffer, 64, 0, p50: 1, p99: 2),
            Row("latency/zerobuffer/copy/fixed-rate/64", Transports.ZeroBuffer, 64, 2000, p50: 30, p99: 150),
            Row("latency/zerobuffer/copy/fixed-rate/4096", Transports.ZeroBuffer, 4096, 500, p50: 30, p99: 150),
        ];

        Ratios.Compute(rows);

        Assert.Equal(0.1, rows[4].Ratios[Ratios.Semaphore]["p50"]!.Value, 6);
        Assert.Null(rows[4].Ratios[Ratios.UnixSocket]["p50"]); // no back-to-back socket row of 64 B
        Assert.Equal(0.75, rows[5].Ratios[Ratios.Semaphore]["p50"]!.Value, 6);
        Assert.Equal(1.5, rows[5].Ratios[Ratios.Semaphore]["p99"]!.Value, 6);
        Assert.Equal(0.5, rows[5].Ratios[Ratios.UnixSocket]["p99"]!.Value, 6);
        Assert.Null(rows[6].Ratios[Ratios.Semaphore]["p99"]); // nothing was paced at 500/s
    }

    [Theory]
    [InlineData(150, 1.5, true)]
    [InlineData(250, 2.5, false)]
    public void PacedTarget_SmallFrame_IsTheP99OverThePacedSemaphoreP99(double p99, double ratio, bool met)
    {
        BenchResult[] rows =
        [
            Row("latency/semaphore/fixed-rate/2000hz", Transports.Semaphore, 0, 2000, p50: 40, p99: 100),
            Row("latency/zerobuffer/copy/fixed-rate/64", Transports.ZeroBuffer, 64, 2000, p50: 30, p99: p99),
        ];

        TargetLine line = PacedTargets.SmallFrame(rows, StrategyNames.SpinThenBlock);

        Assert.Equal(p99, line.Measured);
        Assert.Equal(ratio, line.Ratio!.Value, 6);
        Assert.Equal("baseline", line.RatioOf);
        Assert.Equal(met, line.Met);
    }

    [Theory]
    [InlineData(400, true)]
    [InlineData(500, false)]
    public void PacedTarget_VideoFrame_IsTheP99AgainstOneAndAHalfFloorsPlusOnePacedCopy(double p99, bool met)
    {
        const int video = 3110400;
        const double bound = 1.5 * 100 + 311; // 461 µs: the floor's p99 × 1.5, plus the paced copy's p99
        BenchResult[] rows =
        [
            Row($"latency/memcpy/fixed-rate/{video}", Transports.Memcpy, video, 200, p50: 250, p99: 311),
            Row("latency/semaphore/fixed-rate/200hz", Transports.Semaphore, 0, 200, p50: 40, p99: 100),
            Row($"latency/zerobuffer/zero-copy/fixed-rate/{video}", Transports.ZeroBuffer, video, 200, p50: 300, p99: p99, mode: "zero-copy"),
        ];

        TargetLine line = PacedTargets.VideoFrameZeroCopy(rows, StrategyNames.SpinThenBlock);

        Assert.Equal(p99 / bound, line.Ratio!.Value, 6);
        Assert.Equal(met, line.Met);
        Assert.Contains("461", line.TargetText, StringComparison.Ordinal);
        Assert.Contains($"latency/memcpy/fixed-rate/{video}", line.TargetText, StringComparison.Ordinal);

        // The streaming GB/s is not the price of a paced copy: without the paced copy row the target is not judged.
        TargetLine withoutPacedCopy = PacedTargets.VideoFrameZeroCopy([StreamingMemcpy(gigabytesPerSecond: 10), .. rows[1..]], StrategyNames.SpinThenBlock);
        Assert.Null(withoutPacedCopy.Met);
        Assert.Equal(p99, withoutPacedCopy.Measured);
        Assert.EndsWith("(not measured)", withoutPacedCopy.TargetText, StringComparison.Ordinal);
    }

    [Fact]
    public void InPlaceAcknowledgement_AnswersOnlyTheRequestItWasWrittenFor()
    {
        byte[] request = new byte[3110400];
        request[0] = 7;
        request[^1] = 7;
        byte[] acknowledgement = new byte[InPlaceAcknowledgement.Size];
        InPlaceAcknowledgement.Write(request, acknowledgement);

        Assert.True(InPlaceAcknowledgement.Answers(acknowledgement, request.Length, marker: 7));
        Assert.False(InPlaceAcknowledgement.Answers(acknowledgement, request.Length, marker: 8)); // a stale reply
        Assert.False(InPlaceAcknowledgement.Answers(acknowledgement, request.Length - 1, marker: 7)); // another request's size
        request[^1] = 6; // torn: the last byte not yet written when the echo read it
        InPlaceAcknowledgement.Write(request, acknowledgement);
        Assert.False(InPlaceAcknowledgement.Answers(acknowledgement, request.Length, marker: 7));
        Assert.False(InPlaceAcknowledgement.Answers(acknowledgement.AsSpan(1), request.Length, marker: 7));
    }

    private static long Ticks(double microseconds) => (long)Math.Round(microseconds * Stopwatch.Frequency / 1e6);

    /// <summary>A peer summary holding what <paramref name="parts"/> write.</summary>
    private static JsonElement Summary(params Action<Utf8JsonWriter>[] parts)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            foreach (Action<Utf8JsonWriter> part in parts)
            {
                part(writer);
            }

            writer.WriteEndObject();
        }

        return JsonDocument.Parse(stream.ToArray()).RootElement.Clone();
    }

    private static BenchResult Row(string id, string transport, int size, double rate, double p50, double p99, string mode = "copy") =>
        new(new BenchCase(id, CaseKind.Latency, transport, transport == Transports.Semaphore ? null : mode, rate > 0 ? "fixed-rate" : "back-to-back",
            size, rate, null, new PeerSpec("x", []), true, "n") { Strategy = transport == Transports.ZeroBuffer ? StrategyNames.SpinThenBlock : null })
        {
            Latency = new LatencyFigures(p50, p50, p99, p99, p99),
        };

    private static BenchResult StreamingMemcpy(double gigabytesPerSecond) =>
        new(new BenchCase("bandwidth/memcpy", CaseKind.Bandwidth, Transports.Memcpy, null, null, 0, 0, null, new PeerSpec("x", []), true, "n"))
        {
            Id = "bandwidth/memcpy/streaming",
            Mode = "streaming",
            GigabytesPerSecond = gigabytesPerSecond,
        };
}
