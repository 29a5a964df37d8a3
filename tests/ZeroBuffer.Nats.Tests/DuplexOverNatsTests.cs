using System.Text;
using System.Text.Json;
using NATS.Client.Core;
using ZeroBuffer.Duplex;
using ZeroBuffer.Nats.Duplex;
using ZeroBuffer.Nats.Tests.Infrastructure;

namespace ZeroBuffer.Nats.Tests;

/// <summary>
/// A local duplex client on "host A" served by a duplex server on "host B" through NATS: responses
/// correlated, and handler errors, timeouts and a missing server reaching the caller as
/// <see cref="DuplexHandlerException"/>s, as they do locally; requests and responses larger than
/// the server's default max_payload (1 MiB) cross in pieces, and a response cut off by its server
/// bridge's death fails the call within its timeout.
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

    [Fact]
    public async Task A_1080p_request_and_its_1080p_response_cross_a_default_server_in_pieces_and_arrive_whole()
    {
        const int size = 1920 * 1080 * 3 / 2; // 3,110,400 bytes: 3 pieces each way with the default max_payload
        await using NatsServer server = await NatsServer.StartAsync();
        await using var pair = await DuplexPair.StartAsync(server, ring: LargeRing);
        using IDuplexClient client = pair.ConnectClient();
        Assert.Equal(1 << 20, pair.MaxPayload);

        byte[] request = TestFrames.Make(size, 1080);
        using Frame response = await client.RequestAsync(request);

        Assert.Equal(size, response.Size);
        Assert.Equal(TestFrames.Checksum(request.Reverse().ToArray()), TestFrames.Checksum(response.Span));
        Assert.Equal(1, pair.ServerBridge.RequestsForwarded);
    }

    [Fact]
    public async Task Large_requests_and_responses_in_flight_together_each_reach_their_own_caller()
    {
        const int size = 1920 * 1080 * 3 / 2;
        const int download = 4 << 20; // a 4 MiB response to a small request: 5 pieces
        await using NatsServer server = await NatsServer.StartAsync();
        await using var pair = await DuplexPair.StartAsync(server, ring: LargeRing);
        using IDuplexClient client = pair.ConnectClient();

        Task<(byte[] Request, ulong Checksum, int Size)>[] calls =
        [
            .. Enumerable.Range(1, 3).Select(i => Task.Run(async () =>
            {
                byte[] request = TestFrames.Make(size, (ulong)i);
                using Frame response = await client.RequestAsync(request);
                return (request, TestFrames.Checksum(response.Span), response.Size);
            })),
            Task.Run(async () =>
            {
                byte[] request = Encoding.ASCII.GetBytes($"grow:{download}");
                using Frame response = await client.RequestAsync(request);
                return (request, TestFrames.Checksum(response.Span), response.Size);
            }),
        ];
        (byte[] Request, ulong Checksum, int Size)[] results = await Task.WhenAll(calls);

        foreach ((byte[] request, ulong checksum, int length) in results[..3])
        {
            Assert.Equal(size, length);
            Assert.Equal(TestFrames.Checksum(request.Reverse().ToArray()), checksum);
        }

        Assert.Equal((TestFrames.ExpectedChecksum(download, 7), download), (results[3].Checksum, results[3].Size));
        Assert.Equal(4, pair.ServerBridge.RequestsForwarded);
    }

    [Fact]
    public async Task A_large_response_whose_server_bridge_is_killed_mid_way_fails_the_call_within_its_timeout()
    {
        const int responseBytes = 4 << 20; // 5 pieces
        await using NatsServer server = await NatsServer.StartAsync();
        string subject = Names.Subject("dxkill");
        string channelB = Names.Buffer("dxkb");
        string channelA = Names.Buffer("dxka");
        await using JsonEventProcess hostB = TestPeer.Start("duplex-server", "--nats", server.Url, "--subject", subject, "--channel", channelB,
            "--response-bytes", responseBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), "--pause-before-piece", "2");
        await hostB.WaitForEventAsync("ready");
        try
        {
            await using NatsConnection connectionA = server.Connect();
            var timeout = TimeSpan.FromSeconds(8); // room for the first 4 MiB response on a loaded 2-core machine before the kill
            await using (var clientSide = new NatsDuplexClientBridge(connectionA, channelA, new BufferConfig(4096, LargeRing),
                             new NatsDuplexOptions { Subject = subject, RequestTimeout = timeout }))
            {
                await clientSide.StartAsync();
                using IDuplexClient client = new DuplexChannelFactory().CreateClient(channelA, new DuplexClientOptions { ConnectTimeout = TimeSpan.FromSeconds(5) });

                Task<Frame> call = client.RequestAsync("go"u8.ToArray()).AsTask();
                JsonElement paused = await hostB.WaitForEventAsync("paused"); // pieces 0 and 1 are on their way, 2 to 4 never will be
                Assert.Equal(2, paused.GetProperty("piece").GetInt32());
                await hostB.KillAsync();

                using CancellationTokenSource safety = Eventually.Safety();
                var error = await Assert.ThrowsAsync<DuplexHandlerException>(async () => (await call.WaitAsync(safety.Token)).Dispose());
                Assert.Equal(typeof(NatsIncompleteMessageException).FullName, error.RemoteType);
                Assert.Contains($"The response of {responseBytes} bytes arrived incomplete: 2 of its 5 pieces within 8000 ms", error.RemoteMessage, StringComparison.Ordinal);

                // The channel goes on: the next call fails at once (nobody serves the prefix now), it does not hang.
                var next = await Assert.ThrowsAsync<DuplexHandlerException>(async () => (await client.RequestAsync("again"u8.ToArray()).AsTask().WaitAsync(safety.Token)).Dispose());
                Assert.Equal(typeof(BufferNotFoundException).FullName, next.RemoteType);
            }

            Assert.Empty(Names.Leftovers(channelA));
        }
        finally
        {
            await hostB.KillAsync();
            SweepAbandoned(channelB); // host B was killed: its buffers are left, as after any crash
        }
    }

    /// <summary>A ring that holds two 4 MiB messages.</summary>
    private const int LargeRing = 16 << 20;

    /// <summary>
    /// Removes the buffers of a channel whose processes were killed: creating a reader of a buffer
    /// whose lock is free and whose owners are dead sweeps it, and disposing the reader removes the rest.
    /// </summary>
    private static void SweepAbandoned(string channel)
    {
        foreach (string buffer in new[] { channel + "_request", channel + "_response" })
        {
            using var sweeper = new Reader(buffer, new BufferConfig(0, 64));
        }

        Assert.Empty(Names.Leftovers(channel));
    }

    /// <summary>
    /// Host B: a duplex server (reverses; "fail" throws; "slow" waits; "grow:N" answers N bytes of
    /// test frame 7) and the server bridge. Host A: the client bridge.
    /// </summary>
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

        /// <summary>The server's max_payload as host A's client learnt it.</summary>
        internal int MaxPayload { get; private set; }

        internal static async Task<DuplexPair> StartAsync(NatsServer nats, TimeSpan? requestTimeout = null, bool startServerSide = true, bool startLocalServer = true,
            int ring = 1 << 20)
        {
            var pair = new DuplexPair(nats);
            var options = new NatsDuplexOptions { Subject = Names.Subject("dx"), RequestTimeout = requestTimeout ?? TimeSpan.FromSeconds(30) };
            if (startLocalServer)
            {
                pair._server = new DuplexChannelFactory().CreateImmutableServer(pair.ChannelB, new BufferConfig(4096, ring),
                    new DuplexServerOptions { Mode = ProcessingMode.ThreadPool, MaxConcurrency = 4 });
                pair._server.Start(pair.Handle);
            }

            // The server bridge keeps the default 30 s: with the caller's timeout on both sides, whichever
            // side's 300 ms ran out first decided what the caller saw (a remote error or a timeout), which
            // CI showed can go either way on a loaded machine.
            pair.ServerBridge = new NatsDuplexServerBridge(pair._connectionB, pair.ChannelB,
                options with { LocalConnectTimeout = TimeSpan.FromMilliseconds(200), RequestTimeout = TimeSpan.FromSeconds(30) });
            if (startServerSide)
            {
                await pair.ServerBridge.StartAsync();
            }

            pair.ClientBridge = new NatsDuplexClientBridge(pair._connectionA, pair.ChannelA, new BufferConfig(4096, ring), options);
            await pair.ClientBridge.StartAsync();
            pair.MaxPayload = pair._connectionA.ServerInfo?.MaxPayload ?? 0;
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

            if (request.Span.StartsWith("grow:"u8))
            {
                int length = int.Parse(Encoding.ASCII.GetString(request.Span["grow:".Length..]), System.Globalization.CultureInfo.InvariantCulture);
                TestFrames.Fill(response.GetBuffer(length), 7);
                response.Commit();
                return;
            }

            Span<byte> target = response.GetBuffer(request.Size);
            request.Span.CopyTo(target);
            target.Reverse();
            response.Commit();
        }
    }
}
