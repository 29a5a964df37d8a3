using System.Diagnostics;
using ZeroBuffer.Tests.Infrastructure;
using ZeroBuffer.Waiting;

namespace ZeroBuffer.Tests.Waiting;

/// <summary>
/// Spin-then-block learns from an endpoint's waits: after four polled waits in a row longer than
/// the budget it sleeps at once, probing now and then; the first wait within the budget brings
/// spinning back. The waits' lengths are given as timestamps, so nothing here depends on the
/// machine's speed.
/// </summary>
public sealed class SpinHistoryTests
{
    private static readonly SpinThenBlockWaitStrategy Budget50Microseconds = new(TimeSpan.FromMicroseconds(50));
    private static readonly long Start = Stopwatch.GetTimestamp();

    private static long After(double microseconds) => Start + (long)(microseconds * Stopwatch.Frequency / 1e6);

    [Fact]
    public void FourLongWaitsInARowStopTheSpinningAndOneShortWaitBringsItBack()
    {
        var history = new SpinHistory();
        for (int i = 0; i < SpinHistory.LongWaitsBeforeSkipping; i++)
        {
            Assert.True(history.ShouldPoll(Budget50Microseconds), $"still spinning after {i} long waits");
            history.Record(Budget50Microseconds, Start, After(500));
        }

        Assert.False(history.ShouldPoll(Budget50Microseconds));
        Assert.True(history.SkipsSpinning);

        history.Record(Budget50Microseconds, Start, After(500)); // more long waits change nothing
        Assert.False(history.ShouldPoll(Budget50Microseconds));

        history.Record(Budget50Microseconds, Start, After(30)); // a wait a spin would have caught
        Assert.True(history.ShouldPoll(Budget50Microseconds));
        Assert.False(history.SkipsSpinning);
    }

    /// <summary>Skips the spinning: four polled waits, each longer than the budget.</summary>
    private static SpinHistory Skipping()
    {
        var history = new SpinHistory();
        for (int i = 0; i < SpinHistory.LongWaitsBeforeSkipping; i++)
        {
            Assert.True(history.ShouldPoll(Budget50Microseconds));
            history.Record(Budget50Microseconds, Start, After(500));
        }

        Assert.True(history.SkipsSpinning);
        return history;
    }

    /// <summary>
    /// A slept wait's length includes the kernel's wake-up, so a long one proves nothing and does not
    /// keep the endpoint sleeping: probes (polled waits) come after 8, 16, 32 … 256 skipped waits,
    /// and a probe that ends within the budget brings spinning back.
    /// </summary>
    [Fact]
    public void WhileSkippingProbesComeAtDoublingSpacingsUpTo256AndAShortProbeEndsTheSkipping()
    {
        SpinHistory history = Skipping();
        var polledAt = new List<int>();
        for (int wait = 1; wait <= 8 + 16 + 32 + 64 + 128 + 256 + 256; wait++)
        {
            if (history.ShouldPoll(Budget50Microseconds))
            {
                polledAt.Add(wait);
            }

            history.Record(Budget50Microseconds, Start, After(5_000)); // every wait, probe or not, long
        }

        Assert.Equal([8, 24, 56, 120, 248, 504, 760], polledAt);
        Assert.True(history.SkipsSpinning);

        for (int wait = 1; wait < 256; wait++)
        {
            Assert.False(history.ShouldPoll(Budget50Microseconds));
        }

        Assert.True(history.ShouldPoll(Budget50Microseconds)); // a probe …
        history.Record(Budget50Microseconds, Start, After(2)); // … that a spin caught
        Assert.False(history.SkipsSpinning);
        Assert.True(history.ShouldPoll(Budget50Microseconds));
    }

    [Fact]
    public void ASleptWaitWithinTheBudgetEndsTheSkippingAndTheProbesStartAgainAt8()
    {
        SpinHistory history = Skipping();
        Assert.False(history.ShouldPoll(Budget50Microseconds));
        history.Record(Budget50Microseconds, Start, After(40)); // woken within the budget: a spin would have caught it
        Assert.False(history.SkipsSpinning);

        history = Skipping();
        for (int wait = 1; wait <= 8 + 16; wait++)
        {
            history.ShouldPoll(Budget50Microseconds);
            history.Record(Budget50Microseconds, Start, After(5_000));
        }

        history.ShouldPoll(Budget50Microseconds);
        history.Record(Budget50Microseconds, Start, After(10)); // back to spinning …
        for (int i = 0; i < SpinHistory.LongWaitsBeforeSkipping; i++)
        {
            Assert.True(history.ShouldPoll(Budget50Microseconds));
            history.Record(Budget50Microseconds, Start, After(500)); // … and to skipping
        }

        int firstProbe = Enumerable.Range(1, 300).First(_ => history.ShouldPoll(Budget50Microseconds));
        Assert.Equal(SpinHistory.FirstProbeAfter, firstProbe);
    }

    [Fact]
    public void AShortWaitBetweenLongOnesStartsTheCountAgain()
    {
        var history = new SpinHistory();
        for (int i = 0; i < SpinHistory.LongWaitsBeforeSkipping - 1; i++)
        {
            history.Record(Budget50Microseconds, Start, After(500));
        }

        history.Record(Budget50Microseconds, Start, After(50)); // exactly the budget counts as caught
        for (int i = 0; i < SpinHistory.LongWaitsBeforeSkipping - 1; i++)
        {
            history.Record(Budget50Microseconds, Start, After(500));
        }

        Assert.True(history.ShouldPoll(Budget50Microseconds));
    }

    [Fact]
    public void OtherStrategiesAlwaysPollAsTheySay()
    {
        foreach (WaitStrategy strategy in new[] { WaitStrategy.Blocking, WaitStrategy.BusySpin })
        {
            var history = new SpinHistory();
            for (int i = 0; i < 10; i++)
            {
                history.Record(strategy, Start, After(1_000_000));
            }

            Assert.True(history.ShouldPoll(strategy));
            Assert.False(history.SkipsSpinning);
        }
    }

    [Fact]
    public void OnlyStrategiesWithAnAdaptiveBudgetLearnAndAWrapperLearnsThroughTheOneItWraps()
    {
        Assert.Equal(TimeSpan.FromMicroseconds(50), Budget50Microseconds.AdaptiveSpinBudget);
        Assert.Null(WaitStrategy.Blocking.AdaptiveSpinBudget);
        Assert.Null(WaitStrategy.BusySpin.AdaptiveSpinBudget);

        foreach ((WaitStrategy strategy, bool learns) in new (WaitStrategy, bool)[]
                 {
                     (new Forwarding(Budget50Microseconds), true),
                     (new Opaque(Budget50Microseconds), false),
                 })
        {
            var history = new SpinHistory();
            for (int i = 0; i < SpinHistory.LongWaitsBeforeSkipping; i++)
            {
                Assert.True(history.ShouldPoll(strategy));
                history.Record(strategy, Start, After(500));
            }

            Assert.Equal(learns, history.SkipsSpinning);
            Assert.Equal(!learns, history.ShouldPoll(strategy));
        }
    }

    /// <summary>Observes another strategy's waits and says so: the endpoint keeps learning.</summary>
    private sealed class Forwarding(WaitStrategy inner) : WaitStrategy
    {
        public override bool Idle(int attempt, TimeSpan waited) => inner.Idle(attempt, waited);

        public override TimeSpan? AdaptiveSpinBudget => inner.AdaptiveSpinBudget;
    }

    /// <summary>A custom strategy that does not say: it is polled exactly as it says, every wait.</summary>
    private sealed class Opaque(WaitStrategy inner) : WaitStrategy
    {
        public override bool Idle(int attempt, TimeSpan waited) => inner.Idle(attempt, waited);
    }

    /// <summary>
    /// A reader whose waits all outlast the budget (timed-out reads of 1 ms against a 1 µs budget)
    /// stops spinning; it then still receives a frame written while it waits (through its
    /// semaphore alone), and its sequence checks hold.
    /// </summary>
    [Fact]
    public async Task AReaderThatStoppedSpinningStillWakesForTheNextFrame()
    {
        string name = TestNames.Unique("spin-history");
        using (var reader = new Reader(name, new BufferConfig(0, 64 * 1024)) { WaitStrategy = new SpinThenBlockWaitStrategy(TimeSpan.FromMicroseconds(1)) })
        using (var writer = new Writer(name))
        {
            for (int i = 0; i < SpinHistory.LongWaitsBeforeSkipping; i++)
            {
                Assert.False(reader.TryReadFrame(TimeSpan.FromMilliseconds(1), out _));
            }

            Assert.True(((IPeerWaiter)reader).Spins.SkipsSpinning);
            Task<(ulong Sequence, byte First)> read = Task.Run(() =>
            {
                using Frame frame = reader.ReadFrame(TimeSpan.FromSeconds(30));
                return (frame.Sequence, frame.Span[0]);
            });
            writer.WriteFrame([42, 1, 2, 3]);
            Assert.Equal((1UL, (byte)42), await read.WaitAsync(TimeSpan.FromSeconds(30)));
        }

        OsResources.AssertNone(name);
    }
}
