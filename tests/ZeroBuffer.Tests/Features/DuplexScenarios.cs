using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using ZeroBuffer.Duplex;
using ZeroBuffer.Tests.Duplex;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Features;

/// <summary>Upstream feature 13, "Duplex Channel Tests", under protocol-v1 §7 and our duplex API.</summary>
public sealed class DuplexScenarios
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    /// <summary>"Within 1 s" dead-peer bound (protocol-v1 §6), plus slack for a loaded 2-core machine.</summary>
    private static readonly TimeSpan DeadPeerBound = TimeSpan.FromSeconds(1.5);

    private static readonly BufferConfig DefaultConfig = new(4096, 1024 * 1024);

    private static void Echo(Frame request, DuplexResponseWriter response) => response.Write(request.Span);

    /// <summary>Requests of 1 B, 1 KiB and 100 KiB (a timestamp in the first 8 bytes when there is room) come back intact, matched by sequence.</summary>
    [Fact]
    public void Feature_13_1_BasicRequestResponse()
    {
        using DuplexPair pair = DuplexPair.Immutable(Echo, DefaultConfig, prefix: "f13-1");
        foreach (int size in new[] { 1, 1024, 102400 })
        {
            byte[] request = new byte[size];
            Random.Shared.NextBytes(request);
            if (size >= 8)
            {
                BinaryPrimitives.WriteInt64LittleEndian(request, Stopwatch.GetTimestamp());
            }

            byte[] response = pair.RoundTrip(request); // asserts response.Sequence == request's
            Assert.Equal(size, response.Length);
            Assert.Equal(request, response);
        }

        Assert.Empty(pair.Errors);
    }

    /// <summary>10 requests sent back to back, then 10 responses: ascending sequence, each matching its request's content.</summary>
    [Fact]
    public void Feature_13_2_RequestResponseOrderPreservation()
    {
        using DuplexPair pair = DuplexPair.Immutable(Echo, DefaultConfig, prefix: "f13-2");
        var sent = new Dictionary<ulong, string>();
        for (int i = 0; i < 10; i++)
        {
            string text = $"Request {i}";
            sent[pair.Client.SendRequest(Encoding.UTF8.GetBytes(text))] = text;
        }

        ulong previous = 0;
        int received = 0;
        for (int i = 0; i < 10; i++)
        {
            using Frame response = pair.Client.ReceiveResponse(Deadline);
            Assert.True(response.IsValid);
            Assert.True(response.Sequence > previous, $"response {response.Sequence} after {previous}");
            previous = response.Sequence;
            Assert.Equal(sent[response.Sequence], Encoding.UTF8.GetString(response.Span));
            received++;
        }

        Assert.Equal(sent.Count, received);
    }

    /// <summary>20 requests from 4 threads at once (the multi-threaded version upstream dropped): exactly 20 responses, each its request's.</summary>
    [Fact]
    public async Task Feature_13_3_ConcurrentClientOperations()
    {
        using DuplexPair pair = DuplexPair.Immutable(Echo, DefaultConfig, prefix: "f13-3");
        using var timeout = new CancellationTokenSource(Deadline);
        var responses = new ConcurrentBag<(byte[] Request, DuplexResponse Response)>();
        Task[] senders = [.. Enumerable.Range(0, 4).Select(t => Task.Run(async () =>
        {
            for (int i = 0; i < 5; i++)
            {
                byte[] request = Encoding.UTF8.GetBytes($"thread {t} request {i}");
                responses.Add((request, await pair.Client.SendAsync(request, timeout.Token)));
            }
        }))];
        await Task.WhenAll(senders);

        Assert.Equal(20, responses.Count);
        Assert.All(responses, r => Assert.Equal(r.Request, r.Response.Payload.ToArray()));
        Assert.Equal(20, responses.Select(r => r.Response.Sequence).Distinct().Count());
    }

    /// <summary>SingleThread mode, a handler that takes 100 ms, 3 requests: handled one after the other, answered in order.</summary>
    [Fact]
    public void Feature_13_4_ServerProcessingModeSingleThread()
    {
        var intervals = new ConcurrentQueue<(ulong Sequence, long Start, long End)>();
        using DuplexPair pair = DuplexPair.Immutable((request, response) =>
        {
            long start = Stopwatch.GetTimestamp();
            Thread.Sleep(100); // the scenario's slow handler, not synchronization
            intervals.Enqueue((request.Sequence, start, Stopwatch.GetTimestamp())); // before answering: the client may check at once
            response.Write(request.Span);
        }, DefaultConfig, new DuplexServerOptions { Mode = ProcessingMode.SingleThread }, prefix: "f13-4");

        long begin = Stopwatch.GetTimestamp();
        ulong[] sequences = [pair.Client.SendRequest([1]), pair.Client.SendRequest([2]), pair.Client.SendRequest([3])];
        foreach (ulong sequence in sequences)
        {
            using Frame response = pair.Client.ReceiveResponse(Deadline);
            Assert.Equal(sequence, response.Sequence);
        }

        Assert.True(Stopwatch.GetElapsedTime(begin) >= TimeSpan.FromMilliseconds(300)); // sequential: 3 x 100 ms at least
        (ulong Sequence, long Start, long End)[] handled = [.. intervals];
        Assert.Equal(sequences, handled.Select(h => h.Sequence));
        for (int i = 1; i < handled.Length; i++)
        {
            Assert.True(handled[i].Start >= handled[i - 1].End, "two handlers overlapped");
        }
    }

    /// <summary>The server process dies (SIGKILL) while handling: the waiting client gets WriterDeadException within 1 s, and its next send ReaderDeadException.</summary>
    [Fact]
    public async Task Feature_13_5_ServerDeathDuringProcessing()
    {
        string channel = TestNames.Unique("f13-5");
        await using (CliProcess server = CliProcess.Start("serve", channel, "--delay-ms", "60000", "--log-requests", "--json"))
        {
            await server.WaitForEventAsync("ready");
            using (IDuplexClient client = new DuplexChannelFactory().CreateClient(channel))
            {
                using var timeout = new CancellationTokenSource(Deadline);
                Task<DuplexResponse> pending = client.SendAsync(new byte[1024], timeout.Token);
                await server.WaitForEventAsync("request"); // the handler is running

                await server.KillAsync(); // returns once the process is gone
                var sinceDeath = Stopwatch.StartNew();
                // A blocking wait: the measure does not depend on when the thread pool runs a continuation.
                var failure = Assert.Throws<AggregateException>(() => pending.Wait(Deadline));
                Assert.True(sinceDeath.Elapsed < DeadPeerBound, $"server death noticed after {sinceDeath.Elapsed}");
                Assert.IsType<WriterDeadException>(failure.InnerException);

                Assert.False(client.IsServerConnected);
                await Assert.ThrowsAsync<WriterDeadException>(() => client.SendAsync(new byte[1]));
            }

            // The killed server never removed its request buffer; the client removed its response buffer.
            DuplexPair.RemoveAbandonedServer(channel); // its request buffers, session 0 and any it had opened for a next client
        }

        DuplexPair.AssertNoBuffers(channel);
    }

    /// <summary>
    /// A client that keeps retrying after its server was SIGKILLed must not keep the channel
    /// claimed: each retry fails with ReaderDeadException and gives up the client's writer claim,
    /// so a restarted server can take the name while the old client object is still alive.
    /// </summary>
    [Fact]
    public async Task RetryingClientDoesNotBlockAServerRestart()
    {
        string channel = TestNames.Unique("f13-restart");
        var factory = new DuplexChannelFactory();
        IDuplexClient client = await ConnectToKilledServerAsync(channel);
        IImmutableDuplexServer restarted;
        try
        {
            Assert.Throws<ReaderDeadException>(() => client.SendRequest(new byte[16]));
            Assert.Throws<ReaderDeadException>(() => client.SendRequest(new byte[16]));

            // The old client object is still alive: the restarted server must get the name anyway.
            restarted = factory.CreateImmutableServer(channel, new BufferConfig(0, 64 * 1024));
            restarted.Start((Frame request, DuplexResponseWriter response) => response.Write(request.Span));
        }
        finally
        {
            client.Dispose(); // its response buffer is its own: a new client needs it gone
        }

        using (restarted)
        using (IDuplexClient fresh = factory.CreateClient(channel))
        {
            ulong sequence = fresh.SendRequest([42]);
            using Frame answer = fresh.ReceiveResponse(Deadline);
            Assert.Equal(sequence, answer.Sequence);
            Assert.Equal([42], answer.ToArray());
        }

        DuplexPair.AssertNoBuffers(channel);
    }

    /// <summary>Starts a CLI server, sends one request, SIGKILLs the server and returns the client after its ReceiveResponse reported the death.</summary>
    private static async Task<IDuplexClient> ConnectToKilledServerAsync(string channel)
    {
        await using CliProcess server = CliProcess.Start("serve", channel, "--delay-ms", "60000", "--log-requests", "--json");
        await server.WaitForEventAsync("ready");
        IDuplexClient client = new DuplexChannelFactory().CreateClient(channel);
        client.SendRequest(new byte[64]);
        await server.WaitForEventAsync("request");
        await server.KillAsync();
        Assert.Throws<WriterDeadException>(() => client.ReceiveResponse(Deadline));
        return client;
    }

    /// <summary>Feature 13.5 with the synchronous client: ReceiveResponse throws WriterDeadException within 1 s, the next SendRequest ReaderDeadException.</summary>
    [Fact]
    public async Task Feature_13_5_ServerDeathDuringProcessing_SynchronousClient()
    {
        string channel = TestNames.Unique("f13-5s");
        await using (CliProcess server = CliProcess.Start("serve", channel, "--delay-ms", "60000", "--log-requests", "--json"))
        {
            await server.WaitForEventAsync("ready");
            using (IDuplexClient client = new DuplexChannelFactory().CreateClient(channel))
            {
                client.SendRequest(new byte[1024]);
                await server.WaitForEventAsync("request");

                await server.KillAsync(); // returns once the process is gone
                var sinceDeath = Stopwatch.StartNew();
                Assert.Throws<WriterDeadException>(() => client.ReceiveResponse(Deadline));
                Assert.True(sinceDeath.Elapsed < DeadPeerBound, $"server death noticed after {sinceDeath.Elapsed}");
                Assert.Throws<ReaderDeadException>(() => client.SendRequest(new byte[16]));
            }

            DuplexPair.RemoveAbandonedServer(channel); // its request buffers, session 0 and any it had opened for a next client
        }

        DuplexPair.AssertNoBuffers(channel);
    }

    /// <summary>
    /// Response ring of 10 KiB, a handler answering with twice the request: the second 8 KiB
    /// response waits for space until the client reads the first, then goes through.
    /// </summary>
    [Fact]
    public void Feature_13_6_BufferFullOnResponseChannel()
    {
        var writing = new ManualResetEventSlim[3];
        var written = new ManualResetEventSlim[3];
        for (int i = 0; i < 3; i++)
        {
            writing[i] = new ManualResetEventSlim(false);
            written[i] = new ManualResetEventSlim(false);
        }

        try
        {
            using DuplexPair pair = DuplexPair.Immutable((request, response) =>
            {
                int s = (int)request.Sequence;
                writing[s].Set();
                Span<byte> target = response.GetBuffer(request.Size * 2);
                request.Span.CopyTo(target);
                request.Span.CopyTo(target[request.Size..]);
                response.Commit();
                written[s].Set();
            }, new BufferConfig(1024, 10240), prefix: "f13-6");

            byte[] first = new byte[4096];
            byte[] second = new byte[4096];
            Random.Shared.NextBytes(first);
            Random.Shared.NextBytes(second);
            pair.Client.SendRequest(first);
            pair.Client.SendRequest(second);

            Assert.True(written[1].Wait(Deadline));
            Assert.True(writing[2].Wait(Deadline));
            // 8208 of the 10240 bytes are held by the unread first response: the second waits.
            Assert.False(written[2].Wait(TimeSpan.FromMilliseconds(200)), "the second response was written into a full ring");

            using (Frame response = pair.Client.ReceiveResponse(Deadline))
            {
                Assert.Equal(1UL, response.Sequence);
                Assert.Equal([.. first, .. first], response.ToArray());
            }

            Assert.True(written[2].Wait(Deadline), "the server stayed blocked after the client read");
            using (Frame response = pair.Client.ReceiveResponse(Deadline))
            {
                Assert.Equal(2UL, response.Sequence);
                Assert.Equal([.. second, .. second], response.ToArray());
            }

            Assert.Empty(pair.Errors);
        }
        finally
        {
            foreach (ManualResetEventSlim e in writing.Concat(written))
            {
                e.Dispose();
            }
        }
    }

    /// <summary>Zero-copy request of 4 KiB with a pattern: the response has the same pattern; the client's send/receive path allocates nothing.</summary>
    [Fact]
    public void Feature_13_7_ZeroCopyClientOperations()
    {
        using DuplexPair pair = DuplexPair.Immutable(Echo, DefaultConfig, prefix: "f13-7");

        // No assertion inside the measured loop (xUnit's asserts allocate): count what goes wrong.
        int mismatches = 0;
        void RoundTrip()
        {
            Span<byte> request = pair.Client.AcquireRequestBuffer(4096, out ulong sequence);
            ScenarioData.Fill(request, (int)sequence);
            pair.Client.CommitRequest();
            using Frame response = pair.Client.ReceiveResponse(Deadline);
            if (!response.IsValid || response.Sequence != sequence || response.Size != 4096
                || ScenarioData.FirstMismatch(response.Span, (int)sequence) >= 0)
            {
                mismatches++;
            }
        }

        for (int i = 0; i < 10; i++)
        {
            RoundTrip(); // warm-up
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            RoundTrip();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, mismatches);
        Assert.Equal(0, allocated);
    }

    /// <summary>An XOR 0xFF handler over a 10 KiB pattern: the response is the request XOR 0xFF; the request itself is untouched.</summary>
    [Fact]
    public void Feature_13_8_ImmutableServerHandlerTypes()
    {
        byte[]? requestAfterHandler = null;
        using DuplexPair pair = DuplexPair.Immutable((request, response) =>
        {
            Span<byte> target = response.GetBuffer(request.Size);
            ReadOnlySpan<byte> source = request.Span;
            for (int i = 0; i < source.Length; i++)
            {
                target[i] = (byte)(source[i] ^ 0xFF);
            }

            response.Commit();
            requestAfterHandler = request.ToArray();
        }, DefaultConfig, prefix: "f13-8");

        byte[] request = new byte[10240];
        ScenarioData.Fill(request, 1);
        byte[] response = pair.RoundTrip(request);

        Assert.Equal(request.Select(b => (byte)(b ^ 0xFF)), response);
        Assert.Equal(request, requestAfterHandler);
    }

    /// <summary>
    /// The client is SIGKILLed while its request is being handled: the server reports the lost
    /// response (ReaderDeadException, sequence 1, session 0), keeps running, and serves the next
    /// client from a fresh request ring.
    /// </summary>
    [Fact]
    public async Task Feature_13_9_ClientDeathDuringResponseWait()
    {
        string channel = TestNames.Unique("f13-9");
        using var handling = new ManualResetEventSlim(false);
        using var clientKilled = new ManualResetEventSlim(false);
        var firstError = new TaskCompletionSource<DuplexErrorEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        using (IImmutableDuplexServer server = new DuplexChannelFactory().CreateImmutableServer(channel, DefaultConfig))
        {
            server.OnError += (_, e) => firstError.TrySetResult(e);
            server.Start((request, response) =>
            {
                handling.Set();
                Assert.True(clientKilled.Wait(Deadline));
                response.Write(request.Span);
            });

            await using (CliProcess client = CliProcess.Start("call", channel, "--size", "1024", "--json"))
            {
                await client.WaitForEventAsync("sent");
                Assert.True(handling.Wait(Deadline));
                await client.KillAsync();
                clientKilled.Set();
            }

            DuplexErrorEventArgs error = await firstError.Task.WaitAsync(Deadline);
            Assert.IsType<ReaderDeadException>(error.Exception);
            Assert.Equal(1UL, error.RequestSequence);
            Assert.Equal(0, error.Session);
            Assert.True(server.IsRunning);

            // The next client is served from a fresh ring, sequence 1: in session 0 once it is renewed (its response buffer
            // then replaces the killed client's), or in session 1, opened when the killed client took session 0.
            using IDuplexClient next = new DuplexChannelFactory().CreateClient(channel);
            Assert.InRange(next.Session, 0, 1);
            Assert.Equal(1UL, next.SendRequest([9, 8, 7]));
            using Frame response = next.ReceiveResponse(Deadline);
            Assert.True(response.IsValid, "no response in time");
            Assert.Equal(1UL, response.Sequence);
            Assert.Equal(new byte[] { 9, 8, 7 }, response.ToArray());
        }

        DuplexPair.RemoveAbandoned(channel + "_response"); // the killed client's, unless a next client of session 0 replaced it
        DuplexPair.AssertNoBuffers(channel);
    }

    /// <summary>
    /// 5 requests, 3 answered, 2 held by their handlers when the server is disposed: the 2 pending
    /// requests fail with WriterClosedException (the server closed its response writer on purpose)
    /// within the dead-peer bound, the server's buffers are gone, and a new server reuses the name.
    /// </summary>
    [Fact]
    public async Task Feature_13_10_ChannelCleanupOnDispose()
    {
        string channel = TestNames.Unique("f13-10");
        using var twoHeld = new CountdownEvent(2);
        IImmutableDuplexServer server = new DuplexChannelFactory().CreateImmutableServer(
            channel, DefaultConfig, new DuplexServerOptions { Mode = ProcessingMode.ThreadPool, MaxConcurrency = 2 });
        server.Start((request, response) =>
        {
            if (request.Sequence <= 3)
            {
                response.Write(request.Span);
                return;
            }

            // Held until the server stops (the dispose below waits for this handler); the client learns it from the writer's close.
            twoHeld.Signal();
            Assert.True(response.CancellationToken.WaitHandle.WaitOne(Deadline));
        });

        using (IDuplexClient client = new DuplexChannelFactory().CreateClient(channel))
        {
            Task<DuplexResponse>[] pending = [.. Enumerable.Range(1, 5).Select(i => client.SendAsync(new byte[] { (byte)i }))];
            DuplexResponse[] answered = await Task.WhenAll(pending.Take(3)).WaitAsync(Deadline);
            Assert.Equal([1UL, 2UL, 3UL], answered.Select(r => r.Sequence));
            Assert.True(twoHeld.Wait(Deadline));

            var sinceDispose = Stopwatch.StartNew();
            server.Dispose();
            Assert.False(server.IsRunning);
            Assert.True(server.Completion.IsCompleted);
            OsResources.AssertNone(channel + "_request");
            foreach (Task<DuplexResponse> p in pending.Skip(3))
            {
                // A blocking wait: the measure does not depend on when the thread pool runs a continuation.
                var failure = Assert.Throws<AggregateException>(() => p.Wait(Deadline));
                Assert.IsType<WriterClosedException>(failure.InnerException);
            }

            Assert.True(sinceDispose.Elapsed < DeadPeerBound, $"pending requests failed after {sinceDispose.Elapsed}");
            Assert.IsType<ReaderClosedException>(Assert.ThrowsAny<ReaderDeadException>(() => client.SendRequest([6])));
        }

        DuplexPair.AssertNoBuffers(channel);
        using DuplexPair next = DuplexPairOn(channel);
        Assert.Equal(new byte[] { 1, 2 }, next.RoundTrip([1, 2]));
    }

    private static DuplexPair DuplexPairOn(string channel) => DuplexPair.ImmutableOn(channel, Echo, DefaultConfig);
}
