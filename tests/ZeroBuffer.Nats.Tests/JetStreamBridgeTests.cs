using System.Text;
using NATS.Client.Core;
using Xunit.Abstractions;
using ZeroBuffer.Nats.Tests.Infrastructure;

namespace ZeroBuffer.Nats.Tests;

/// <summary>
/// JetStream mode against a real nats-server with a file store: everything the stream
/// acknowledged arrives exactly once, across a server SIGKILL and restart and across an importer
/// that stops and starts again.
/// </summary>
public sealed class JetStreamBridgeTests(ITestOutputHelper output)
{
    /// <summary>Short, so messages lost in flight come back quickly after a restart.</summary>
    private static readonly NatsJetStreamOptions Fast = new() { AckWait = TimeSpan.FromSeconds(2) };

    [Theory]
    [InlineData(64, 200)]
    [InlineData(4096, 200)]
    [InlineData(3_110_400, 8)]
    public async Task Frames_arrive_whole_in_order_with_their_metadata(int size, int count)
    {
        await using NatsServer server = await NatsServer.StartAsync(jetStream: true);
        byte[] metadata = Encoding.UTF8.GetBytes($"size={size}");
        string source, target;
        await using (BridgeHarness bridge = await BridgeHarness.StartAsync(server, server, BridgeMode.JetStream,
            sourceRing: 4L * (size + 64) + 4096, targetRing: 4L * (size + 64) + 4096, jetStream: Fast))
        {
            source = bridge.SourceName;
            target = bridge.TargetName;
            using CancellationTokenSource safety = Eventually.Safety();
            Task produce = bridge.ProduceAsync(count, size, metadata);
            List<Received> received = await bridge.ReadUntilEndAsync(safety.Token);
            await produce;

            GapAudit.AssertExact(received, bridge.Gaps, count, size);
            Assert.Equal(count, received.Count);
            Assert.Equal(Enumerable.Range(1, count).Select(i => (ulong)i), received.Select(r => r.LocalSequence));
            Assert.Equal(metadata, bridge.TargetReader!.GetMetadata().ToArray());
            Assert.Empty(bridge.Gaps);

            // The end of the stream and the stop's own end message: both stored or de-duplicated at once, no retry.
            await bridge.Exporter!.StopAsync();
            Assert.Equal(0, bridge.Exporter.PublishRetries);
            Assert.Empty(bridge.Errors);
        }

        Assert.Empty(Names.Leftovers(source));
        Assert.Empty(Names.Leftovers(target));
    }

    [Theory]
    [InlineData(4096, 300)]
    [InlineData(3_110_400, 20)]
    public async Task A_server_SIGKILLed_mid_stream_and_restarted_with_its_store_loses_and_duplicates_nothing(int size, int count)
    {
        await using NatsServer server = await NatsServer.StartAsync(jetStream: true);
        await using BridgeHarness bridge = await BridgeHarness.StartAsync(server, server, BridgeMode.JetStream,
            sourceRing: 4L * (size + 64) + 4096, targetRing: 4L * (size + 64) + 4096, jetStream: Fast);
        using CancellationTokenSource safety = Eventually.Safety();
        Task<List<Received>> reading = bridge.ReadUntilEndAsync(safety.Token);
        Task produce = bridge.ProduceAsync(count, size, afterFrame: async index =>
        {
            if (index == (ulong)count / 2)
            {
                await Eventually.TrueAsync(() => bridge.Importer!.FramesImported >= count / 4, "frames flowing");
                await server.KillAsync(); // SIGKILL, in the middle of publishes and deliveries
                await server.RestartAsync(); // the same port, the same store
            }
        });

        List<Received> received = await reading;
        await produce;

        output.WriteLine($"{received.Count} frames arrived; exporter retries {bridge.Exporter!.PublishRetries}, importer duplicates dropped {bridge.Importer!.DuplicatesDropped}, disconnects {bridge.Exporter.Disconnects}/{bridge.Importer.Disconnects}");
        GapAudit.AssertExact(received, bridge.Gaps, count, size);
        Assert.Empty(bridge.Gaps);
        Assert.Equal(Enumerable.Range(1, count).Select(i => (ulong)i), received.Select(r => r.Index));
        Assert.True(bridge.Exporter.Disconnects >= 1 && bridge.Importer.Disconnects >= 1);
    }

    [Fact]
    public async Task An_importer_started_late_and_restarted_gets_every_frame_once()
    {
        const int size = 2048;
        await using NatsServer server = await NatsServer.StartAsync(jetStream: true);
        await using BridgeHarness bridge = await BridgeHarness.StartAsync(server, server, BridgeMode.JetStream, startImporter: false, jetStream: Fast);
        byte[] metadata = Encoding.UTF8.GetBytes("stored");
        using CancellationTokenSource safety = Eventually.Safety();
        Task<List<Received>> reading = bridge.ReadAcrossEndsAsync(r => r.Count > 0 && r[^1].Index == 90, safety.Token);
        Task produce = bridge.ProduceAsync(90, size, metadata, afterFrame: async index =>
        {
            if (index == 30)
            {
                // Frames 1-30 are in the stream before any importer exists.
                await Eventually.TrueAsync(() => bridge.Exporter!.LastSequence == 30, "thirty frames stored");
                await bridge.StartImporterAsync();
            }
            else if (index == 60)
            {
                await Eventually.TrueAsync(() => bridge.Importer!.FramesImported >= 40, "the importer at work");
                await bridge.StopImporterAsync(); // frames 61.. wait in the stream
                await bridge.StartImporterAsync(); // the same durable consumer: resumes after its last acknowledgement
            }
        });

        List<Received> received = await reading;
        await produce;

        output.WriteLine($"gaps: {string.Join(", ", bridge.Gaps)}; indices {string.Join(",", received.Select(r => r.Index))}");
        GapAudit.AssertExact(received, bridge.Gaps, 90, size);
        Assert.Equal(Enumerable.Range(1, 90).Select(i => (ulong)i), received.Select(r => r.Index));
        Assert.Empty(bridge.Gaps);
        Assert.Equal(metadata, bridge.TargetReader!.GetMetadata().ToArray());
    }

    [Fact]
    public async Task An_exporter_restarted_on_the_same_buffer_loses_nothing()
    {
        const int size = 4096;
        const int count = 120;
        await using NatsServer server = await NatsServer.StartAsync(jetStream: true);
        await using BridgeHarness bridge = await BridgeHarness.StartAsync(server, server, BridgeMode.JetStream, jetStream: Fast);
        using CancellationTokenSource safety = Eventually.Safety();
        string firstSession = bridge.Exporter!.Session;
        Task<List<Received>> reading = bridge.ReadAcrossEndsAsync(r => r.Count > 0 && r[^1].Index == count, safety.Token);
        Task produce = bridge.ProduceAsync(count, size, afterFrame: async index =>
        {
            if (index == count / 2)
            {
                await bridge.Exporter!.DisposeAsync(); // finishes its frame, says "stopped"; the rest waits in host A's ring
                await bridge.StartExporterAsync(); // a new session reads on from the same buffer
            }
        });

        List<Received> received = await reading;
        await produce;

        Assert.Equal(Enumerable.Range(1, count).Select(i => (ulong)i), received.Select(r => r.Index));
        Assert.Empty(bridge.Gaps);
        Assert.NotEqual(firstSession, bridge.Exporter!.Session);
    }

    [Fact]
    public async Task A_frame_removed_from_the_stream_before_it_was_read_is_reported_lost()
    {
        const int size = 1000;
        await using NatsServer server = await NatsServer.StartAsync(jetStream: true);
        var jetStream = new NatsJetStreamOptions { AckWait = TimeSpan.FromMilliseconds(500) }; // a hole is given up after 2 ack waits and a second
        await using BridgeHarness bridge = await BridgeHarness.StartAsync(server, server, BridgeMode.JetStream, startImporter: false, jetStream: jetStream);
        using CancellationTokenSource safety = Eventually.Safety();
        // Stored: 10 frames, one message each (each frame written once the one before is stored,
        // so none waits in the ring to be batched with the next), and the end of the stream.
        await bridge.ProduceAsync(10, size, afterFrame: index => Eventually.TrueAsync(() => bridge.Exporter!.LastSequence == index, $"frame {index} stored"));
        await Eventually.TrueAsync(() => bridge.Exporter!.LastSequence == 10, "ten frames stored");

        // An operator (or the stream's limits) removes frame 4 before any importer read it.
        await using (NatsConnection admin = server.Connect())
        {
            var js = new NATS.Client.JetStream.NatsJSContext(admin);
            NATS.Client.JetStream.INatsJSStream stream = await js.GetStreamAsync(jetStream.EffectiveStreamName(bridge.Subject));
            _ = await stream.DeleteMessageAsync(new NATS.Client.JetStream.Models.StreamMsgDeleteRequest { Seq = 4 });
        }

        await bridge.StartImporterAsync();
        List<Received> received = await bridge.ReadUntilEndAsync(safety.Token);

        Assert.Equal([1UL, 2, 3, 5, 6, 7, 8, 9, 10], received.Select(r => r.Index));
        NatsGapEventArgs gap = Assert.Single(bridge.Gaps);
        Assert.Equal((GapKind.Lost, 4UL, 1UL), (gap.Kind, gap.FirstSequence, gap.Count));
    }
}
