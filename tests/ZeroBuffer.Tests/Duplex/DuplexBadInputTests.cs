using ZeroBuffer.Duplex;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Duplex;

/// <summary>
/// The "bad input" list: typed errors, never a hang, crash or mismatched response. A request
/// the server cannot answer fails at once at the client (<see cref="DuplexHandlerException"/>, an
/// error response, docs/protocol.md §8), and the channel stays usable.
/// </summary>
public sealed class DuplexBadInputTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public void HandlerThrows_TheClientGetsTheServersMessageAtOnce_ServerKeepsServing()
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
        DuplexHandlerException failed = Assert.Throws<DuplexHandlerException>(() => pair.Client.ReceiveResponse(Deadline));
        Assert.Equal(bad, failed.RequestSequence);
        Assert.Equal("System.IO.InvalidDataException", failed.RemoteType);
        Assert.Equal("bad request", failed.RemoteMessage);
        Assert.Equal(ZeroBufferErrorKind.DuplexHandlerFailed, failed.Kind);
        Assert.Equal(new byte[] { 1, 2 }, pair.RoundTrip([1, 2])); // the next response answers the next request

        DuplexErrorEventArgs error = Assert.Single(pair.Errors);
        Assert.IsType<InvalidDataException>(error.Exception);
        Assert.Equal(bad, error.RequestSequence);
        Assert.True(pair.Server.IsRunning);
    }

    [Fact]
    public void ResponseLargerThanResponseRing_FrameTooLarge_ReachesTheClient_ServerKeepsServing()
    {
        using DuplexPair pair = DuplexPair.Immutable(static (request, response) =>
        {
            response.Write(new byte[request.Span[0] == 1 ? 8192 : 4]);
        }, clientOptions: new DuplexClientOptions { ResponseConfig = new BufferConfig(0, 4096) });

        ulong tooLarge = pair.Client.SendRequest([1]);
        DuplexHandlerException failed = Assert.Throws<DuplexHandlerException>(() => pair.Client.ReceiveResponse(Deadline));
        Assert.Equal(tooLarge, failed.RequestSequence);
        Assert.Equal("ZeroBuffer.FrameTooLargeException", failed.RemoteType);
        Assert.Contains("8192 bytes", failed.RemoteMessage, StringComparison.Ordinal);
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

        Assert.Equal(new byte[] { 3 }, pair.RoundTrip([3])); // answered: the failed second answer sends no error response
        Assert.Equal(new byte[] { 4 }, pair.RoundTrip([4])); // no stray second response in between
        Assert.Equal(new byte[] { 5 }, pair.RoundTrip([5])); // one thread: request 2's error was reported before 3 was handled

        Assert.All(pair.Errors, e => Assert.IsType<InvalidOperationException>(e.Exception));
        Assert.Contains(pair.Errors, e => e.RequestSequence == 1);
        Assert.Contains(pair.Errors, e => e.RequestSequence == 2);
    }

    [Fact]
    public void UncommittedResponseBuffer_Dropped_TheClientIsToldNoResponse_NextResponseFine()
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

        ulong dropped = pair.Client.SendRequest([0xAB]); // acquired, never committed: dropped, and the lock is released
        DuplexHandlerException failed = Assert.Throws<DuplexHandlerException>(() => pair.Client.ReceiveResponse(Deadline));
        Assert.Equal(dropped, failed.RequestSequence);
        Assert.Equal("NoResponse", failed.RemoteType);
        Assert.Equal(new byte[] { 5 }, pair.RoundTrip([5]));
        Assert.IsType<InvalidOperationException>(Assert.Single(pair.Errors).Exception);
    }

    [Fact]
    public void ClientWithoutServer_BufferNotFound_SaysSoPlainly()
    {
        string channel = TestNames.Unique("dx-none");
        var factory = new DuplexChannelFactory();
        BufferNotFoundException none = Assert.Throws<BufferNotFoundException>(
            () => factory.CreateClient(channel, new DuplexClientOptions { ConnectTimeout = TimeSpan.FromMilliseconds(100) }));
        Assert.Contains($"No server is serving channel '{channel}'", none.Message, StringComparison.Ordinal);
        Assert.False(DuplexChannelFactory.WaitExists(channel, TimeSpan.FromMilliseconds(50)));
        DuplexPair.AssertNoBuffers(channel);
    }

    [Fact]
    public void EverySessionTaken_TheNextClientIsRejected_TheOthersKeepWorking()
    {
        using DuplexPair pair = DuplexPair.Immutable(static (request, response) => response.Write(request.Span),
            options: new DuplexServerOptions { MaxSessions = 1 });
        Assert.True(DuplexChannelFactory.WaitExists(pair.Channel, TimeSpan.Zero));
        Assert.Equal(new byte[] { 5 }, pair.RoundTrip([5])); // the first client holds session 0, the only one
        WriterAlreadyConnectedException busy = Assert.Throws<WriterAlreadyConnectedException>(() =>
            new DuplexChannelFactory().CreateClient(pair.Channel, new DuplexClientOptions { ConnectTimeout = TimeSpan.FromMilliseconds(200) }));
        Assert.Contains("taken", busy.Message, StringComparison.Ordinal);
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
    public async Task ResponseBufferNeverAppears_ConnectTimeout_ThatClientsSessionEnds_TheNextIsServed()
    {
        string channel = TestNames.Unique("dx-noresp");
        var errors = new System.Collections.Concurrent.ConcurrentQueue<DuplexErrorEventArgs>();
        using var reported = new SemaphoreSlim(0);
        using (IImmutableDuplexServer server = new DuplexChannelFactory().CreateImmutableServer(channel, new BufferConfig(0, 4096),
                   new DuplexServerOptions { ConnectTimeout = TimeSpan.FromMilliseconds(200) }))
        {
            server.OnError += (_, e) =>
            {
                errors.Enqueue(e);
                reported.Release();
            };
            server.Start(static (request, response) => response.Write(request.Span));

            // Not a duplex client: a bare writer sends a request and never creates the response buffer.
            using (var writer = new Writer(channel + "_request"))
            {
                writer.WriteFrame([1, 2, 3]);
                Assert.True(await reported.WaitAsync(Deadline));
            }

            Assert.True(server.IsRunning);
            DuplexErrorEventArgs error = Assert.Single(errors);
            Assert.IsType<TimeoutException>(error.Exception);
            Assert.Equal(0, error.Session);

            using IDuplexClient client = new DuplexChannelFactory().CreateClient(channel); // session 0, renewed
            Assert.Equal(0, client.Session);
            client.SendRequest([9]);
            using Frame response = client.ReceiveResponse(Deadline);
            Assert.Equal(9, response.Span[0]);
        }

        DuplexPair.AssertNoBuffers(channel);
    }

    [Fact]
    public void ClientLeaves_TheNextClientIsServed_InAFreshSession_ResourcesDisposedOnceAtStop()
    {
        DuplexPair pair = DuplexPair.Immutable(static (request, response) => response.Write(request.Span));
        Assert.Equal(new byte[] { 1 }, pair.RoundTrip([1]));
        pair.Client.Dispose();

        // Session 0's buffers are renewed for the next client: its requests number from 1 again, and it can set metadata.
        using (IDuplexClient next = new DuplexChannelFactory().CreateClient(pair.Channel))
        {
            next.SetMetadata([7]);
            Assert.Equal(1UL, next.SendRequest([2]));
            using Frame response = next.ReceiveResponse(Deadline);
            Assert.Equal(1UL, response.Sequence);
            Assert.Equal(2, response.Span[0]);
            Assert.True(pair.Server.IsRunning);
        }

        Assert.Empty(pair.Errors);
        pair.Server.Dispose();
        Assert.True(pair.Server.Completion.IsCompleted);
        Assert.False(pair.Server.IsRunning);
        pair.Dispose(); // disposing again: nothing left to do, nothing thrown; every buffer is gone
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
            DuplexPair.AssertNoBuffers(pair.Channel, clientStillOpen: true);
        }
    }

    [Fact]
    public void InvalidChannelNames_Rejected()
    {
        var factory = new DuplexChannelFactory();
        Assert.Throws<ArgumentException>(() => factory.CreateImmutableServer("bad/name", new BufferConfig()));
        Assert.Throws<ArgumentException>(() => factory.CreateClient(new string('a', 189))); // its session 99 would need 201 characters
        Assert.ThrowsAny<ArgumentException>(() => factory.CreateMutableServer("", new BufferConfig()));
        Assert.Throws<ArgumentNullException>(() => factory.CreateImmutableServer("ok", null!));
        Assert.Throws<ArgumentException>(() => factory.CreateImmutableServer("ok", new BufferConfig(),
            new DuplexServerOptions { Scheduler = TaskScheduler.Default }));
        Assert.Throws<ArgumentOutOfRangeException>(() => factory.CreateImmutableServer("ok", new BufferConfig(),
            new DuplexServerOptions { Mode = ProcessingMode.ThreadPool, MaxConcurrency = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => factory.CreateImmutableServer("ok", new BufferConfig(), new DuplexServerOptions { MaxSessions = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => factory.CreateImmutableServer("ok", new BufferConfig(), new DuplexServerOptions { MaxSessions = 101 }));
    }
}
