using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ZeroBuffer.Duplex;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Duplex;

public sealed class DuplexChannelIntegrationTests
{
    private static void Echo(Frame request, DuplexResponseWriter response) => response.Write(request.Span);

    [Fact]
    public void SimplifiedProtocol_EchoTest()
    {
        using DuplexPair pair = DuplexPair.Immutable(Echo);
        byte[] request = Encoding.UTF8.GetBytes("Hello, simplified duplex!");

        Assert.Equal(request, pair.RoundTrip(request));
        Assert.Empty(pair.Errors);
    }

    [Fact]
    public void ZeroCopyClient_Test()
    {
        using DuplexPair pair = DuplexPair.Immutable(Echo);
        byte[] text = Encoding.UTF8.GetBytes("Zero-copy test data");

        Span<byte> buffer = pair.Client.AcquireRequestBuffer(text.Length, out ulong sequence);
        text.CopyTo(buffer);
        pair.Client.CommitRequest();
        using Frame response = pair.Client.ReceiveResponse(DuplexPair.ReceiveTimeout);

        Assert.True(response.IsValid);
        Assert.Equal(sequence, response.Sequence);
        Assert.Equal("Zero-copy test data", Encoding.UTF8.GetString(response.Span));
        Assert.Throws<InvalidOperationException>(() => pair.Client.CommitRequest()); // nothing acquired any more
    }

    [Fact]
    public async Task IndependentSendReceive_Test()
    {
        using DuplexPair pair = DuplexPair.Immutable(static (request, response) =>
        {
            Span<byte> target = response.GetBuffer(request.Size);
            for (int i = 0; i < target.Length; i++)
            {
                target[i] = (byte)(request.Span[i] + 1);
            }

            response.Commit();
        });

        const int Count = 10;
        var sent = new Dictionary<ulong, byte>();
        var received = new Dictionary<ulong, byte>();
        Task sender = Task.Factory.StartNew(() =>
        {
            for (int i = 0; i < Count; i++)
            {
                sent[pair.Client.SendRequest([(byte)i])] = (byte)i;
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Task receiver = Task.Factory.StartNew(() =>
        {
            for (int i = 0; i < Count; i++)
            {
                using Frame response = pair.Client.ReceiveResponse(DuplexPair.ReceiveTimeout);
                Assert.True(response.IsValid, $"response {i} missing");
                received[response.Sequence] = response.Span[0];
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await Task.WhenAll(sender, receiver);

        Assert.Equal(Count, sent.Count);
        foreach ((ulong sequence, byte value) in sent)
        {
            Assert.True(received.TryGetValue(sequence, out byte answer), $"Response for sequence {sequence} not found");
            Assert.Equal((byte)(value + 1), answer);
        }
    }

    [Fact]
    public void ServerPreservesSequenceNumber_Test()
    {
        ulong seen = 0;
        using DuplexPair pair = DuplexPair.Immutable((request, response) =>
        {
            seen = request.Sequence;
            Assert.Equal(request.Sequence, response.Sequence);
            response.Write([42]);
        });

        pair.Client.SendRequest([1]); // the response carries 1, not the server's own count
        ulong sequence = pair.Client.SendRequest([7]);
        using (Frame first = pair.Client.ReceiveResponse(DuplexPair.ReceiveTimeout))
        {
            Assert.Equal(1UL, first.Sequence);
        }

        using Frame response = pair.Client.ReceiveResponse(DuplexPair.ReceiveTimeout);
        Assert.True(response.IsValid);
        Assert.Equal(sequence, seen);
        Assert.Equal(sequence, response.Sequence);
        Assert.Equal(new byte[] { 42 }, response.ToArray());
    }

    [Fact]
    public async Task CrossProcessDuplexCommunication()
    {
        string channel = TestNames.Unique("dxcp");
        await using (CliProcess server = CliProcess.Start("serve", channel, "--reverse", "--json"))
        {
            JsonElement ready = await server.WaitForEventAsync("ready");
            Assert.Equal(server.Pid, ready.GetProperty("pid").GetInt32());

            using (IDuplexClient client = new DuplexChannelFactory().CreateClient(channel))
            {
                Assert.True(client.IsServerConnected);
                byte[] request = new byte[256];
                for (int i = 0; i < 1000; i++)
                {
                    BinaryPrimitives.WriteInt32LittleEndian(request, i);
                    Random.Shared.NextBytes(request.AsSpan(4, i % 200 + 1));
                    int length = 4 + i % 200 + 1;
                    ulong sequence = client.SendRequest(request.AsSpan(0, length));

                    using Frame response = client.ReceiveResponse(DuplexPair.ReceiveTimeout);
                    Assert.True(response.IsValid, $"no response to request {i}");
                    Assert.Equal(sequence, response.Sequence);
                    byte[] expected = request.AsSpan(0, length).ToArray();
                    Array.Reverse(expected);
                    Assert.Equal(expected, response.ToArray());
                }
            }

            // The client left; the server serves on (the next client would get session 0 afresh) until SIGTERM.
            await server.TerminateAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(130, await server.WaitForExitAsync());
            JsonElement done = await server.WaitForEventAsync("done");
            Assert.Equal(1000, done.GetProperty("requests").GetInt64());
        }

        DuplexPair.AssertNoBuffers(channel);
    }

    [Fact]
    public void LargePayloadDuplex()
    {
        const int Size = 16 * 1024 * 1024;
        var config = new BufferConfig(4096, 2L * (Size + 16));
        using DuplexPair pair = DuplexPair.Immutable(Echo, config);
        byte[] request = new byte[Size];
        for (int i = 0; i < 3; i++)
        {
            Random.Shared.NextBytes(request);
            ulong sequence = pair.Client.SendRequest(request);
            using Frame response = pair.Client.ReceiveResponse(DuplexPair.ReceiveTimeout);
            Assert.True(response.IsValid);
            Assert.Equal(sequence, response.Sequence);
            Assert.Equal(Size, response.Size);
            Assert.Equal(SHA256.HashData(request), SHA256.HashData(response.Span));
        }

        Assert.Empty(pair.Errors);
    }

    [Fact]
    public async Task StressTestDuplex()
    {
        const int Count = 100_000;
        // Server: the response is the request's 8-byte counter, bitwise inverted.
        using DuplexPair pair = DuplexPair.Immutable(static (request, response) =>
        {
            Span<byte> target = response.GetBuffer(8);
            BinaryPrimitives.WriteUInt64LittleEndian(target, ~BinaryPrimitives.ReadUInt64LittleEndian(request.Span));
            response.Commit();
        }, new BufferConfig(0, 64 * 1024)); // a small ring: the sender runs ahead and blocks, many requests in flight

        long maxInFlight = 0;
        long sentCount = 0;
        Task sender = Task.Factory.StartNew(() =>
        {
            Span<byte> request = stackalloc byte[8];
            for (ulong i = 1; i <= Count; i++)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(request, i * 7919);
                ulong sequence = pair.Client.SendRequest(request);
                Assert.Equal(i, sequence);
                Interlocked.Increment(ref sentCount);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        Task receiver = Task.Factory.StartNew(() =>
        {
            var seen = new bool[Count + 1];
            for (int n = 0; n < Count; n++)
            {
                using Frame response = pair.Client.ReceiveResponse(DuplexPair.ReceiveTimeout);
                Assert.True(response.IsValid, $"response {n + 1} missing");
                ulong sequence = response.Sequence;
                Assert.InRange(sequence, 1UL, (ulong)Count);
                Assert.False(seen[sequence], $"duplicate response {sequence}");
                seen[sequence] = true;
                Assert.Equal(~(sequence * 7919), BinaryPrimitives.ReadUInt64LittleEndian(response.Span));
                maxInFlight = Math.Max(maxInFlight, Interlocked.Read(ref sentCount) - n);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        await Task.WhenAll(sender, receiver);
        Assert.True(maxInFlight > 1, $"at most {maxInFlight} request(s) in flight");
        Assert.Empty(pair.Errors);
    }
}
