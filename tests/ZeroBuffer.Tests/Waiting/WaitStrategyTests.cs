using ZeroBuffer.Duplex;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Waiting;

/// <summary>Strategy-specific behaviour: parameters, names, token accounting per strategy, duplex endpoints.</summary>
public sealed class WaitStrategyTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(-1)]
    [InlineData(1_000_001)]
    public void SpinBudgetOutsideZeroToOneSecondIsRejectedWithTheValue(long microseconds)
    {
        TimeSpan budget = TimeSpan.FromMicroseconds(microseconds);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new SpinThenBlockWaitStrategy(budget));
        Assert.Equal("spinBudget", error.ParamName);
        Assert.Contains(budget.ToString(), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SpinThenBlockSpinsWithinItsBudgetAndThenBlocks()
    {
        var strategy = new SpinThenBlockWaitStrategy(TimeSpan.FromMicroseconds(100));
        Assert.True(strategy.Idle(0, TimeSpan.Zero));
        Assert.True(strategy.Idle(1_000, TimeSpan.FromMicroseconds(99)));
        Assert.False(strategy.Idle(5, TimeSpan.FromMicroseconds(100)));
        Assert.False(new SpinThenBlockWaitStrategy(TimeSpan.Zero).Idle(0, TimeSpan.Zero));
        Assert.False(WaitStrategy.Blocking.Idle(0, TimeSpan.Zero));
        Assert.True(WaitStrategy.BusySpin.Idle(int.MaxValue, TimeSpan.FromDays(1)));
    }

    [Theory]
    [InlineData("blocking", typeof(BlockingWaitStrategy))]
    [InlineData("spin-then-block", typeof(SpinThenBlockWaitStrategy))]
    [InlineData("busy-spin", typeof(BusySpinWaitStrategy))]
    public void ParseAcceptsTheCommandLineNames(string name, Type expected)
    {
        WaitStrategy strategy = WaitStrategy.Parse(name);
        Assert.IsType(expected, strategy);
        Assert.Equal(name, strategy.ToString());
    }

    [Theory]
    [InlineData("spinny")]
    [InlineData("spin-then-block:")]
    [InlineData("spin-then-block:-5us")]
    [InlineData("spin-then-block:2000000us")]
    [InlineData("Blocking")]
    public void ParseRejectsAnUnknownNameNamingIt(string name)
    {
        var error = Assert.Throws<ArgumentException>(() => WaitStrategy.Parse(name));
        Assert.Contains($"'{name}'", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => WaitStrategy.Parse(null!));
    }

    [Fact]
    public void ACustomSpinBudgetRoundTripsThroughItsName()
    {
        var strategy = new SpinThenBlockWaitStrategy(TimeSpan.FromMicroseconds(200));
        Assert.Equal("spin-then-block:200us", strategy.ToString());
        var parsed = Assert.IsType<SpinThenBlockWaitStrategy>(WaitStrategy.Parse(strategy.ToString()));
        Assert.Equal(TimeSpan.FromMicroseconds(200), parsed.SpinBudget);
    }

    [Fact]
    public void DefaultIsSpinThenBlockOnEveryEndpoint()
    {
        string name = TestNames.Unique("ws-default");
        using (var reader = new Reader(name, new BufferConfig(0, 4096)))
        using (var writer = new Writer(name))
        {
            Assert.Same(WaitStrategy.SpinThenBlock, WaitStrategy.Default);
            Assert.Same(WaitStrategy.Default, reader.WaitStrategy);
            Assert.Same(WaitStrategy.Default, writer.WaitStrategy);
            Assert.Same(WaitStrategy.Default, new DuplexServerOptions().WaitStrategy);
            Assert.Same(WaitStrategy.Default, new DuplexClientOptions().WaitStrategy);
            Assert.Throws<ArgumentNullException>(() => reader.WaitStrategy = null!);
            Assert.Throws<ArgumentNullException>(() => writer.WaitStrategy = null!);
        }

        OsResources.AssertNone(name);
    }

    /// <summary>The blocking strategy follows protocol §4 to the letter: one sem-w token per frame, also for frames already there.</summary>
    [Fact]
    public void BlockingReaderTakesExactlyOneTokenPerFrame()
    {
        string name = TestNames.Unique("ws-onetoken");
        using (var reader = new Reader(name, new BufferConfig(0, 4096)) { WaitStrategy = WaitStrategy.Blocking })
        using (var writer = new Writer(name))
        {
            for (int i = 0; i < 5; i++)
            {
                writer.WriteFrame([(byte)i]);
            }

            for (int unread = 5; unread > 0; unread--)
            {
                Assert.Equal(unread, RawSegment.SemaphoreValue("/sem-w-" + name));
                reader.ReadFrame(Generous).Dispose();
            }

            Assert.Equal(0, RawSegment.SemaphoreValue("/sem-w-" + name));
        }

        OsResources.AssertNone(name);
    }

    /// <summary>
    /// A busy-spinning reader never sleeps, so it never drains before a sleep: it drains every
    /// 65,536 frames taken without a token instead (and whenever a wait has polled 50 µs, which a
    /// busy machine may cause at any point), so the count can never climb towards SEM_VALUE_MAX:
    /// all read, at most 65,536 tokens are left.
    /// </summary>
    [Fact]
    public async Task BusySpinReaderThatNeverSleepsKeepsTheTokenCountBounded()
    {
        string name = TestNames.Unique("ws-bounded");
        const int frames = 70_000;
        using (var reader = new Reader(name, new BufferConfig(0, 1 << 20)) { WaitStrategy = WaitStrategy.BusySpin })
        using (var writer = new Writer(name) { WaitStrategy = WaitStrategy.BusySpin, WriteTimeout = Generous })
        {
            Task writing = Task.Factory.StartNew(() =>
            {
                for (int i = 0; i < frames; i++)
                {
                    writer.WriteFrame(BitConverter.GetBytes(i));
                }
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

            for (int i = 0; i < frames; i++)
            {
                using Frame frame = reader.ReadFrame(Generous);
                Assert.Equal(i, BitConverter.ToInt32(frame.Span));
            }

            await writing.WaitAsync(Generous);
            int tokens = RawSegment.SemaphoreValue("/sem-w-" + name);
            Assert.InRange(tokens, 0, 65_536); // 70,000 without a drain
        }

        OsResources.AssertNone(name);
    }

    /// <summary>Strategies are chosen per endpoint: a busy-spinning server and a blocking client talk as usual.</summary>
    [Fact]
    public void DuplexEndpointsUseTheirOwnStrategies()
    {
        string channel = TestNames.Unique("ws-duplex");
        var factory = new DuplexChannelFactory();
        using (IImmutableDuplexServer server = factory.CreateImmutableServer(channel, new BufferConfig(0, 64 * 1024),
                   new DuplexServerOptions { WaitStrategy = WaitStrategy.BusySpin }))
        {
            server.Start((Frame request, DuplexResponseWriter response) => response.Write(request.Span));
            using IDuplexClient client = factory.CreateClient(channel, new DuplexClientOptions { WaitStrategy = WaitStrategy.Blocking });
            for (int i = 0; i < 50; i++)
            {
                ulong sequence = client.SendRequest(BitConverter.GetBytes(i));
                using Frame response = client.ReceiveResponse(Generous);
                Assert.Equal(sequence, response.Sequence);
                Assert.Equal(i, BitConverter.ToInt32(response.Span));
            }
        }
    }
}
