using ZeroBuffer.Lifecycle;
using ZeroBuffer.Protocol;
using ZeroBuffer.Tests.Diagnostics;
using ZeroBuffer.Tests.Infrastructure;
using ZeroBuffer.Topics;

namespace ZeroBuffer.Tests.Topics;

/// <summary>
/// Topics in one process: one publisher, subscribers with each delivery policy joining and
/// leaving, metadata for late joiners, gaps instead of renumbering, zero-copy publishing.
/// Waits are on the publisher's join and leave events, never on time.
/// </summary>
public sealed class TopicTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly BufferConfig SmallRing = new(1024, 4 * (16 + 100)); // four frames of 100 bytes

    [Fact]
    public async Task EverySubscriber_GetsEveryFrame_InOrder_WithTheMetadata_WhenItKeepsUp()
    {
        string topic = TestNames.Unique("topic-all");
        using var publisher = new Publisher(topic);
        publisher.SetMetadata("format=gray8"u8);
        using var block = new Subscriber(topic, DeliveryPolicy.Block, new BufferConfig(1024, 64 * 1024));
        using var drop = new Subscriber(topic, DeliveryPolicy.DropNewest, new BufferConfig(1024, 64 * 1024));
        await JoinedAsync(publisher, 2);

        for (int i = 1; i <= 50; i++)
        {
            publisher.Publish(Payload(i, 200));
            foreach (Subscriber subscriber in new[] { block, drop })
            {
                using Frame frame = subscriber.ReadFrame(Timeout);
                Assert.Equal((ulong)i, frame.Sequence);
                Assert.Equal(Payload(i, 200), frame.Span.ToArray());
            }
        }

        Assert.Equal("format=gray8", System.Text.Encoding.ASCII.GetString(block.GetMetadata()));
        Assert.Equal("format=gray8", System.Text.Encoding.ASCII.GetString(drop.GetMetadata()));
        Assert.All(publisher.GetSubscribers(), s => Assert.Equal((50UL, 0UL), (s.FramesDelivered, s.FramesDropped)));
        Assert.Equal(0UL, drop.FramesMissed);
        Assert.Equal(50UL, publisher.FramesPublished);
    }

    [Fact]
    public async Task ASubscriber_TakesTheReadersWaitStrategy_AndPrefault_AndStillGetsEveryFrame()
    {
        string topic = TestNames.Unique("topic-spin");
        using var publisher = new Publisher(topic);
        using var subscriber = new Subscriber(topic, DeliveryPolicy.Block, new BufferConfig(0, 64 * 1024));
        Assert.Same(WaitStrategy.Default, subscriber.WaitStrategy);
        subscriber.WaitStrategy = WaitStrategy.BusySpin;
        subscriber.Prefault();
        Assert.Same(WaitStrategy.BusySpin, subscriber.WaitStrategy);
        Assert.Throws<ArgumentNullException>(() => subscriber.WaitStrategy = null!);
        await JoinedAsync(publisher, 1);

        for (int i = 1; i <= 20; i++)
        {
            publisher.Publish(Payload(i, 300));
            using Frame frame = subscriber.ReadFrame(Timeout);
            Assert.Equal((ulong)i, frame.Sequence);
            Assert.Equal(Payload(i, 300), frame.Span.ToArray());
        }
    }

    [Fact]
    public async Task ALateJoiner_GetsTheMetadata_BeforeItsFirstFrame_NumberedFromOne()
    {
        string topic = TestNames.Unique("topic-late");
        using var publisher = new Publisher(topic);
        publisher.SetMetadata([7, 7, 7]);
        publisher.Publish([1]); // nobody listens yet: published, delivered to none
        Task joined = JoinedAsync(publisher, 1);
        using var late = new Subscriber(topic, DeliveryPolicy.Block, SmallRing);
        await joined;

        Assert.Equal([7, 7, 7], late.GetMetadata().ToArray());
        publisher.Publish([2]);
        using Frame frame = late.ReadFrame(Timeout);
        Assert.Equal(1UL, frame.Sequence); // its buffer's numbers start with the first frame offered to it
        Assert.Equal(2, frame.Span[0]);
        Assert.Equal(0UL, late.LastGap);
        Assert.Equal(2UL, publisher.FramesPublished);
    }

    [Fact]
    public async Task DropNewest_SkipsFramesWhileTheRingIsFull_AndTheSubscriberSeesTheGap()
    {
        string topic = TestNames.Unique("topic-drop");
        using var publisher = new Publisher(topic);
        using var slow = new Subscriber(topic, DeliveryPolicy.DropNewest, SmallRing);
        await JoinedAsync(publisher, 1);

        for (int i = 1; i <= 10; i++)
        {
            publisher.Publish(Payload(i, 100)); // never waits: the ring holds four
        }

        SubscriberStatus status = Assert.Single(publisher.GetSubscribers());
        Assert.Equal((4UL, 6UL), (status.FramesDelivered, status.FramesDropped));
        for (int i = 1; i <= 4; i++)
        {
            using Frame frame = slow.ReadFrame(Timeout);
            Assert.Equal((ulong)i, frame.Sequence);
        }

        publisher.Publish(Payload(11, 100));
        using (Frame frame = slow.ReadFrame(Timeout))
        {
            Assert.Equal(11UL, frame.Sequence); // never renumbered: frames 5-10 are a gap of 6
            Assert.Equal(Payload(11, 100), frame.Span.ToArray());
        }

        Assert.Equal(6UL, slow.LastGap);
        Assert.Equal(6UL, slow.FramesMissed);
        Assert.Equal(6, MeterSnapshot.Collect().Get(slow.BufferName, "writer", "zerobuffer.frames.dropped")); // for operators too
    }

    [Fact]
    public async Task LatestOnly_ReadsTheNewestFrame_AndCountsTheOlderOnesSkipped()
    {
        string topic = TestNames.Unique("topic-latest");
        using var publisher = new Publisher(topic);
        using var latest = new Subscriber(topic, DeliveryPolicy.LatestOnly, new BufferConfig(0, 64 * 1024));
        await JoinedAsync(publisher, 1);
        for (int i = 1; i <= 5; i++)
        {
            publisher.Publish(Payload(i, 100));
        }

        using (Frame frame = latest.ReadFrame(Timeout))
        {
            Assert.Equal(5UL, frame.Sequence);
            Assert.Equal(Payload(5, 100), frame.Span.ToArray());
        }

        Assert.Equal(4UL, latest.FramesSkipped);
        Assert.Equal(0UL, latest.FramesMissed);
        Assert.Equal(4, MeterSnapshot.Collect().Get(latest.BufferName, "reader", "zerobuffer.frames.skipped"));
        publisher.Publish(Payload(6, 100));
        using (Frame frame = await latest.ReadFrameAsync(Timeout))
        {
            Assert.Equal(6UL, frame.Sequence);
        }

        Assert.Equal(4UL, latest.FramesSkipped);
    }

    [Fact]
    public async Task Block_HoldsThePublisherBack_UntilTheSubscriberReads()
    {
        string topic = TestNames.Unique("topic-block");
        using var publisher = new Publisher(topic);
        using var blocking = new Subscriber(topic, DeliveryPolicy.Block, SmallRing);
        await JoinedAsync(publisher, 1);
        for (int i = 1; i <= 4; i++)
        {
            publisher.Publish(Payload(i, 100));
        }

        Task fifth = Task.Run(() => publisher.Publish(Payload(5, 100))); // the ring is full: waits
        Assert.False(fifth.IsCompleted);
        for (int i = 1; i <= 5; i++)
        {
            using Frame frame = blocking.ReadFrame(Timeout);
            Assert.Equal((ulong)i, frame.Sequence);
        }

        await fifth.WaitAsync(Timeout);
        Assert.Equal((5UL, 0UL), (publisher.GetSubscribers()[0].FramesDelivered, publisher.GetSubscribers()[0].FramesDropped));
    }

    [Fact]
    public async Task ZeroCopy_FillsTheFrameOnce_InARing_AndCopiesItToTheOthers()
    {
        string topic = TestNames.Unique("topic-zc");
        using var publisher = new Publisher(topic);
        using var a = new Subscriber(topic, DeliveryPolicy.DropNewest, new BufferConfig(0, 64 * 1024));
        using var b = new Subscriber(topic, DeliveryPolicy.Block, new BufferConfig(0, 64 * 1024));
        using var c = new Subscriber(topic, DeliveryPolicy.LatestOnly, new BufferConfig(0, 64 * 1024));
        await JoinedAsync(publisher, 3);

        for (int i = 1; i <= 20; i++)
        {
            Span<byte> target = publisher.GetFrameBuffer(1000);
            Payload(i, 1000).CopyTo(target);
            publisher.CommitFrame();
            foreach (Subscriber subscriber in new[] { a, b, c })
            {
                using Frame frame = subscriber.ReadFrame(Timeout);
                Assert.Equal((ulong)i, frame.Sequence);
                Assert.Equal(Payload(i, 1000), frame.Span.ToArray());
            }
        }

        // An aborted frame uses up no number: the next one follows without a gap.
        publisher.GetFrameBuffer(10).Fill(9);
        publisher.AbortFrame();
        publisher.Publish([42]);
        using Frame next = a.ReadFrame(Timeout);
        Assert.Equal((21UL, 0UL), (next.Sequence, a.LastGap));
        Assert.Equal(21UL, publisher.FramesPublished);
    }

    [Fact]
    public async Task PublishingAndReading_AllocateNothingPerFrame()
    {
        string topic = TestNames.Unique("topic-alloc");
        using var publisher = new Publisher(topic);
        using var block = new Subscriber(topic, DeliveryPolicy.Block, new BufferConfig(0, 64 * 1024));
        using var latest = new Subscriber(topic, DeliveryPolicy.LatestOnly, new BufferConfig(0, 64 * 1024));
        await JoinedAsync(publisher, 2);
        byte[] payload = new byte[100];
        long Round()
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++)
            {
                if (i % 2 == 0)
                {
                    publisher.Publish(payload);
                }
                else
                {
                    publisher.GetFrameBuffer(100)[0] = 1;
                    publisher.CommitFrame();
                }

                block.ReadFrame(Timeout).Dispose();
                latest.ReadFrame(Timeout).Dispose();
            }

            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        for (int warmUp = 0; warmUp < 3; warmUp++)
        {
            _ = Round();
        }

        long allocated = Round();
        Assert.True(allocated == 0, $"1,000 frames to two subscribers allocated {allocated} bytes");
        Assert.Equal(0UL, block.FramesMissed + latest.FramesMissed + latest.FramesSkipped);
    }

    [Fact]
    public void WithNoSubscriber_FramesArePublishedToNone_AndZeroCopyUsesThePublishersBuffer()
    {
        string topic = TestNames.Unique("topic-none");
        using var publisher = new Publisher(topic);
        Span<byte> target = publisher.GetFrameBuffer(3_110_400);
        target.Fill(1);
        publisher.CommitFrame();
        publisher.Publish([1]);
        Assert.Equal(2UL, publisher.FramesPublished);
        Assert.Empty(publisher.GetSubscribers());
        Assert.Throws<InvalidFrameSizeException>(() => publisher.Publish([]));
        Assert.Throws<InvalidOperationException>(publisher.CommitFrame);
    }

    [Fact]
    public async Task ASubscriberThatLeaves_IsDroppedAtTheNextFrame_AndTheOthersGoOn()
    {
        string topic = TestNames.Unique("topic-leave");
        using var publisher = new Publisher(topic);
        using var stays = new Subscriber(topic, DeliveryPolicy.Block, SmallRing);
        var leaves = new Subscriber(topic, DeliveryPolicy.Block, SmallRing);
        await JoinedAsync(publisher, 2);
        var left = new TaskCompletionSource<SubscriberEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        publisher.SubscriberLeft += (_, e) => left.TrySetResult(e);

        leaves.Dispose();
        for (int i = 1; i <= 8; i++)
        {
            publisher.Publish(Payload(i, 100)); // a Block subscriber gone holds nothing back
            using Frame frame = stays.ReadFrame(Timeout);
            Assert.Equal((ulong)i, frame.Sequence);
        }

        SubscriberEventArgs gone = await left.Task.WaitAsync(Timeout);
        Assert.Equal(leaves.BufferName, gone.Subscriber.BufferName);
        Assert.IsType<ReaderClosedException>(gone.Reason);
        Assert.Single(publisher.GetSubscribers());
        Abandon.AssertGone(leaves.BufferName); // a discovery look that listed it just before may still be looking
    }

    [Fact]
    public async Task PublishingWhileAFrameIsClaimed_IsRefused_NotAHang()
    {
        string topic = TestNames.Unique("topic-claimed");
        using var publisher = new Publisher(topic);
        using var subscriber = new Subscriber(topic, DeliveryPolicy.Block, SmallRing);
        await JoinedAsync(publisher, 1);
        publisher.GetFrameBuffer(10).Fill(1);
        Assert.Throws<InvalidOperationException>(() => publisher.Publish([1]));
        Assert.Throws<InvalidOperationException>(() => publisher.GetFrameBuffer(10));
        Assert.Throws<InvalidOperationException>(() => publisher.SetMetadata([1]));
        publisher.CommitFrame();
        using Frame frame = subscriber.ReadFrame(Timeout);
        Assert.Equal((1UL, 10), (frame.Sequence, frame.Size));
    }

    [Fact]
    public async Task MetadataTooLargeForOneSubscriber_LeavesItWithoutMetadata_ButWithFrames()
    {
        string topic = TestNames.Unique("topic-meta");
        using var publisher = new Publisher(topic);
        using var roomy = new Subscriber(topic, DeliveryPolicy.Block, SmallRing);
        using var tight = new Subscriber(topic, DeliveryPolicy.Block, new BufferConfig(0, 4096)); // no metadata block
        await JoinedAsync(publisher, 2);
        publisher.SetMetadata(new byte[100]);
        publisher.Publish([5]);
        Assert.Equal(100, roomy.GetMetadata().Length);
        Assert.Equal(0, tight.GetMetadata().Length);
        using Frame frame = tight.ReadFrame(Timeout);
        Assert.Equal(5, frame.Span[0]);
    }

    [Fact]
    public async Task AnIdlePublisher_NoticesASubscriberThatLeft_AsALeave()
    {
        string topic = TestNames.Unique("topic-idle");
        using var publisher = new Publisher(topic);
        var subscriber = new Subscriber(topic, DeliveryPolicy.DropNewest, SmallRing);
        await JoinedAsync(publisher, 1);
        var left = new TaskCompletionSource<SubscriberEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        publisher.SubscriberLeft += (_, e) => left.TrySetResult(e);
        subscriber.Dispose(); // nothing is published: the discovery look notices

        SubscriberEventArgs gone = await left.Task.WaitAsync(Timeout);
        Assert.IsType<ReaderClosedException>(gone.Reason);
        Assert.Empty(publisher.GetSubscribers());
    }

    [Fact]
    public void OneTopic_HasOnePublisher_AndItsLockGoesWithIt()
    {
        string topic = TestNames.Unique("topic-one");
        using (var first = new Publisher(topic))
        {
            TopicAlreadyPublishedException error = Assert.Throws<TopicAlreadyPublishedException>(() => new Publisher(topic));
            Assert.Contains(topic, error.Message, StringComparison.Ordinal);
        }

        Assert.False(File.Exists(TopicNames.PublisherLockFile(topic)));
        using var second = new Publisher(topic);
    }

    [Fact]
    public void ACrashedPublishersLockFile_IsTakenOver_AndRemovedByTheStaleSweep()
    {
        // What a SIGKILLed publisher leaves: the file, with no lock on it (the kernel dropped the flock).
        string takenOver = TestNames.Unique("topic-takeover");
        File.WriteAllBytes(TopicNames.PublisherLockFile(takenOver), []);
        using (new Publisher(takenOver))
        {
        }

        Assert.False(File.Exists(TopicNames.PublisherLockFile(takenOver)));

        string abandoned = TestNames.Unique("topic-abandoned");
        File.WriteAllBytes(TopicNames.PublisherLockFile(abandoned), []);
        string live = TestNames.Unique("topic-live");
        using var publisher = new Publisher(live);
        _ = BufferCatalog.CleanStale();
        Assert.False(File.Exists(TopicNames.PublisherLockFile(abandoned)));
        Assert.True(File.Exists(TopicNames.PublisherLockFile(live))); // a live publisher's lock is never touched
        publisher.Publish([1]);
    }

    [Fact]
    public async Task TheCatalog_ListsTopics_WithTheirPublisherAndSubscribers()
    {
        string topic = TestNames.Unique("topic-list");
        using (var publisher = new Publisher(topic))
        using (var a = new Subscriber(topic, DeliveryPolicy.Block, SmallRing, id: "a1"))
        using (var b = new Subscriber(topic, DeliveryPolicy.LatestOnly, SmallRing, id: "b2"))
        {
            await JoinedAsync(publisher, 2);
            TopicInfo listed = Assert.Single(TopicCatalog.List(), t => t.Topic == topic);
            Assert.True(listed.PublisherAlive);
            Assert.Equal([("a1", DeliveryPolicy.Block), ("b2", DeliveryPolicy.LatestOnly)], listed.Subscribers.Select(s => (s.Id, s.Policy)).Order());
            Assert.All(listed.Subscribers, s => Assert.Equal(BufferState.Live, s.Buffer.State));
        }

        using (var alone = new Subscriber(topic, DeliveryPolicy.DropNewest, SmallRing, id: "c3"))
        {
            TopicInfo listed = Assert.Single(TopicCatalog.List(), t => t.Topic == topic);
            Assert.False(listed.PublisherAlive); // the publisher went, its lock file with it
            Assert.Equal("c3", Assert.Single(listed.Subscribers).Id);
        }

        Assert.DoesNotContain(TopicCatalog.List(), t => t.Topic == topic);
        Assert.True(TopicCatalog.TryParseSubscriberBuffer("cam0.sub-block.sub-latest-only-x", out string nested, out _, out _));
        Assert.Equal("cam0.sub-block", nested);
        Assert.False(TopicCatalog.TryParseSubscriberBuffer("cam0", out _, out _, out _));
    }

    [Fact]
    public void Names_AreParsedExactly_AndBadOnesAreRefusedByName()
    {
        Assert.Equal("cam0.sub-drop-newest-k1", TopicNames.SubscriberBuffer("cam0", DeliveryPolicy.DropNewest, "k1"));
        Assert.True(TopicNames.TryParseSubscriber("cam0", "cam0.sub-latest-only-x9", out DeliveryPolicy policy, out string id));
        Assert.Equal((DeliveryPolicy.LatestOnly, "x9"), (policy, id));
        Assert.False(TopicNames.TryParseSubscriber("cam0", "cam0.sub-block.sub-block-1", out _, out _)); // a subscriber of topic "cam0.sub-block"
        Assert.False(TopicNames.TryParseSubscriber("cam0", "cam0.sub-sometimes-1", out _, out _));
        Assert.False(TopicNames.TryParseSubscriber("cam0", "cam01.sub-block-1", out _, out _));
        Assert.Contains("bad/name", Assert.Throws<ArgumentException>(() => new Publisher("bad/name")).Message, StringComparison.Ordinal);
        Assert.Contains("a-b", Assert.Throws<ArgumentException>(() => TopicNames.SubscriberBuffer("t", DeliveryPolicy.Block, "a-b")).Message, StringComparison.Ordinal);
        string longest = new('t', TopicNames.MaxTopicLength);
        Assert.True(ResourceNames.IsValid(TopicNames.SubscriberBuffer(longest, DeliveryPolicy.LatestOnly, new string('9', TopicNames.MaxSubscriberIdLength))));
        Assert.Throws<ArgumentException>(() => TopicNames.ValidateTopic(longest + "t"));
    }

    /// <summary>Completes when <paramref name="count"/> subscribers are connected (those already there count).</summary>
    internal static async Task JoinedAsync(Publisher publisher, int count)
    {
        var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        publisher.SubscriberJoined += (_, _) =>
        {
            if (publisher.GetSubscribers().Count >= count)
            {
                enough.TrySetResult();
            }
        };
        if (publisher.GetSubscribers().Count >= count)
        {
            return;
        }

        await enough.Task.WaitAsync(Timeout);
    }

    internal static byte[] Payload(int index, int size)
    {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++)
        {
            bytes[i] = (byte)(index * 31 + i);
        }

        return bytes;
    }
}
