using System.Diagnostics;
using ZeroBuffer.Tests.Infrastructure;
using ZeroBuffer.Topics;

namespace ZeroBuffer.Tests.Topics;

/// <summary>
/// Topics across processes: any protocol-1.0 reader is a subscriber once its buffer has a
/// subscriber's name (here the CLI's plain <c>read</c>, which checks every number), and a
/// subscriber that is SIGKILLed is dropped within a second, its buffer cleaned, while the others
/// go on.
/// </summary>
public sealed class TopicCrossProcessTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(DeliveryPolicy.Block)]
    [InlineData(DeliveryPolicy.DropNewest)]
    public async Task AKilledSubscriber_IsDroppedAndCleaned_WhileAnotherGetsEveryFrame(DeliveryPolicy policy)
    {
        string topic = TestNames.Unique("topic-kill");
        string killedName = TopicNames.SubscriberBuffer(topic, policy, "killed");
        using var publisher = new Publisher(topic);
        using var survivor = new Subscriber(topic, DeliveryPolicy.Block, new BufferConfig(0, 1 << 20));
        await using CliProcess killed = CliProcess.Start("read", killedName, "--json");
        await killed.WaitForEventAsync("ready");
        await TopicTests.JoinedAsync(publisher, 2);
        var left = new TaskCompletionSource<SubscriberEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        publisher.SubscriberLeft += (_, e) => left.TrySetResult(e);

        publisher.Publish(TopicTests.Payload(1, 1000));
        survivor.ReadFrame(Timeout).Dispose();
        await killed.WaitForEventAsync("frame"); // the plain reader took a subscriber's frame
        await killed.KillAsync();

        // The publisher goes on; the dead subscriber is seen at a liveness look (within a second) and removed.
        // A deadline, not a frame count: the death is seen at a liveness look, about once a second,
        // however many frames go by meanwhile (hundreds of thousands on a fast machine).
        int published = 1;
        var clock = Stopwatch.StartNew();
        while (!left.Task.IsCompleted)
        {
            publisher.Publish(TopicTests.Payload(++published, 1000));
            using Frame frame = survivor.ReadFrame(Timeout);
            Assert.Equal((ulong)published, frame.Sequence);
            Assert.True(clock.Elapsed < Timeout, $"the killed subscriber was not dropped within {Timeout} ({published} frames)");
        }

        SubscriberEventArgs gone = await left.Task;
        Assert.Equal(killedName, gone.Subscriber.BufferName);
        Assert.IsType<ReaderDeadException>(gone.Reason);
        Abandon.AssertGone(killedName); // the publisher cleaned the stale buffer (a discovery look that listed it just before may still hold its locks a moment)
        Assert.Single(publisher.GetSubscribers());
    }

    /// <summary>
    /// A subscriber process that is SIGSTOPped (hung, not dead: its lock stays held) never holds the
    /// publisher back, nor the other subscribers, unless it chose Block: its ring fills and the rest
    /// of the frames are dropped for it; once continued it reads what its ring kept.
    /// </summary>
    [Theory]
    [InlineData(DeliveryPolicy.DropNewest)]
    [InlineData(DeliveryPolicy.LatestOnly)]
    public async Task AStoppedSubscriber_HoldsNobodyBack(DeliveryPolicy policy)
    {
        string topic = TestNames.Unique("topic-stop");
        using var publisher = new Publisher(topic);
        using var fast = new Subscriber(topic, DeliveryPolicy.Block, new BufferConfig(0, 1 << 20));
        await using CliProcess stopped = CliProcess.Start("subscribe", topic, "--policy", TopicNames.PolicyName(policy), "--id", "stopped",
            "--payload-size", "64K", "--json");
        await stopped.WaitForEventAsync("ready");
        await TopicTests.JoinedAsync(publisher, 2);
        Signal(stopped.Pid, "STOP");
        try
        {
            const int Frames = 200; // 1,016 B each with its header: the stopped one's 64 KiB ring keeps 64
            await Task.Run(() =>
            {
                for (int i = 1; i <= Frames; i++)
                {
                    publisher.Publish(TopicTests.Payload(i, 1000));
                    using Frame frame = fast.ReadFrame(Timeout);
                    Assert.Equal((ulong)i, frame.Sequence);
                }
            }).WaitAsync(TimeSpan.FromSeconds(60)); // a publisher held back would end here, not hang the suite

            SubscriberStatus held = Assert.Single(publisher.GetSubscribers(), s => s.Id == "stopped");
            Assert.Equal((ulong)Frames, held.FramesDelivered + held.FramesDropped);
            Assert.InRange(held.FramesDelivered, 1UL, 64UL);
        }
        finally
        {
            Signal(stopped.Pid, "CONT");
        }

        await stopped.WaitForEventAsync("frame"); // continued, it reads what its ring kept
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    [Fact]
    public async Task APlainReader_SubscribesByName_AndSeesEveryFrameNumberedFromOne()
    {
        string topic = TestNames.Unique("topic-plain");
        string name = TopicNames.SubscriberBuffer(topic, DeliveryPolicy.Block, "plain");
        using var publisher = new Publisher(topic);
        publisher.SetMetadata("meta"u8);
        await using CliProcess reader = CliProcess.Start("read", name, "--count", "30", "--json");
        await reader.WaitForEventAsync("ready");
        await TopicTests.JoinedAsync(publisher, 1);
        for (int i = 1; i <= 30; i++)
        {
            publisher.Publish(TopicTests.Payload(i, 5000)); // Block: waits whenever the reader's ring is full
        }

        Assert.Equal(0, await reader.WaitForExitAsync()); // it checked the numbers 1..30 (a gap is a SequenceError)
    }
}
