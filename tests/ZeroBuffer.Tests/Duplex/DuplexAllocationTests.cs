using ZeroBuffer.Duplex;

namespace ZeroBuffer.Tests.Duplex;

/// <summary>The synchronous SingleThread path allocates nothing per request, on either side.</summary>
public sealed class DuplexAllocationTests
{
    [Fact]
    public void SingleThreadServer_AllocatesNothingPerRequest()
    {
        const int Warmup = 20;
        const int Measured = 200;
        // The server's thread does nothing but serve: its allocation counter, read at the start of
        // each handler call, covers a whole read-handle-respond-release cycle between two calls.
        long[] allocatedAtEntry = new long[Warmup + Measured + 1];
        using DuplexPair pair = DuplexPair.Immutable((request, response) =>
        {
            allocatedAtEntry[request.Sequence] = GC.GetAllocatedBytesForCurrentThread();
            Span<byte> target = response.GetBuffer(request.Size);
            request.Span.CopyTo(target);
            response.Commit();
        });

        byte[] payload = new byte[256];
        for (int i = 0; i < Warmup + Measured; i++)
        {
            pair.Client.SendRequest(payload);
            using Frame response = pair.Client.ReceiveResponse(DuplexPair.ReceiveTimeout);
            Assert.True(response.IsValid);
        }

        Assert.Equal(0, allocatedAtEntry[Warmup + Measured] - allocatedAtEntry[Warmup]);
        Assert.Empty(pair.Errors);
    }
}
