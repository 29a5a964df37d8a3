using System.Text;
using NATS.Client.Core;
using ZeroBuffer.Duplex;
using ZeroBuffer.Nats.Duplex;
using ZeroBuffer.Nats.Tests.Infrastructure;

namespace ZeroBuffer.Nats.Tests;

/// <summary>
/// A local duplex client on "host A" served by a duplex server on "host B" through NATS: responses
/// correlated, and handler errors, timeouts and a missing server reaching the caller as
/// <see cref="DuplexHandlerException"/>s, as they do locally.
/// </summary>
public sealed class DuplexOverNatsTests
{
    [Fact]
    public async Task Concurrent_requests_are_answered_by_the_server_on_the_other_host_each_with_its_own_response()
    {
        await using NatsServer server = await NatsServer.StartAsync();
        await using var pair = await DuplexPair.StartAsync(server);
        using IDuplexClient client = pair.ConnectClient();

        Task<(ulong, byte[], byte[])>[] calls = [.. Enumerable.Range(1, 20).Select(i => Task.Run(async () =>
        {
            byte[] request = Encoding.UTF8.GetBytes($"request number {i} " + new string('x', i * 37));
            using Frame response = await client.RequestAsync(request);
            return (response.Sequence, request, response.ToArray());
        }))];
        (ulong Sequence, byte[] Request, byte[] Response)[] results = await Task.WhenAll(calls);

        foreach ((ulong _, byte[] request, byte[] response) in results)
        {
            Assert.Equal(request.Reverse(), response);
        }

        Assert.Equal(20, results.Select(r => r.Sequence).Distinct().Count());
        Assert.Equal(20, pair.ServerBridge.RequestsForwarded);
    }

    [Fact]
    public async Task A_handler_error_on_the_other_host_fails_the_request_at_once_and_the_channel_goes_on()
    {
        await using NatsServer server = await NatsServer.StartAsync();
        await using var pair = await DuplexPair.StartAsync(server);
        using IDuplexClient client = pair.ConnectClient();

        var error = await Assert.ThrowsAsync<DuplexHandlerException>(async () => await client.RequestAsync("fail"u8.ToArray()));
        Assert.Contains("System.FormatException: this request is not acceptable", error.RemoteMessage, StringComparison.Ordinal);
        Assert.Equal(typeof(NatsRemoteDuplexException).FullName, error.RemoteType);

        using Frame next = await client.RequestAsync("abc"u8.ToArray());
        Assert.Equal("cba"u8.ToArray(), next.ToArray());
    }

    [Fact]
    public async Task A_server_that_does_not_answer_in_time_fails_the_request_with_a_timeout()
    {
        await using NatsServer server = await NatsServer.StartAsync();
        await using var pair = await DuplexPair.StartAsync(server, requestTimeout: TimeSpan.FromMilliseconds(300));
        using IDuplexClient client = pair.ConnectClient();

        var error = await Assert.ThrowsAsync<DuplexHandlerException>(async () => await client.RequestAsync("slow"u8.ToArray()));
        Assert.Equal(typeof(TimeoutException).FullName, error.RemoteType);
        pair.ReleaseSlow();
    }

    [Fact]
    public async Task Without_a_server_bridge_on_the_other_host_the_request_fails_saying_so()
    {
        await using NatsServer server = await NatsServer.StartAsync();
        await using var pair = await DuplexPair.StartAsync(server, startServerSide: false);
        using IDuplexClient client = pair.ConnectClient();

        var error = await Assert.ThrowsAsync<DuplexHandlerException>(async () => await client.RequestAsync("abc"u8.ToArray()));
        Assert.Equal(typeof(BufferNotFoundException).FullName, error.RemoteType);
        Assert.Contains("No duplex server bridge answers", error.RemoteMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_duplex_server_on_the_other_host_the_request_fails_saying_so()
    {
        await using NatsServer server = await NatsServer.StartAsync();
        await using var pair = await DuplexPair.StartAsync(server, startLocalServer: false);
        using IDuplexClient client = pair.ConnectClient();

        var error = await Assert.ThrowsAsync<DuplexHandlerException>(async () => await client.RequestAsync("abc"u8.ToArray()));
        Assert.Contains("ZeroBuffer.BufferNotFoundException", error.RemoteMessage, StringComparison.Ordinal);
    }

    /// <summary>Host B: a duplex server (reverses; "fail" throws; "slow" waits) and the server bridge. Host A: the client bridge.</summary>
    private sealed class DuplexPair : IAsyncDisposable
    {
        private readonly TaskCompletionSource _slow = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly NatsConnection _connectionA;
        private readonly NatsConnection _connectionB;
        private IImmutableDuplexServer? _server;

        private DuplexPair(NatsServer nats)
        {
            _connectionA = nats.Connect();
            _connectionB = nats.Connect();
        }

        internal string ChannelA { get; } = Names.Buffer("dxa");

        internal string ChannelB { get; } = Names.Buffer("dxb");

        internal NatsDuplexServerBridge ServerBridge { get; private set; } = null!;

        internal NatsDuplexClientBridge ClientBridge { get; private set; } = null!;

        internal static async Task<DuplexPair> StartAsync(NatsServer nats, TimeSpan? requestTimeout = null, bool startServerSide = true, bool startLocalServer = true)
        {
            var pair = new DuplexPair(nats);
            var options = new NatsDuplexOptions { Subject = Names.Subject("dx"), RequestTimeout = requestTimeout ?? TimeSpan.FromSeconds(30) };
            if (startLocalServer)
            {
                pair._server = new DuplexChannelFactory().CreateImmutableServer(pair.ChannelB, new BufferConfig(4096, 1 << 20),
                    new DuplexServerOptions { Mode = ProcessingMode.ThreadPool, MaxConcurrency = 4 });
                pair._server.Start(pair.Handle);
            }

            pair.ServerBridge = new NatsDuplexServerBridge(pair._connectionB, pair.ChannelB, options with { LocalConnectTimeout = TimeSpan.FromMilliseconds(200) });
            if (startServerSide)
            {
                await pair.ServerBridge.StartAsync();
            }

            pair.ClientBridge = new NatsDuplexClientBridge(pair._connectionA, pair.ChannelA, new BufferConfig(4096, 1 << 20), options);
            await pair.ClientBridge.StartAsync();
            return pair;
        }

        internal IDuplexClient ConnectClient() => new DuplexChannelFactory().CreateClient(ChannelA, new DuplexClientOptions { ConnectTimeout = TimeSpan.FromSeconds(5) });

        internal void ReleaseSlow() => _slow.TrySetResult();

        public async ValueTask DisposeAsync()
        {
            ReleaseSlow();
            await ClientBridge.DisposeAsync();
            await ServerBridge.DisposeAsync();
            _server?.Dispose();
            await _connectionA.DisposeAsync();
            await _connectionB.DisposeAsync();
            Assert.Empty(Names.Leftovers(ChannelA));
            Assert.Empty(Names.Leftovers(ChannelB));
        }

        private void Handle(Frame request, DuplexResponseWriter response)
        {
            if (request.Span.SequenceEqual("fail"u8))
            {
                throw new FormatException("this request is not acceptable");
            }

            if (request.Span.SequenceEqual("slow"u8))
            {
                _slow.Task.Wait(response.CancellationToken);
            }

            Span<byte> target = response.GetBuffer(request.Size);
            request.Span.CopyTo(target);
            target.Reverse();
            response.Commit();
        }
    }
}
