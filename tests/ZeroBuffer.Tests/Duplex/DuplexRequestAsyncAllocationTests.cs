using ZeroBuffer.Duplex;

namespace ZeroBuffer.Tests.Duplex;

/// <summary>
/// A 3.1 MB (1080p I420) round trip through <see cref="IDuplexClient.RequestAsync"/> allocates
/// nothing: the request is copied into the ring, the server answers zero-copy, the response is a
/// lease over the ring, and the awaited call is a pooled value-task source. The continuations run
/// on pool threads, so the whole process is measured, with the rest of the suite paused.
/// </summary>
[Collection(nameof(ProcessWideAllocations))]
public sealed class DuplexRequestAsyncAllocationTests
{
    private const int FrameSize = 1920 * 1080 * 3 / 2; // 3,110,400 B: a 1080p I420 frame

    [Fact]
    public async Task RequestAsync_At3_1MB_AllocatesNothingPerRoundTrip()
    {
        var config = new BufferConfig(0, 2 * (FrameSize + 64));
        using DuplexPair pair = DuplexPair.Immutable((request, response) =>
        {
            Span<byte> target = response.GetBuffer(request.Size);
            request.Span.CopyTo(target);
            response.Commit();
        }, config, clientOptions: new DuplexClientOptions { ResponseConfig = config });

        using var cancel = new CancellationTokenSource(); // a caller's token: registering on it allocates nothing either
        byte[] frame = new byte[FrameSize];
        Random.Shared.NextBytes(frame);
        ReadOnlyMemory<byte> request = frame;
        const int RoundTrips = 100;
        _ = await Run(RoundTrips); // warm-up: JIT, tiering, the receive thread, the pool's threads

        // The least of three rounds, held to less than one object per round trip (the smallest object
        // is 24 B): an allocation per round trip totals at least 24 B x 99 in every round, while the
        // runtime's own (a pool thread started when the machine is busy, about 200 B seen) does not.
        const int SmallestObject = 24;
        long least = long.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            least = Math.Min(least, await Run(RoundTrips));
        }

        Assert.True(least < SmallestObject * (RoundTrips - 1),
            $"{RoundTrips - 1} round trips of {FrameSize} B allocated {least} bytes in total (least of 3 rounds): an object per round trip");
        Assert.Empty(pair.Errors);

        // Bytes allocated by round trips 2..count: the loop's own state machine is boxed at its first await, not per trip.
        async Task<long> Run(int count)
        {
            long before = 0;
            for (int i = 0; i < count; i++)
            {
                using (Frame response = await pair.Client.RequestAsync(request, cancel.Token))
                {
                    if (response.Size != FrameSize || response.Span[i] != frame[i])
                    {
                        Assert.Fail($"round trip {i}: {response.Size} B, byte {i} differs"); // no assertion allocations on the happy path
                    }
                }

                if (i == 0)
                {
                    before = GC.GetTotalAllocatedBytes(precise: true);
                }
            }

            return GC.GetTotalAllocatedBytes(precise: true) - before;
        }
    }
}
