using ZeroBuffer.Duplex;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Duplex;

/// <summary>The "bad input" list: typed errors, never a hang, crash or mismatched response.</summary>
public sealed class DuplexBadInputTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public void HandlerThrows_ReportedThroughOnError_ServerKeepsServing()
    {
        using DuplexPair pair = DuplexPair.Immutable(static (request, response) =>
        {
            if (request.Span[0] == 0xEE)
            {
                throw new InvalidDataException("bad request");
            }

            response.Write(request.Span);
        });

        ulong bad = pair.Client.SendRequest([0xEE]);
        Assert.Equal(new byte[] { 1, 2 }, pair.RoundTrip([1, 2])); // the next response answers the next request

        DuplexErrorEventArgs error = Assert.Single(pair.Errors);
        Assert.IsType<InvalidDataException>(error.Exception);
        Assert.Equal(bad, error.RequestSequence);
        Assert.True(pair.Server.IsRunning);
    }

    [Fact]
    public void ResponseLargerThanResponseRing_FrameTooLarge_ServerKeepsServing()
    {
        using DuplexPair pair = DuplexPair.Immutable(static (request, response) =>
        {
            response.Write(new byte[request.Span[0] == 1 ? 8192 : 4]);
        }, clientOptions: new DuplexClientOptions { ResponseConfig = new BufferConfig(0, 4096) });

        ulong tooLarge = pair.Client.SendRequest([1]);
        Assert.Equal(new byte[4], pair.RoundTrip([2]));

        DuplexErrorEventArgs error = Assert.Single(pair.Errors);
        Assert.IsType<FrameTooLargeException>(error.Exception);
        Assert.Equal(tooLarge, error.RequestSequence);
    }

    [Fact]
    public void HandlerAnswersTwice_SecondAnswerRejected_FirstDelivered()
    {
        using DuplexPair pair = DuplexPair.Immutable(static (request, response) =>
        {
            response.Write(request.Span);
            response.Write(request.Span);
        });

        Assert.Equal(new byte[] { 3 }, pair.RoundTrip([3]));
        Assert.Equal(new byte[] { 4 }, pair.RoundTrip([4])); // no stray second response in between
        Assert.Equal(new byte[] { 5 }, pair.RoundTrip([5])); // one thread: request 2's error was reported before 3 was handled

        Assert.All(pair.Errors, e => Assert.IsType<InvalidOperationException>(e.Exception));
        Assert.Contains(pair.Errors, e => e.RequestSequence == 1);
        Assert.Contains(pair.Errors, e => e.RequestSequence == 2);
    }

    [Fact]
    public void UncommittedResponseBuffer_Dropped_NextResponseFine()
    {
        using DuplexPair pair = DuplexPair.Immutable(static (request, response) =>
        {
            Span<byte> target = response.GetBuffer(request.Size);
            request.Span.CopyTo(target);
            if (request.Span[0] != 0xAB)
            {
                response.Commit();
            }
        });

        pair.Client.SendRequest([0xAB]); // acquired, never committed: no response, and the lock is released
        Assert.Equal(new byte[] { 5 }, pair.RoundTrip([5]));
        Assert.Empty(pair.Errors);
    }

    [Fact]
    public void ClientWithoutServer_BufferNotFound()
    {
        string channel = TestNames.Unique("dx-none");
        var factory = new DuplexChannelFactory();
        Assert.Throws<BufferNotFoundException>(() => factory.CreateClient(channel));
        Assert.False(DuplexChannelFactory.WaitExists(channel, TimeSpan.FromMilliseconds(50)));
        DuplexPair.AssertNoBuffers(channel);
    }

    [Fact]
    public void SecondClient_Rejected_FirstKeepsWorking()
    {
        using DuplexPair pair = DuplexPair.Immutable(static (request, response) => response.Write(request.Span));
        Assert.True(DuplexChannelFactory.WaitExists(pair.Channel, TimeSpan.Zero));
        Assert.Throws<WriterAlreadyConnectedException>(() => new DuplexChannelFactory().CreateClient(pair.Channel));
        Assert.Equal(new byte[] { 6 }, pair.RoundTrip([6]));
    }

    [Fact]
    public void StartTwice_Rejected_StopIsIdempotent()
    {
        string channel = TestNames.Unique("dx-twice");
        using (IImmutableDuplexServer server = new DuplexChannelFactory().CreateImmutableServer(channel, new BufferConfig(0, 4096)))
        {
            Assert.False(server.IsRunning);
            server.Start(static (_, _) => { });
            Assert.True(server.IsRunning);
            Assert.Throws<InvalidOperationException>(() => server.Start(static (_, _) => { }));
            server.Stop();
            server.Stop();
            Assert.False(server.IsRunning);
            Assert.True(server.Completion.IsCompleted);
            Assert.Throws<InvalidOperationException>(() => server.Start(static (_, _) => { }));
        }

        DuplexPair.AssertNoBuffers(channel);
        using IImmutableDuplexServer neverStarted = new DuplexChannelFactory().CreateImmutableServer(channel, new BufferConfig(0, 4096));
        neverStarted.Dispose();
        Assert.True(neverStarted.Completion.IsCompleted);
        Assert.Throws<ObjectDisposedException>(() => neverStarted.Start(static (_, _) => { }));
    }

    [Fact]
    public async Task ResponseBufferNeverAppears_ConnectTimeout_SessionEndsAndCleansUp()
    {
        string channel = TestNames.Unique("dx-noresp");
        var errors = new System.Collections.Concurrent.ConcurrentQueue<DuplexErrorEventArgs>();
        using IImmutableDuplexServer server = new DuplexChannelFactory().CreateImmutableServer(channel, new BufferConfig(0, 4096),
            new DuplexServerOptions { ConnectTimeout = TimeSpan.FromMilliseconds(200) });
        server.OnError += (_, e) => errors.Enqueue(e);
        server.Start(static (request, response) => response.Write(request.Span));

        // Not a duplex client: a bare writer sends a request and never creates the response buffer.
        using (var writer = new Writer(channel + "_request"))
        {
            writer.WriteFrame([1, 2, 3]);
            await server.Completion.WaitAsync(Deadline);
        }

        Assert.False(server.IsRunning);
        DuplexErrorEventArgs error = Assert.Single(errors);
        Assert.IsType<TimeoutException>(error.Exception);
        DuplexPair.AssertNoBuffers(channel);
    }

    [Fact]
    public async Task ClientLeaves_SessionEndsByItself_ResourcesDisposedOnce()
    {
        DuplexPair pair = DuplexPair.Immutable(static (request, response) => response.Write(request.Span));
        Assert.Equal(new byte[] { 1 }, pair.RoundTrip([1]));

        pair.Client.Dispose();
        await pair.Server.Completion.WaitAsync(Deadline); // the session ends when the client leaves
        Assert.False(pair.Server.IsRunning);
        OsResources.AssertNone(pair.Channel + "_request"); // disposed by the server's own thread, without Stop
        Assert.Empty(pair.Errors);

        pair.Dispose(); // Stop and Dispose after the loop ended by itself: nothing left to do, nothing thrown
    }

    [Fact]
    public async Task Stop_WhileResponseWaitsForSpace_AbandonsItAndCleansUp()
    {
        using var waiting = new SemaphoreSlim(0);
        DuplexPair pair = DuplexPair.Immutable((request, response) =>
        {
            if (request.Sequence == 2)
            {
                waiting.Release(); // about to wait: the unread first response fills the ring
            }

            response.Write(new byte[3000]);
        }, options: new DuplexServerOptions { ResponseWriteTimeout = Timeout.InfiniteTimeSpan },
           clientOptions: new DuplexClientOptions { ResponseConfig = new BufferConfig(0, 4096) });
        using (pair)
        {
            pair.Client.SendRequest([1]);
            pair.Client.SendRequest([2]);
            Assert.True(await waiting.WaitAsync(Deadline));

            await Task.Run(pair.Server.Stop).WaitAsync(Deadline); // returns although the write would wait for ever
            Assert.False(pair.Server.IsRunning);
            Assert.Empty(pair.Errors); // abandoned on stop: not an error
            OsResources.AssertNone(pair.Channel + "_request");
        }
    }

    [Fact]
    public void InvalidChannelNames_Rejected()
    {
        var factory = new DuplexChannelFactory();
        Assert.Throws<ArgumentException>(() => factory.CreateImmutableServer("bad/name", new BufferConfig()));
        Assert.Throws<ArgumentException>(() => factory.CreateClient(new string('a', 192)));
        Assert.ThrowsAny<ArgumentException>(() => factory.CreateMutableServer("", new BufferConfig()));
        Assert.Throws<ArgumentNullException>(() => factory.CreateImmutableServer("ok", null!));
        Assert.Throws<ArgumentException>(() => factory.CreateImmutableServer("ok", new BufferConfig(),
            new DuplexServerOptions { Scheduler = TaskScheduler.Default }));
        Assert.Throws<ArgumentOutOfRangeException>(() => factory.CreateImmutableServer("ok", new BufferConfig(),
            new DuplexServerOptions { Mode = ProcessingMode.ThreadPool, MaxConcurrency = 0 }));
    }
}
