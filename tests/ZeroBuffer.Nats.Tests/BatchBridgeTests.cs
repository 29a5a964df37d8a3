using NATS.Client.Core;
using ZeroBuffer.Nats.Tests.Infrastructure;
using ZeroBuffer.Nats.Wire;

namespace ZeroBuffer.Nats.Tests;

/// <summary>
/// Batches against a real nats-server: frames already waiting in the exporter's ring go out
/// together, arrive whole and in order, and the importer accounts for a batch frame by frame
/// (duplicates dropped per frame, a batch it cannot read a gap of exactly its count).
/// </summary>
public sealed class BatchBridgeTests
{
    [Theory]
    [InlineData(BridgeMode.Core)]
    [InlineData(BridgeMode.JetStream)]
    public async Task A_burst_of_small_frames_waiting_in_the_ring_goes_in_batches_and_arrives_whole_in_order(BridgeMode mode)
    {
        const int count = 3000, size = 64;
        await using NatsServer server = await NatsServer.StartAsync(jetStream: mode == BridgeMode.JetStream);
        await using BridgeHarness bridge = await BridgeHarness.StartAsync(server, server, mode, startExporter: false);
        await bridge.ProduceAsync(count, size); // every frame waits in host A's ring; then the writer closes
        await bridge.StartExporterAsync();
        using CancellationTokenSource safety = Eventually.Safety();

        List<Received> received = await bridge.ReadUntilEndAsync(safety.Token);

        AssertWhole(received, Enumerable.Repeat(size, count).ToArray());
        Assert.Empty(bridge.Gaps);
        Assert.Equal(count, bridge.Exporter!.FramesExported);
        Assert.Equal(count, bridge.Importer!.FramesImported);

        // 3000 frames waiting: three batches of at most 1024 frames, and the end of the stream.
        Assert.InRange(bridge.Exporter.MessagesPublished, 3, 10);
        Assert.InRange(bridge.Importer.MessagesReceived, 3, 10);
        Assert.Equal(0, bridge.Importer.DuplicatesDropped);
        Assert.Equal(0, bridge.Importer.MalformedMessages);
    }

    [Fact]
    public async Task Small_and_chunked_frames_mixed_keep_their_order_and_a_frame_too_large_for_a_batch_goes_alone()
    {
        int[] cycle = [64, 4096, 1_500_000, 64, 64, 700_000, 700_000, 100];
        int[] sizes = [.. Enumerable.Repeat(cycle, 3).SelectMany(c => c)];
        await using NatsServer server = await NatsServer.StartAsync();
        await using BridgeHarness bridge = await BridgeHarness.StartAsync(server, server, BridgeMode.Core, sourceRing: 32L << 20, targetRing: 32L << 20, startExporter: false);
        using (Writer writer = await Writer.ConnectAsync(bridge.SourceName, TimeSpan.FromSeconds(30)))
        {
            for (int i = 0; i < sizes.Length; i++)
            {
                TestFrames.Fill(writer.GetFrameBuffer(sizes[i]), (ulong)i + 1);
                writer.CommitFrame();
            }
        }

        await bridge.StartExporterAsync();
        using CancellationTokenSource safety = Eventually.Safety();

        List<Received> received = await bridge.ReadUntilEndAsync(safety.Token);

        AssertWhole(received, sizes);
        Assert.Empty(bridge.Gaps);

        // One message per chunk and per frame would take 27 (each 1.5 MB frame is two chunks).
        Assert.True(bridge.Exporter!.MessagesPublished < 27, $"{bridge.Exporter.MessagesPublished} messages for {sizes.Length} frames");
    }

    [Fact]
    public async Task Overlapping_batches_are_deduplicated_per_frame_and_an_unreadable_batch_is_a_gap_of_its_count()
    {
        const int size = 100;
        string session = Guid.NewGuid().ToString("N");
        await using NatsServer server = await NatsServer.StartAsync();
        await using BridgeHarness bridge = await BridgeHarness.StartAsync(server, server, BridgeMode.Core, startExporter: false);
        await using (NatsConnection other = server.Connect())
        {
            string frames = BridgeSubjects.Frames(bridge.Subject);
            await PublishBatchAsync(other, frames, session, first: 1, count: 4, size); // frames 1-4
            await PublishBatchAsync(other, frames, session, first: 3, count: 4, size); // 3-4 again (a batch stored twice), then 5-6
            byte[] torn = Body(first: 7, count: 2, size); // says 3 frames, holds 2: frames 7-9 cannot be read
            await other.PublishAsync(frames, torn, WireText.Batch(session, 7, 7, 3), serializer: NatsRawSerializer<byte[]>.Default);
            await PublishBatchAsync(other, frames, session, first: 10, count: 2, size);
            await other.PublishAsync(BridgeSubjects.End(bridge.Subject), Array.Empty<byte>(), WireText.End(session, 11, EndReason.Closed));
            await other.PingAsync();
        }

        using CancellationTokenSource safety = Eventually.Safety();
        List<Received> received = await bridge.ReadUntilEndAsync(safety.Token);

        Assert.Equal([1UL, 2, 3, 4, 5, 6, 10, 11], received.Select(r => r.Index));
        Assert.All(received, r => Assert.Equal(TestFrames.ExpectedChecksum(size, r.Index), r.Checksum));
        Assert.Equal([(GapKind.Lost, 7UL, 3UL)], bridge.Gaps.Select(g => (g.Kind, g.FirstSequence, g.Count)));
        Assert.Equal(2, bridge.Importer!.DuplicatesDropped);
        Assert.Equal(1, bridge.Importer.MalformedMessages);
        Assert.Equal(3, bridge.Importer.FramesLost);
        Assert.Equal(8, bridge.Importer.FramesImported);
    }

    private static async Task PublishBatchAsync(NatsConnection connection, string subject, string session, ulong first, int count, int size) =>
        await connection.PublishAsync(subject, Body(first, count, size), WireText.Batch(session, first, first, count), serializer: NatsRawSerializer<byte[]>.Default);

    private static byte[] Body(ulong first, int count, int size)
    {
        byte[] body = new byte[count * (BatchBody.PrefixSize + size)];
        int offset = 0;
        for (int i = 0; i < count; i++)
        {
            offset += BatchBody.Write(body.AsSpan(offset), TestFrames.Make(size, first + (ulong)i));
        }

        return body;
    }

    private static void AssertWhole(List<Received> received, int[] sizes)
    {
        Assert.Equal(sizes.Length, received.Count);
        for (int i = 0; i < sizes.Length; i++)
        {
            ulong index = (ulong)i + 1;
            Assert.Equal((index, index, sizes[i]), (received[i].Index, received[i].LocalSequence, received[i].Size));
            Assert.Equal(TestFrames.ExpectedChecksum(sizes[i], index), received[i].Checksum);
        }
    }
}
