using System.Buffers.Binary;
using System.Text.Json;
using ZeroBuffer.Duplex;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Duplex;

/// <summary>
/// <see cref="IDuplexClient.RequestAsync"/>: the response is a lease over the response ring (no
/// copy, no allocation), a handler's failure fails the call at once, cancellation withdraws the
/// call, and leases may be held and given back in any order. Also several clients at once, each in
/// its own session, and the same against a server in another process.
/// </summary>
public sealed class DuplexRequestAsyncTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private static void Echo(Frame request, DuplexResponseWriter response) => response.Write(request.Span);

    [Fact]
    public async Task RequestAsync_TheResponseIsALeaseOverTheRing_ValidAcrossAwaits_UntilDisposed()
    {
        using DuplexPair pair = DuplexPair.Immutable(Echo);
        byte[] request = [.. Enumerable.Range(0, 300).Select(i => (byte)i)];

        Frame response = await pair.Client.RequestAsync(request);
        ReadOnlyMemory<byte> memory = response.Memory;
        await Task.Yield(); // the lease stays valid across an await, on whatever thread resumes
        Assert.Equal(1UL, response.Sequence);
        Assert.Equal(request, memory.ToArray());

        response.Dispose();
        Assert.Throws<ObjectDisposedException>(() => memory.Span.ToArray());

        using Frame next = await pair.Client.RequestAsync(new byte[] { 7 });
        Assert.Equal(2UL, next.Sequence);
        Assert.Equal(new byte[] { 7 }, next.Memory.ToArray());
        Assert.Empty(pair.Errors);
    }

    [Fact]
    public async Task RequestAsync_HandlerThrows_FailsAtOnceWithTheServersMessage_TheNextRequestIsAnswered()
    {
        using DuplexPair pair = DuplexPair.Immutable((request, response) =>
        {
            if (request.Span[0] == 0xBA)
            {
                throw new InvalidDataException("request 0xBA is not welcome here");
            }

            response.Write(request.Span);
        });

        DuplexHandlerException failed = await Assert.ThrowsAsync<DuplexHandlerException>(
            async () => await pair.Client.RequestAsync(new byte[] { 0xBA }).AsTask().WaitAsync(Deadline));
        Assert.Equal(1UL, failed.RequestSequence);
        Assert.Equal(typeof(InvalidDataException).FullName, failed.RemoteType);
        Assert.Equal("request 0xBA is not welcome here", failed.RemoteMessage);
        Assert.Equal(ZeroBufferErrorKind.DuplexHandlerFailed, failed.Kind);

        using Frame next = await pair.Client.RequestAsync(new byte[] { 1, 2 }).AsTask().WaitAsync(Deadline);
        Assert.Equal(2UL, next.Sequence);
        Assert.Equal(new byte[] { 1, 2 }, next.Memory.ToArray());
        Assert.IsType<InvalidDataException>(Assert.Single(pair.Errors).Exception);
    }

    [Fact]
    public async Task RequestAsync_CancelledWhileAwaited_ThrowsAtOnce_TheLateResponseIsDropped_TheChannelStaysUsable()
    {
        using var release = new ManualResetEventSlim(false);
        using DuplexPair pair = DuplexPair.Immutable((request, response) =>
        {
            if (request.Sequence == 1)
            {
                Assert.True(release.Wait(Deadline));
            }

            response.Write(request.Span);
        });

        using var cancel = new CancellationTokenSource();
        ValueTask<Frame> held = pair.Client.RequestAsync(new byte[] { 1 }, cancel.Token);
        Assert.False(held.IsCompleted);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await held.AsTask().WaitAsync(Deadline));

        release.Set(); // the response to the cancelled request arrives now, and nobody is waiting for it
        using Frame next = await pair.Client.RequestAsync(new byte[] { 2 }).AsTask().WaitAsync(Deadline);
        Assert.Equal(2UL, next.Sequence);
        Assert.Equal(new byte[] { 2 }, next.Memory.ToArray());
        Assert.Equal(1, ((DuplexClient)pair.Client).UnmatchedResponses);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pair.Client.RequestAsync(new byte[] { 3 }, cancel.Token));
    }

    [Fact]
    public async Task RequestAsync_LeasesHeldThenDisposedOutOfOrder_GiveTheirSpaceBack()
    {
        // Response ring of 4 KiB: three 1000-byte responses fill most of it; they are held, given
        // back newest first, and the ring then carries many more than it could hold at once.
        var config = new BufferConfig(4096, 4096);
        using DuplexPair pair = DuplexPair.Immutable(Echo, config, clientOptions: new DuplexClientOptions { ResponseConfig = config });
        var held = new Frame[3];
        for (int i = 0; i < held.Length; i++)
        {
            byte[] request = new byte[1000];
            request.AsSpan().Fill((byte)(i + 1));
            held[i] = await pair.Client.RequestAsync(request).AsTask().WaitAsync(Deadline);
        }

        for (int i = held.Length - 1; i >= 0; i--)
        {
            Assert.All(held[i].Memory.ToArray(), b => Assert.Equal((byte)(i + 1), b)); // still intact: nothing overwrote a held lease
            held[i].Dispose();
        }

        for (int i = 0; i < 20; i++)
        {
            byte[] request = new byte[1000];
            BinaryPrimitives.WriteInt32LittleEndian(request, i);
            using Frame response = await pair.Client.RequestAsync(request).AsTask().WaitAsync(Deadline);
            Assert.Equal(request, response.Memory.ToArray());
        }

        Assert.Empty(pair.Errors);
    }

    [Fact]
    public async Task SeveralClientsAtOnce_EachGetsItsOwnSession_AndOnlyItsOwnResponses()
    {
        const int Clients = 3;
        string channel = TestNames.Unique("dx-sessions");
        using (IImmutableDuplexServer server = new DuplexChannelFactory().CreateImmutableServer(channel, DuplexPair.DefaultConfig))
        {
            server.Start(Echo);
            var clients = new IDuplexClient[Clients];
            try
            {
                for (int c = 0; c < Clients; c++)
                {
                    clients[c] = new DuplexChannelFactory().CreateClient(channel);
                }

                Assert.Equal([0, 1, 2], clients.Select(c => c.Session));
                await Task.WhenAll(clients.Select((client, c) => Task.Run(async () =>
                {
                    for (int i = 0; i < 200; i++)
                    {
                        byte[] request = new byte[8 + i];
                        BinaryPrimitives.WriteInt32LittleEndian(request, c);
                        BinaryPrimitives.WriteInt32LittleEndian(request.AsSpan(4), i);
                        using Frame response = await client.RequestAsync(request);
                        Assert.Equal((ulong)(i + 1), response.Sequence);
                        Assert.Equal(request, response.Memory.ToArray());
                    }
                }))).WaitAsync(Deadline);
            }
            finally
            {
                foreach (IDuplexClient? client in clients)
                {
                    client?.Dispose();
                }
            }

            Assert.True(server.IsRunning);
        }

        DuplexPair.AssertNoBuffers(channel);
    }

    [Fact]
    public async Task CrossProcess_ServeFailEvery_EachFailedRequestFailsAtOnce_TheOthersAreAnswered()
    {
        string channel = TestNames.Unique("dx-fail");
        await using (CliProcess server = CliProcess.Start("serve", channel, "--fail-every", "3", "--json"))
        {
            await server.WaitForEventAsync("ready");
            using (IDuplexClient client = new DuplexChannelFactory().CreateClient(channel))
            {
                for (ulong s = 1; s <= 9; s++)
                {
                    byte[] request = new byte[16];
                    BinaryPrimitives.WriteUInt64LittleEndian(request, s);
                    if (s % 3 == 0)
                    {
                        DuplexHandlerException failed = await Assert.ThrowsAsync<DuplexHandlerException>(
                            async () => await client.RequestAsync(request).AsTask().WaitAsync(Deadline));
                        Assert.Equal(s, failed.RequestSequence);
                        JsonElement reported = await server.WaitForEventAsync("server-error");
                        Assert.Equal(s, reported.GetProperty("sequence").GetUInt64());
                        Assert.Equal(reported.GetProperty("message").GetString(), failed.RemoteMessage);
                    }
                    else
                    {
                        using Frame response = await client.RequestAsync(request).AsTask().WaitAsync(Deadline);
                        Assert.Equal(s, response.Sequence);
                        Assert.Equal(request, response.Memory.ToArray());
                    }
                }
            }

            await server.TerminateAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(130, await server.WaitForExitAsync());
        }

        DuplexPair.AssertNoBuffers(channel);
    }

    [Fact]
    public async Task CrossProcess_ServerKilledWhileAwaited_TheCallFailsWithinASecond()
    {
        string channel = TestNames.Unique("dx-kill");
        await using (CliProcess server = CliProcess.Start("serve", channel, "--delay-ms", "60000", "--log-requests", "--json"))
        {
            await server.WaitForEventAsync("ready");
            using (IDuplexClient client = new DuplexChannelFactory().CreateClient(channel))
            {
                Task<Frame> awaited = client.RequestAsync(new byte[] { 1, 2, 3 }).AsTask();
                await server.WaitForEventAsync("request"); // the handler holds it
                await server.KillAsync();
                var sinceKill = System.Diagnostics.Stopwatch.StartNew();
                await Assert.ThrowsAsync<WriterDeadException>(async () => await awaited.WaitAsync(Deadline));
                Assert.True(sinceKill.Elapsed < TimeSpan.FromSeconds(1.5), $"the call failed {sinceKill.Elapsed} after the kill");
            }

            DuplexPair.RemoveAbandonedServer(channel);
        }

        DuplexPair.AssertNoBuffers(channel);
    }
}
