using System.Buffers.Binary;
using System.Collections.Concurrent;
using ZeroBuffer.Duplex;

namespace ZeroBuffer.Tests.Duplex;

public sealed class ProcessingModeTests
{
    private static readonly TimeSpan OverlapDeadline = TimeSpan.FromSeconds(10);

    /// <summary>Sends <paramref name="count"/> 8-byte requests without waiting, then checks that every response answers its request (payload + 1).</summary>
    private static void SendAllThenCheck(DuplexPair pair, int count, bool expectInOrder)
    {
        var expected = new Dictionary<ulong, ulong>();
        Span<byte> request = stackalloc byte[8];
        for (int i = 0; i < count; i++)
        {
            ulong value = (ulong)(1000 + i);
            BinaryPrimitives.WriteUInt64LittleEndian(request, value);
            expected[pair.Client.SendRequest(request)] = value + 1;
        }

        var arrival = new List<ulong>();
        for (int i = 0; i < count; i++)
        {
            using Frame response = pair.Client.ReceiveResponse(DuplexPair.ReceiveTimeout);
            Assert.True(response.IsValid, $"response {i + 1} of {count} missing");
            Assert.True(expected.Remove(response.Sequence, out ulong answer), $"unexpected or duplicate response {response.Sequence}");
            Assert.Equal(answer, BinaryPrimitives.ReadUInt64LittleEndian(response.Span));
            arrival.Add(response.Sequence);
        }

        Assert.Empty(expected);
        if (expectInOrder)
        {
            Assert.Equal(arrival.Order(), arrival);
        }
    }

    private static ImmutableRequestHandler PlusOne(HandlerProbe probe, Action<ulong>? during = null) => (request, response) =>
    {
        probe.Enter(request.Sequence);
        try
        {
            during?.Invoke(request.Sequence);
            Span<byte> target = response.GetBuffer(8);
            BinaryPrimitives.WriteUInt64LittleEndian(target, BinaryPrimitives.ReadUInt64LittleEndian(request.Span) + 1);
            response.Commit();
        }
        finally
        {
            probe.Exit();
        }
    };

    [Fact]
    public void SingleThreadMode()
    {
        var probe = new HandlerProbe();
        using DuplexPair pair = DuplexPair.Immutable(PlusOne(probe), options: new DuplexServerOptions { Mode = ProcessingMode.SingleThread });
        Assert.Equal(ProcessingMode.SingleThread, pair.Server.Mode);

        SendAllThenCheck(pair, 50, expectInOrder: true);

        Assert.Equal(1, probe.MaxRunning);
        Assert.Single(probe.Threads);
        Assert.Equal(Enumerable.Range(1, 50).Select(i => (ulong)i), probe.Order);
        Assert.Empty(pair.Errors);
    }

    [Fact]
    public void MultiThreadMode()
    {
        var probe = new HandlerProbe();
        // Requests 1 and 2 each wait until both are inside a handler: this completes only when two
        // handlers run at once (a one-at-a-time server would fail here at the deadline).
        using var bothInside = new CountdownEvent(2);
        var overlapped = new ConcurrentBag<bool>();
        using DuplexPair pair = DuplexPair.Immutable(PlusOne(probe, sequence =>
        {
            if (sequence <= 2)
            {
                bothInside.Signal();
                overlapped.Add(bothInside.Wait(OverlapDeadline));
            }
        }), options: new DuplexServerOptions { Mode = ProcessingMode.ThreadPool, MaxConcurrency = 4 });
        Assert.Equal(ProcessingMode.ThreadPool, pair.Server.Mode);

        SendAllThenCheck(pair, 200, expectInOrder: false);

        Assert.Equal(2, overlapped.Count(o => o));
        Assert.True(probe.MaxRunning > 1, $"max concurrency {probe.MaxRunning}");
        Assert.InRange(probe.MaxRunning, 2, 4);
        Assert.Empty(pair.Errors);
    }

    [Fact]
    public void CustomThreadPoolMode()
    {
        var probe = new HandlerProbe();
        using var scheduler = new DedicatedThreadScheduler(2, "custom-duplex");
        var threadNames = new ConcurrentBag<string?>();
        var schedulers = new ConcurrentBag<TaskScheduler>();
        DuplexPair pair = DuplexPair.Immutable(PlusOne(probe, _ =>
        {
            threadNames.Add(Thread.CurrentThread.Name);
            schedulers.Add(TaskScheduler.Current);
        }), options: new DuplexServerOptions { Mode = ProcessingMode.ThreadPool, Scheduler = scheduler, MaxConcurrency = 2 });
        using (pair)
        {
            SendAllThenCheck(pair, 100, expectInOrder: false);
            Assert.Empty(pair.Errors);
        }

        Assert.Equal(100, threadNames.Count);
        Assert.All(threadNames, name => Assert.StartsWith("custom-duplex-", name));
        Assert.All(schedulers, s => Assert.Same(scheduler, s));
        Assert.Equal(100, scheduler.Executed);
        Assert.InRange(probe.MaxRunning, 1, 2);
    }

    [Fact]
    public void DefaultMode_IsSingleThread()
    {
        var probe = new HandlerProbe();
        using DuplexPair pair = DuplexPair.Immutable(PlusOne(probe)); // no options
        Assert.Equal(ProcessingMode.SingleThread, pair.Server.Mode);
        Assert.Equal(ProcessingMode.SingleThread, new DuplexServerOptions().Mode);

        SendAllThenCheck(pair, 20, expectInOrder: true);

        Assert.Equal(1, probe.MaxRunning);
        Assert.Single(probe.Threads);
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (ulong)i), probe.Order);
    }

    /// <summary>Records how handlers ran: order, threads and the most running at once.</summary>
    private sealed class HandlerProbe
    {
        private int _running;
        private int _maxRunning;

        internal ConcurrentQueue<ulong> Order { get; } = new();

        internal ConcurrentDictionary<int, bool> Threads { get; } = new();

        internal int MaxRunning => Volatile.Read(ref _maxRunning);

        internal void Enter(ulong sequence)
        {
            Order.Enqueue(sequence);
            Threads[Environment.CurrentManagedThreadId] = true;
            int running = Interlocked.Increment(ref _running);
            int max;
            while (running > (max = Volatile.Read(ref _maxRunning)) && Interlocked.CompareExchange(ref _maxRunning, running, max) != max)
            {
            }
        }

        internal void Exit() => Interlocked.Decrement(ref _running);
    }
}
