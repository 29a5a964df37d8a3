using ZeroBuffer.Bench;

namespace ZeroBuffer.Tests.Bench;

/// <summary>The noise verdict's thresholds and the stall-period finder, on made-up inputs.</summary>
public sealed class BenchNoiseTests
{
    [Fact]
    public void Judge_QuietMachine_IsQuiet()
    {
        (string verdict, string text) = NoiseVerdict.Judge(0.2, 1.5, Probe(stallsOver2: 2, worst: 3, share: 0.01));
        Assert.Equal(NoiseVerdict.Quiet, verdict);
        Assert.Equal(NoiseVerdict.Quiet, text);
    }

    [Theory]
    [InlineData(4.0, 1.0, 0, 1.0, "steal 4.00 %")]
    [InlineData(0.1, 12.0, 0, 1.0, "other processes 12.0 % of the CPU")]
    [InlineData(0.1, 1.0, 120, 8.0, "120 stalls > 2 ms")] // 12 a minute over the 10 minutes
    [InlineData(0.1, 1.0, 1, 13.0, "worst 13.0 ms")] // one stall, longer than 10 ms
    public void Judge_OneDisturbancePastTheQuietLine_IsNoisyAndSaysWhich(double steal, double others, int stallsOver2, double worst, string named)
    {
        (string verdict, string text) = NoiseVerdict.Judge(steal, others, Probe(stallsOver2, worst, share: 0.5));
        Assert.Equal(NoiseVerdict.Noisy, verdict);
        Assert.StartsWith("noisy: ", text, StringComparison.Ordinal);
        Assert.Contains(named, text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(12.0, 1.0, 0.1)]
    [InlineData(0.1, 30.0, 0.1)]
    [InlineData(0.1, 1.0, 2.5)]
    public void Judge_PastATooNoisyLine_IsTooNoisyToTrust(double steal, double others, double share)
    {
        (string verdict, string text) = NoiseVerdict.Judge(steal, others, Probe(stallsOver2: 5, worst: 4, share: share));
        Assert.Equal(NoiseVerdict.TooNoisy, verdict);
        Assert.StartsWith("too noisy to trust: ", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Judge_WithoutProcStat_SaysWhatIsUnknown()
    {
        (string verdict, string text) = NoiseVerdict.Judge(null, null, Probe(stallsOver2: 0, worst: 0, share: 0));
        Assert.Equal(NoiseVerdict.Quiet, verdict);
        Assert.Contains("unknown", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.5, 0.01, 0.5)]
    [InlineData(0.25, 0.01, 0.5)] // not taken for its multiples 0.5, 0.75 …
    [InlineData(0.1, 0.01, 0.5)]
    [InlineData(1.2, 0.01, 0.5)]
    [InlineData(2.0, 0.01, 0.5)]
    [InlineData(0.5, 0.03, 1.0)] // ±15 ms of jitter, as many random stalls as regular ones
    [InlineData(0.5, 0.01, 2.0)] // twice as many random ones
    public void StallPeriod_RegularStallsAmongRandomOnes_FindsThePeriod(double period, double jitter, double randomPerRegular)
    {
        var random = new Random(18);
        var times = new List<double>();
        for (double t = 0.1; t < 120; t += period)
        {
            times.Add(t + (random.NextDouble() - 0.5) * jitter);
        }

        int regular = times.Count;
        times.AddRange(Enumerable.Range(0, (int)(regular * randomPerRegular)).Select(_ => random.NextDouble() * 120));
        times.Sort();

        (double Seconds, double Share)? found = StallPeriod.Find(times);

        Assert.NotNull(found);
        Assert.InRange(found.Value.Seconds, period - 0.02, period + 0.02);
        Assert.InRange(found.Value.Share, 0.05, 1);
    }

    [Theory]
    [InlineData(400, 120)]
    [InlineData(3000, 60)] // 50 a second
    [InlineData(40, 600)]
    public void StallPeriod_RandomStalls_HaveNoPeriod(int stalls, double seconds)
    {
        for (int seed = 0; seed < 10; seed++)
        {
            var random = new Random(seed);
            List<double> times = [.. Enumerable.Range(0, stalls).Select(_ => random.NextDouble() * seconds).Order()];
            Assert.Null(StallPeriod.Find(times));
        }
    }

    [Fact]
    public void StallPeriod_TooFewStalls_HaveNoPeriod() => Assert.Null(StallPeriod.Find([0.5, 1.0, 1.5, 2.0]));

    private static ProbeFigures Probe(int stallsOver2, double worst, double share) =>
        new("paced cases", 600, 600_000, stallsOver2 * 2, stallsOver2, worst, share, null, null);
}
