using System.Buffers.Binary;
using System.Collections.Concurrent;
using ZeroBuffer.Duplex;

namespace ZeroBuffer.Tests.Duplex;

/// <summary>The correlated client API: <see cref="IDuplexClient.SendAsync"/>.</summary>
public sealed class DuplexAsyncTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task SendAsync_CompletesEachRequestWithItsOwnResponse_WhenAnsweredInReverseOrder()
    {
        const int Count = 4;
        // Handler of request s (s < Count) answers only after request s + 1 was answered: the
        // server writes the responses in the order 4, 3, 2, 1.
        var answered = new ManualResetEventSlim[Count + 2];
        for (int i = 0; i < answered.Length; i++)
        {
            answered[i] = new ManualResetEventSlim(false);
        }

        var writeOrder = new ConcurrentQueue<ulong>();
        // Blocked handlers need a thread each: dedicated threads, not the (slowly growing) .NET pool.
        using var scheduler = new DedicatedThreadScheduler(Count, "reverse-order");
        using DuplexPair pair = DuplexPair.Immutable((request, response) =>
        {
            ulong s = request.Sequence;
            if (s < Count)
            {
                Assert.True(answered[s + 1].Wait(Deadline), $"request {s + 1} never answered");
            }

            Span<byte> target = response.GetBuffer(request.Size + 1);
            request.Span.CopyTo(target);
            target[^1] = (byte)s;
            response.Commit();
            writeOrder.Enqueue(s);
            answered[s].Set();
        }, options: new DuplexServerOptions { Mode = ProcessingMode.ThreadPool, MaxConcurrency = Count, Scheduler = scheduler });

        using var timeout = new CancellationTokenSource(Deadline);
        var requests = new byte[Count][];
        var tasks = new Task<DuplexResponse>[Count];
        for (int i = 0; i < Count; i++)
        {
            requests[i] = [(byte)(10 * i), (byte)(10 * i + 1)];
            tasks[i] = pair.Client.SendAsync(requests[i], timeout.Token);
        }

        DuplexResponse[] responses = await Task.WhenAll(tasks);

        Assert.Equal([4UL, 3UL, 2UL, 1UL], writeOrder);
        for (int i = 0; i < Count; i++)
        {
            Assert.Equal((ulong)(i + 1), responses[i].Sequence);
            Assert.Equal([.. requests[i], (byte)(i + 1)], responses[i].Payload.ToArray());
        }

        Assert.Throws<InvalidOperationException>(() => pair.Client.ReceiveResponse(TimeSpan.Zero));
        foreach (ManualResetEventSlim e in answered)
        {
            e.Dispose();
        }
    }

    [Fact]
    public async Task SendAsync_ManyConcurrentCallers_AllCorrelated()
    {
        using DuplexPair pair = DuplexPair.Immutable(static (request, response) =>
        {
            Span<byte> target = response.GetBuffer(8);
            BinaryPrimitives.WriteUInt64LittleEndian(target, BinaryPrimitives.ReadUInt64LittleEndian(request.Span) * 3);
            response.Commit();
        }, options: new DuplexServerOptions { Mode = ProcessingMode.ThreadPool, MaxConcurrency = 4 });

        using var timeout = new CancellationTokenSource(Deadline);
        async Task Caller(int id)
        {
            for (int i = 0; i < 200; i++)
            {
                ulong value = (ulong)(id * 100_000 + i);
                byte[] request = new byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(request, value);
                DuplexResponse response = await pair.Client.SendAsync(request, timeout.Token);
                Assert.Equal(value * 3, BinaryPrimitives.ReadUInt64LittleEndian(response.Payload.Span));
            }
        }

        await Task.WhenAll(Enumerable.Range(1, 8).Select(id => Task.Run(() => Caller(id))));
        Assert.Empty(pair.Errors);
    }

    [Fact]
    public async Task SendAsync_Cancelled_LateResponseIsDropped()
    {
        using var release = new ManualResetEventSlim(false);
        using DuplexPair pair = DuplexPair.Immutable((request, response) =>
        {
            if (request.Span[0] == 1)
            {
                Assert.True(release.Wait(Deadline));
            }

            response.Write(request.Span);
        });

        using var cancel = new CancellationTokenSource();
        Task<DuplexResponse> first = pair.Client.SendAsync(new byte[] { 1 }, cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);

        release.Set();
        using var timeout = new CancellationTokenSource(Deadline);
        DuplexResponse second = await pair.Client.SendAsync(new byte[] { 2 }, timeout.Token);
        Assert.Equal(2UL, second.Sequence);
        Assert.Equal(new byte[] { 2 }, second.Payload.ToArray());
    }

    [Fact]
    public async Task SendAsync_ClientDisposed_PendingRequestFails()
    {
        using var release = new ManualResetEventSlim(false);
        var channel = DuplexPair.Immutable((request, response) =>
        {
            release.Wait(Deadline);
            response.Write(request.Span);
        });
        using (channel)
        {
            Task<DuplexResponse> pending = channel.Client.SendAsync(new byte[] { 1 });
            channel.Client.Dispose();
            await Assert.ThrowsAsync<ObjectDisposedException>(() => pending.WaitAsync(Deadline));
            await Assert.ThrowsAsync<ObjectDisposedException>(() => channel.Client.SendAsync(new byte[] { 2 }));
            release.Set();
        }
    }
}
