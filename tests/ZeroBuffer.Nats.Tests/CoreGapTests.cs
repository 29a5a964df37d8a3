using System.Text;
using NATS.Client.Core;
using Xunit.Abstractions;
using ZeroBuffer.Nats.Tests.Infrastructure;

namespace ZeroBuffer.Nats.Tests;

/// <summary>
/// Core NATS loses frames when the importer cannot keep up or is not subscribed; the importer
/// reports exactly which ones: every frame sent either arrives or is in exactly one gap.
/// </summary>
public sealed class CoreGapTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_slow_importer_drops_frames_and_reports_each_one()
    {
        const int count = 300;
        const int size = 4096;
        await using NatsServer server = await NatsServer.StartAsync();

        // Host B's ring holds 3 frames and the importer's queue 4: the rest of a burst is dropped.
        await using BridgeHarness bridge = await BridgeHarness.StartAsync(server, server, BridgeMode.Core,
            sourceRing: 1 << 20, targetRing: 3 * (size + 16) + 64, pendingBytes: 4 * size);
        var readerMayStart = new TaskCompletionSource();
        var producerMayClose = new TaskCompletionSource();
        // Each frame is written once the one before is exported, so each is a message of its own
        // (none waits in the ring to go in a batch) and each dropped message is one lost frame.
        Task produce = bridge.ProduceAsync(count, size, closeAfter: producerMayClose.Task,
            afterFrame: index => Eventually.TrueAsync(() => bridge.Exporter!.LastSequence == index, $"frame {index} exported"));

        // Everything is published while host B's reader is not reading.
        await Eventually.TrueAsync(() => bridge.Exporter!.LastSequence == count, "every frame exported");
        await Eventually.TrueAsync(() => bridge.Importer!.MessagesDropped > 0, "the client dropping messages");

        using CancellationTokenSource safety = Eventually.Safety();
        Task<List<Received>> reading = bridge.ReadUntilEndAsync(safety.Token);
        // Not "and lost" here: whether a dropped frame is known before the end depends on timing. If
        // the importer moved its first frames into the ring before the drops began, every drop is at
        // the tail of the burst, and only the end message (its last sequence) reveals them.
        await Eventually.TrueAsync(() => bridge.Importer!.FramesImported > 0, "frames imported");
        producerMayClose.SetResult(); // the end of the stream: it tells the importer the last sequence
        List<Received> received = await reading;
        await produce;

        GapAudit.AssertExact(received, bridge.Gaps, count, size);
        output.WriteLine($"{received.Count} frames arrived, {bridge.Importer!.FramesLost} lost in {bridge.Gaps.Count} gaps, {bridge.Importer.MessagesDropped} messages dropped by the client");
        Assert.All(bridge.Gaps, g => Assert.Equal(GapKind.Lost, g.Kind));
        Assert.True(bridge.Importer!.FramesLost > 0, "a burst of 300 frames into room for 7 loses some");
        Assert.Equal(count - received.Count, bridge.Importer!.FramesLost);
        Assert.Equal(received.Count, bridge.Importer.FramesImported);
        Assert.True(bridge.Importer.MessagesDropped == bridge.Importer.FramesLost, "each lost frame was a dropped message");
    }

    [Fact]
    public async Task An_importer_that_starts_late_gets_the_metadata_and_reports_what_it_missed()
    {
        const int size = 1024;
        await using NatsServer server = await NatsServer.StartAsync();
        await using BridgeHarness bridge = await BridgeHarness.StartAsync(server, server, BridgeMode.Core, startImporter: false);
        byte[] metadata = Encoding.UTF8.GetBytes("format=gray8");
        using CancellationTokenSource safety = Eventually.Safety();
        Task produce = bridge.ProduceAsync(20, size, metadata, afterFrame: async index =>
        {
            if (index == 10)
            {
                await Eventually.TrueAsync(() => bridge.Exporter!.LastSequence == 10, "ten frames exported");
                await bridge.StartImporterAsync(); // asks the exporter for the metadata published before it came
            }
        });

        List<Received> received = await bridge.ReadUntilEndAsync(safety.Token);
        await produce;

        Assert.Equal(Enumerable.Range(11, 10).Select(i => (ulong)i), received.Select(r => r.Index));
        Assert.Equal(metadata, bridge.TargetReader!.GetMetadata().ToArray());
        NatsGapEventArgs gap = Assert.Single(bridge.Gaps);
        Assert.Equal((GapKind.MissedBeforeJoin, 1UL, 10UL), (gap.Kind, gap.FirstSequence, gap.Count));
        Assert.Equal(bridge.Exporter!.Session, gap.Session);
        Assert.Equal(10, bridge.Importer!.FramesMissedBeforeJoin);
        Assert.Equal(0, bridge.Importer.FramesLost);
    }

    [Fact]
    public async Task A_server_killed_mid_stream_and_restarted_without_JetStream_costs_frames_that_are_reported_exactly()
    {
        const int count = 400;
        const int size = 8192;
        await using NatsServer server = await NatsServer.StartAsync();
        await using BridgeHarness bridge = await BridgeHarness.StartAsync(server, server, BridgeMode.Core);
        var producerMayClose = new TaskCompletionSource();
        var disconnected = new TaskCompletionSource();
        bridge.Importer!.ConnectionChanged += (_, e) =>
        {
            if (!e.IsConnected)
            {
                disconnected.TrySetResult();
            }
        };
        using CancellationTokenSource safety = Eventually.Safety();
        Task<List<Received>> reading = bridge.ReadUntilEndAsync(safety.Token);
        Task produce = bridge.ProduceAsync(count, size, closeAfter: producerMayClose.Task, afterFrame: async index =>
        {
            if (index == count / 2)
            {
                await Eventually.TrueAsync(() => bridge.Importer!.FramesImported >= 50, "frames flowing");
                await server.KillAsync();
                await disconnected.Task.WaitAsync(safety.Token);
                await server.RestartAsync();
            }
        });

        await Eventually.TrueAsync(() => bridge.Exporter!.LastSequence == count, "every frame exported");

        // The importer is subscribed again before the end of the stream is published, so the end arrives.
        await Eventually.TrueAsync(() => bridge.ExporterConnection.ConnectionState == NatsConnectionState.Open, "the exporter reconnected");
        await Eventually.TrueAsync(() => bridge.ImporterConnection!.ConnectionState == NatsConnectionState.Open, "the importer reconnected");
        await bridge.ImporterConnection!.PingAsync(); // after its subscription: the server has it

        producerMayClose.SetResult(); // the end of the stream, published now, reaches the importer: it tells the last sequence
        List<Received> received = await reading;
        await produce;

        GapAudit.AssertExact(received, bridge.Gaps, count, size);
        Assert.Equal(count - received.Count, bridge.Importer.FramesLost);
        Assert.True(bridge.Exporter!.Disconnects >= 1);
        output.WriteLine($"{received.Count} frames arrived, {bridge.Importer.FramesLost} lost in {bridge.Gaps.Count} gaps: {string.Join(", ", bridge.Gaps)}");
    }

    [Fact]
    public async Task Frames_are_cut_to_a_small_max_payload_and_reassembled()
    {
        const int count = 20;
        const int size = 100_000;
        await using NatsServer server = await NatsServer.StartAsync(maxPayload: 4096); // chunks of 3,072 bytes
        await using BridgeHarness bridge = await BridgeHarness.StartAsync(server, server, BridgeMode.Core);
        using CancellationTokenSource safety = Eventually.Safety();
        Task produce = bridge.ProduceAsync(count, size, Encoding.UTF8.GetBytes("m"));
        List<Received> received = await bridge.ReadUntilEndAsync(safety.Token);
        await produce;

        GapAudit.AssertExact(received, bridge.Gaps, count, size);
        Assert.Equal(count, received.Count);
        int chunks = (size + 3071) / 3072;
        Assert.Equal(33, chunks);
        Assert.Equal(count * chunks + 1 + 1, bridge.Exporter!.MessagesPublished); // the chunks, the metadata, the end of the stream
    }
}
