using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;
using ZeroBuffer.Nats.Diagnostics;
using ZeroBuffer.Nats.Tests.Infrastructure;

namespace ZeroBuffer.Nats.Tests;

/// <summary>Core NATS mode against a real nats-server: frames, metadata, chunking, end of stream.</summary>
public sealed class CoreBridgeTests
{
    [Theory]
    [InlineData(64, 200)]
    [InlineData(4096, 200)]
    [InlineData(3_110_400, 12)] // a 1080p I420 frame: 3 chunks with the default max_payload of 1 MiB
    public async Task Frames_arrive_whole_in_order_with_their_metadata(int size, int count)
    {
        await using NatsServer server = await NatsServer.StartAsync();
        byte[] metadata = Encoding.UTF8.GetBytes($"width=1920;height=1080;format=i420;size={size}");
        string source, target;
        await using (BridgeHarness bridge = await BridgeHarness.StartAsync(server, server, BridgeMode.Core, sourceRing: 4L * (size + 64) + 4096, targetRing: 4L * (size + 64) + 4096))
        {
            source = bridge.SourceName;
            target = bridge.TargetName;
            using CancellationTokenSource safety = Eventually.Safety();
            Task produce = bridge.ProduceAsync(count, size, metadata);
            List<Received> received = await bridge.ReadUntilEndAsync(safety.Token);
            await produce;

            Assert.Equal(count, received.Count);
            for (int i = 0; i < count; i++)
            {
                ulong index = (ulong)i + 1;
                Assert.Equal(index, received[i].Index);
                Assert.Equal(index, received[i].LocalSequence);
                Assert.Equal(size, received[i].Size);
                Assert.Equal(TestFrames.ExpectedChecksum(size, index), received[i].Checksum);
            }

            Assert.Equal(metadata, bridge.TargetReader!.GetMetadata().ToArray());
            Assert.Empty(bridge.Gaps);
            Assert.Equal(count, bridge.Importer!.FramesImported);
            Assert.Equal(count, bridge.Exporter!.FramesExported);
            Assert.Equal((ulong)count, bridge.Exporter.LastSequence);
            Assert.Equal(0, bridge.Importer.FramesLost);
        }

        Assert.Empty(Names.Leftovers(source));
        Assert.Empty(Names.Leftovers(target));
    }

    [Fact]
    public async Task A_frame_that_can_never_fit_the_remote_ring_is_reported_rejected_and_the_stream_goes_on()
    {
        await using NatsServer server = await NatsServer.StartAsync();
        await using BridgeHarness bridge = await BridgeHarness.StartAsync(server, server, BridgeMode.Core, targetRing: 8192);
        using CancellationTokenSource safety = Eventually.Safety();
        await bridge.ProduceAsync(3, 1024);
        await Eventually.TrueAsync(() => bridge.Importer!.FramesImported == 3, "the small frames imported");
        await bridge.ProduceAsync(2, 20_000, first: 4); // larger than host B's whole ring
        await Eventually.TrueAsync(() => bridge.Importer!.FramesRejected == 2, "the large frames rejected");
        await bridge.ProduceAsync(3, 1024, first: 6);

        // Three writers on host A, three ends of stream on host B: read across them.
        List<Received> received = await bridge.ReadAcrossEndsAsync(r => r.Count == 6, safety.Token);

        Assert.Equal([1UL, 2, 3, 6, 7, 8], received.Select(r => r.Index));
        Assert.Equal([(GapKind.Rejected, 4UL, 1UL), (GapKind.Rejected, 5UL, 1UL)], bridge.Gaps.Select(g => (g.Kind, g.FirstSequence, g.Count)));
        Assert.Equal(2, bridge.Importer!.FramesRejected);
        Assert.Equal(0, bridge.Importer.FramesLost);
    }

    [Fact]
    public async Task The_bridges_report_on_their_own_meter()
    {
        var seen = new ConcurrentDictionary<(string Instrument, string Role, string Subject), long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == NatsBridgeMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string role = "", subject = "";
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                role = tag.Key == NatsBridgeMetrics.RoleTag ? (string)tag.Value! : role;
                subject = tag.Key == NatsBridgeMetrics.SubjectTag ? (string)tag.Value! : subject;
            }

            seen[(instrument.Name, role, subject)] = value;
        });
        listener.Start();

        await using NatsServer server = await NatsServer.StartAsync();
        await using BridgeHarness bridge = await BridgeHarness.StartAsync(server, server, BridgeMode.Core);
        using CancellationTokenSource safety = Eventually.Safety();
        Task produce = bridge.ProduceAsync(10, 1000);
        _ = await bridge.ReadUntilEndAsync(safety.Token);
        await produce;
        listener.RecordObservableInstruments();

        Assert.Equal(10, seen[("zerobuffer.nats.frames", "exporter", bridge.Subject)]);
        Assert.Equal(10, seen[("zerobuffer.nats.frames", "importer", bridge.Subject)]);
        Assert.Equal(10_000, seen[("zerobuffer.nats.bytes", "importer", bridge.Subject)]);
        Assert.Equal(0, seen[("zerobuffer.nats.frames.lost", "importer", bridge.Subject)]);
    }

    [Fact]
    public async Task A_message_that_is_not_a_bridge_message_is_skipped_and_reported()
    {
        await using NatsServer server = await NatsServer.StartAsync();
        await using BridgeHarness bridge = await BridgeHarness.StartAsync(server, server, BridgeMode.Core);
        await using (NATS.Client.Core.NatsConnection stranger = server.Connect())
        {
            await stranger.PublishAsync(BridgeSubjects.Frames(bridge.Subject), new byte[] { 1, 2, 3 });
            await stranger.PingAsync();
        }

        await Eventually.TrueAsync(() => bridge.Importer!.MalformedMessages == 1, "the stranger's message skipped");
        using CancellationTokenSource safety = Eventually.Safety();
        Task produce = bridge.ProduceAsync(5, 100);
        List<Received> received = await bridge.ReadUntilEndAsync(safety.Token);
        await produce;

        Assert.Equal(5, received.Count);
        Assert.Contains(bridge.Errors, e => e.What.Contains("has no Zb-Bridge header", StringComparison.Ordinal));
    }
}
