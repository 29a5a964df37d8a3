using ZeroBuffer.Protocol;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Protocol;

/// <summary>The reader's FIFO of consumed ring space (protocol-v1 §4.6).</summary>
public sealed class ReleaseQueueTests
{
    [Fact]
    public void InOrderReleaseReturnsEachFrame()
    {
        var queue = new ReleaseQueue();
        long a = queue.EnqueueFrame(116);
        long b = queue.EnqueueFrame(32);
        Assert.Equal(2, queue.Outstanding);

        Assert.Equal(new ReleaseQueue.Returned(116, 1), queue.Release(a));
        Assert.Equal(1, queue.Outstanding);
        Assert.Equal(new ReleaseQueue.Returned(32, 1), queue.Release(b));
        Assert.Equal(0, queue.Outstanding);
    }

    [Fact]
    public void EarlyReleaseWaitsForTheOlderFrame()
    {
        var queue = new ReleaseQueue();
        long a = queue.EnqueueFrame(100);
        long b = queue.EnqueueFrame(200);
        long c = queue.EnqueueFrame(300);

        Assert.True(queue.Release(c).IsEmpty);
        Assert.True(queue.Release(b).IsEmpty);
        Assert.Equal(3, queue.Outstanding);
        Assert.False(queue.IsHeld(b));
        Assert.True(queue.IsHeld(a));

        // The oldest goes: everything behind it that was released goes with it, in one return.
        Assert.Equal(new ReleaseQueue.Returned(600, 3), queue.Release(a));
        Assert.Equal(0, queue.Outstanding);
    }

    [Fact]
    public void ReleaseStopsAtTheFirstHeldFrame()
    {
        var queue = new ReleaseQueue();
        long a = queue.EnqueueFrame(10);
        long b = queue.EnqueueFrame(20);
        long c = queue.EnqueueFrame(30);
        long d = queue.EnqueueFrame(40);

        Assert.True(queue.Release(b).IsEmpty);
        Assert.True(queue.Release(d).IsEmpty);
        Assert.Equal(new ReleaseQueue.Returned(30, 2), queue.Release(a)); // a + b; c still held
        Assert.Equal(new ReleaseQueue.Returned(70, 2), queue.Release(c)); // c + d
    }

    [Fact]
    public void ReleaseIsIdempotent()
    {
        var queue = new ReleaseQueue();
        long a = queue.EnqueueFrame(50);
        long b = queue.EnqueueFrame(60);

        Assert.True(queue.Release(b).IsEmpty);
        Assert.True(queue.Release(b).IsEmpty); // twice while waiting
        Assert.Equal(new ReleaseQueue.Returned(110, 2), queue.Release(a));
        Assert.True(queue.Release(a).IsEmpty); // twice after returning
        Assert.True(queue.Release(b).IsEmpty);
        Assert.Equal(default, queue.Release(12345)); // never issued
        Assert.Equal(default, queue.Release(-1));
        Assert.Equal(0, queue.Outstanding);
    }

    [Fact]
    public void TailWithNothingHeldIsReturnedAtOnce()
    {
        var queue = new ReleaseQueue();
        // A tail is space, not a frame: no sem-r post is due for it.
        Assert.Equal(new ReleaseQueue.Returned(74, 0), queue.EnqueueTail(74));
        Assert.Equal(0, queue.Outstanding);
    }

    [Fact]
    public void TailBehindAHeldFrameWaitsForIt()
    {
        var queue = new ReleaseQueue();
        long a = queue.EnqueueFrame(116);
        Assert.True(queue.EnqueueTail(24).IsEmpty);
        long b = queue.EnqueueFrame(56);
        Assert.Equal(3, queue.Outstanding);

        Assert.Equal(new ReleaseQueue.Returned(140, 1), queue.Release(a)); // frame + tail behind it
        Assert.Equal(new ReleaseQueue.Returned(56, 1), queue.Release(b));
    }

    [Fact]
    public void TailAndLaterFramesReturnWithTheOldest()
    {
        var queue = new ReleaseQueue();
        long a = queue.EnqueueFrame(100);
        Assert.True(queue.EnqueueTail(8).IsEmpty);
        long b = queue.EnqueueFrame(36);
        Assert.True(queue.Release(b).IsEmpty);
        Assert.Equal(new ReleaseQueue.Returned(144, 2), queue.Release(a));
    }

    [Fact]
    public void HeldState()
    {
        var queue = new ReleaseQueue();
        long a = queue.EnqueueFrame(17);
        Assert.True(queue.IsHeld(a));
        Assert.False(queue.IsHeld(a + 1));
        queue.Release(a);
        Assert.False(queue.IsHeld(a));
    }

    [Fact]
    public void GrowsBeyondItsInitialCapacityKeepingOrder()
    {
        var queue = new ReleaseQueue();
        const int count = 1000;
        long[] tickets = new long[count];
        for (int i = 0; i < count; i++)
        {
            tickets[i] = queue.EnqueueFrame(i + 1);
            if (i % 7 == 0)
            {
                Assert.True(queue.EnqueueTail(3).IsEmpty);
            }
        }

        // Release newest first: nothing comes back until the oldest goes.
        for (int i = count - 1; i >= 1; i--)
        {
            Assert.True(queue.Release(tickets[i]).IsEmpty);
        }

        long frameBytes = (long)count * (count + 1) / 2;
        long tailBytes = 3L * ((count + 6) / 7);
        Assert.Equal(new ReleaseQueue.Returned(frameBytes + tailBytes, count), queue.Release(tickets[0]));
        Assert.Equal(0, queue.Outstanding);
    }

    [Fact]
    public void WrapsItsStorageInSteadyState()
    {
        var queue = new ReleaseQueue();
        long held = queue.EnqueueFrame(1);
        for (int i = 0; i < 10_000; i++)
        {
            long t = queue.EnqueueFrame(2);
            Assert.True(queue.Release(held).Bytes > 0);
            held = t;
        }

        Assert.Equal(1, queue.Outstanding);
        Assert.Equal(new ReleaseQueue.Returned(2, 1), queue.Release(held));
    }

    /// <summary>
    /// The queue itself is single-threaded; the reader serializes it. Frames disposed on many
    /// threads at once, each frame by several threads in different orders, give every byte back
    /// exactly once.
    /// </summary>
    [Fact]
    public void ConcurrentDisposesReturnEveryByteOnce()
    {
        string name = TestNames.Unique("rq-conc");
        const int count = 2_000;
        const int size = 8;
        using (var reader = new Reader(name, new BufferConfig(0, count * (16 + size))))
        using (var writer = new Writer(name))
        {
            var frames = new Frame[count];
            for (int i = 0; i < count; i++)
            {
                writer.WriteFrame(new byte[size]);
                frames[i] = reader.ReadFrame(TimeSpan.FromSeconds(5));
                Assert.True(frames[i].IsValid);
            }

            Assert.Equal(0UL, reader.GetStatus().PayloadFreeBytes);
            Parallel.For(0, 4, worker =>
            {
                for (int k = 0; k < count; k++)
                {
                    frames[worker % 2 == 0 ? k : count - 1 - k].Dispose();
                }
            });

            Assert.Equal((ulong)(count * (16 + size)), reader.GetStatus().PayloadFreeBytes);
            Assert.Equal(0, reader.OutstandingFrames);
        }

        OsResources.AssertNone(name);
    }
}
