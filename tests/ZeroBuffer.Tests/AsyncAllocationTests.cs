using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests;

/// <summary>Runs alone: its measurement counts every thread's allocations, so no other test may run meanwhile.</summary>
[CollectionDefinition(nameof(ProcessWideAllocations), DisableParallelization = true)]
public sealed class ProcessWideAllocations;

/// <summary>
/// The asynchronous paths allocate nothing per frame either, including the sleeps: a reader
/// awaiting frames from an empty ring and a writer awaiting space in a full one, in lock-step on
/// the thread pool. Their continuations run on pool threads, so the process's total is measured
/// (after a warm-up), with the rest of the suite paused.
/// </summary>
[Collection(nameof(ProcessWideAllocations))]
public sealed class AsyncAllocationTests
{
    private const int FrameSize = 100;

    [Theory]
    [InlineData("blocking")]
    [InlineData("spin-then-block")]
    public async Task AwaitedReadsAndWritesAllocateNothingPerFrame(string strategyName)
    {
        string name = TestNames.Unique("alloc-async");
        WaitStrategy strategy = WaitStrategy.Parse(strategyName);
        const int frames = 4_000;
        using (var reader = new Reader(name, new BufferConfig(0, 2 * (16 + FrameSize))) { WaitStrategy = strategy })
        using (var writer = new Writer(name) { WaitStrategy = strategy, WriteTimeout = TimeSpan.FromSeconds(10) })
        using (var cancel = new CancellationTokenSource())
        {
            ReadOnlyMemory<byte> payload = new byte[FrameSize];
            await Run(frames); // warm-up: JIT, tiering, the thread pool's threads and queues

            // The least of three rounds: a stray runtime allocation (a new pool thread, a queue
            // segment) lands in one round; one per frame is in every round, and cannot hide under this.
            long least = long.MaxValue;
            for (int round = 0; round < 3; round++)
            {
                long before = GC.GetTotalAllocatedBytes(precise: true);
                await Run(frames);
                least = Math.Min(least, GC.GetTotalAllocatedBytes(precise: true) - before);
            }

            Assert.True(least < frames, $"{strategyName}: {frames} awaited frames each way allocated {least} bytes in total (least of 3 rounds)");

            async Task Run(int count)
            {
                Task writing = Task.Run(async () =>
                {
                    for (int i = 0; i < count; i++)
                    {
                        await writer.WriteFrameAsync(payload, cancel.Token);
                    }
                });

                for (int i = 0; i < count; i++)
                {
                    using Frame frame = await reader.ReadFrameAsync(TimeSpan.FromSeconds(10), cancel.Token);
                    Assert.True(frame.IsValid);
                }

                await writing;
            }
        }

        OsResources.AssertNone(name);
    }
}
