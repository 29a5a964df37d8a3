using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;
using ZeroBuffer.Duplex;

namespace ZeroBuffer.Tests.Duplex;

public sealed class DuplexChannelTests(ITestOutputHelper output)
{
    private static void Echo(Frame request, DuplexResponseWriter response) => response.Write(request.Span);

    [Fact]
    public void ImmutableServer_EchoTest()
    {
        using DuplexPair pair = DuplexPair.Immutable(Echo);
        byte[] request = Encoding.UTF8.GetBytes("Hello, Duplex Channel!");

        ulong sequence = pair.Client.SendRequest(request);
        using Frame response = pair.Client.ReceiveResponse(DuplexPair.ReceiveTimeout);

        Assert.True(response.IsValid);
        Assert.Equal(sequence, response.Sequence);
        Assert.Equal(request, response.ToArray());
        Assert.Empty(pair.Errors);
    }

    [Fact]
    public void ImmutableServer_TransformTest()
    {
        using DuplexPair pair = DuplexPair.Immutable(static (request, response) =>
        {
            Span<byte> target = response.GetBuffer(request.Size);
            request.Span.CopyTo(target);
            target.Reverse();
            response.Commit();
        });

        Assert.Equal(new byte[] { 5, 4, 3, 2, 1 }, pair.RoundTrip([1, 2, 3, 4, 5]));
        Assert.Empty(pair.Errors);
    }

    [Fact]
    public void LatencyMeasurement_Test()
    {
        using DuplexPair pair = DuplexPair.Immutable(Echo);
        byte[] request = new byte[1024];
        for (int i = 0; i < 10; i++)
        {
            Random.Shared.NextBytes(request);
            Assert.Equal(request, pair.RoundTrip(request)); // warm-up
        }

        var latencies = new double[100];
        for (int i = 0; i < latencies.Length; i++)
        {
            Random.Shared.NextBytes(request);
            long start = Stopwatch.GetTimestamp();
            byte[] response = pair.RoundTrip(request); // asserts the sequence
            latencies[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            Assert.Equal(request, response);
        }

        Array.Sort(latencies);
        double p50 = latencies[49];
        double p99 = latencies[98];
        output.WriteLine($"1 KiB round trip: p50 {p50:0.0} us, p99 {p99:0.0} us, max {latencies[^1]:0.0} us");
        // Loose liveness bound only (a loaded 2-core machine): no round trip takes a second.
        Assert.True(p99 < 1_000_000, $"p99 {p99} us");
        Assert.Empty(pair.Errors);
    }

    [Fact]
    public void ServerStop_ClientHandlesGracefully()
    {
        using DuplexPair pair = DuplexPair.Immutable(Echo);
        Assert.Equal(new byte[] { 1, 2, 3 }, pair.RoundTrip([1, 2, 3]));

        pair.Server.Stop();

        Assert.False(pair.Server.IsRunning);
        Assert.True(pair.Server.Completion.IsCompleted);
        Assert.False(pair.Client.IsServerConnected);
        // A stopped server closed its buffers on purpose: ReaderClosedException, which is a ReaderDeadException.
        ReaderDeadException gone = Assert.ThrowsAny<ReaderDeadException>(() => pair.Client.SendRequest([4, 5, 6]));
        Assert.IsType<ReaderClosedException>(gone);
        // Everything the server wrote was read: the response side reports the server's clean end too.
        Assert.Throws<WriterClosedException>(() => pair.Client.ReceiveResponse(DuplexPair.ReceiveTimeout));
        Assert.Empty(pair.Errors);
    }

    [Fact]
    public void MutableServer_InPlaceTransformTest()
    {
        ulong seenSequence = 0;
        using DuplexPair pair = DuplexPair.Mutable(request =>
        {
            seenSequence = request.Sequence;
            foreach (ref byte b in request.GetMutableSpan())
            {
                b ^= 0xFF;
            }
        });

        ulong sequence = pair.Client.SendRequest([0x00, 0x01, 0xFE, 0xFF]);
        using Frame response = pair.Client.ReceiveResponse(DuplexPair.ReceiveTimeout);

        Assert.True(response.IsValid);
        Assert.Equal(sequence, seenSequence);
        Assert.Equal(sequence, response.Sequence);
        Assert.Equal(new byte[] { 0xFF, 0xFE, 0x01, 0x00 }, response.ToArray());
        Assert.Empty(pair.Errors);
    }
}
