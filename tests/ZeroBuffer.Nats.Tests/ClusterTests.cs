using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using NATS.Client.Core;
using Xunit.Abstractions;
using ZeroBuffer.Nats.Tests.Infrastructure;

namespace ZeroBuffer.Nats.Tests;

/// <summary>
/// A three-node cluster, the exporter on one node and the importer on another ("host A" and
/// "host B", each with its own buffers): a node SIGKILLed mid-stream.
/// </summary>
public sealed class ClusterTests(ITestOutputHelper output)
{
    [Fact]
    public async Task JetStream_replicated_three_times_loses_and_duplicates_nothing_when_the_exporters_node_is_SIGKILLed()
    {
        const int count = 24;
        const int size = 3_110_400; // 1080p I420
        NatsServer[] nodes = await NatsServer.StartClusterAsync(3);
        try
        {
            var jetStream = new NatsJetStreamOptions { Replicas = 3, AckWait = TimeSpan.FromSeconds(2) };
            await using BridgeHarness bridge = await BridgeHarness.StartAsync([nodes[0], nodes[1], nodes[2]], [nodes[2], nodes[1], nodes[0]], BridgeMode.JetStream,
                sourceRing: 4L * (size + 64), targetRing: 4L * (size + 64), jetStream: jetStream);
            using CancellationTokenSource safety = Eventually.Safety();
            Task<List<Received>> reading = bridge.ReadUntilEndAsync(safety.Token);
            Task produce = bridge.ProduceAsync(count, size, afterFrame: async index =>
            {
                if (index == count / 2)
                {
                    await Eventually.TrueAsync(() => bridge.Importer!.FramesImported >= count / 4, "frames flowing");
                    await nodes[0].KillAsync(); // host A's node, in the middle of a publish
                }
            });

            List<Received> received = await reading;
            await produce;

            output.WriteLine($"{received.Count} frames arrived; exporter retries {bridge.Exporter!.PublishRetries}, duplicates dropped {bridge.Importer!.DuplicatesDropped}");
            GapAudit.AssertExact(received, bridge.Gaps, count, size);
            Assert.Empty(bridge.Gaps);
            Assert.Equal(Enumerable.Range(1, count).Select(i => (ulong)i), received.Select(r => r.Index));
            Assert.True(bridge.Exporter.Disconnects >= 1, "the exporter was cut off from its node and went on through another");
        }
        finally
        {
            foreach (NatsServer node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Core_NATS_reports_exactly_the_frames_lost_when_the_importers_node_is_SIGKILLed()
    {
        const int count = 400;
        const int size = 8192;
        NatsServer[] nodes = await NatsServer.StartClusterAsync(3);
        try
        {
            await using BridgeHarness bridge = await BridgeHarness.StartAsync([nodes[0], nodes[1]], [nodes[2], nodes[1]], BridgeMode.Core);
            var producerMayClose = new TaskCompletionSource();
            using CancellationTokenSource safety = Eventually.Safety();
            Task<List<Received>> reading = bridge.ReadUntilEndAsync(safety.Token);
            Task produce = bridge.ProduceAsync(count, size, closeAfter: producerMayClose.Task, afterFrame: async index =>
            {
                if (index == count / 4)
                {
                    await Eventually.TrueAsync(() => bridge.Importer!.FramesImported >= 50, "frames flowing");
                    await nodes[2].KillAsync(); // host B's node: until the importer is on node 1, nobody there wants the frames
                }
            });

            await Eventually.TrueAsync(() => bridge.Exporter!.LastSequence == count, "every frame exported");
            await Eventually.TrueAsync(() => bridge.Importer!.Disconnects >= 1 && bridge.ImporterConnection!.ConnectionState == NatsConnectionState.Open, "the importer on another node");
            await bridge.ImporterConnection!.PingAsync(); // its subscription is there
            producerMayClose.SetResult();
            List<Received> received = await reading;
            await produce;

            output.WriteLine($"{received.Count} frames arrived, {bridge.Importer!.FramesLost} lost: {string.Join(", ", bridge.Gaps)}");
            GapAudit.AssertExact(received, bridge.Gaps, count, size);
            Assert.Equal(count - received.Count, bridge.Importer.FramesLost);
        }
        finally
        {
            foreach (NatsServer node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Issue 17's done-when: 1080p frames from a buffer on host A (its own buffer names and node)
    /// to a Python reader on host B (its own buffer and node) through the bridge, checksums equal,
    /// across a SIGKILL of a node in JetStream mode.
    /// </summary>
    [Fact]
    public async Task A_Python_reader_on_host_B_gets_every_1080p_frame_of_host_A_intact_across_a_node_SIGKILL()
    {
        const int count = 30;
        const int size = 3_110_400;
        NatsServer[] nodes = await NatsServer.StartClusterAsync(3);
        try
        {
            var jetStream = new NatsJetStreamOptions { Replicas = 3, AckWait = TimeSpan.FromSeconds(2) };
            await using BridgeHarness bridge = await BridgeHarness.StartAsync([nodes[0], nodes[1]], [nodes[2], nodes[1]], BridgeMode.JetStream,
                sourceRing: 4L * (size + 64), targetRing: 0, startImporter: false, jetStream: jetStream);
            await using PythonReader python = PythonReader.Start(bridge.TargetName, 4L * (size + 64));
            _ = await python.WaitForEventAsync("ready");
            await bridge.StartImporterAsync();

            byte[] metadata = Encoding.UTF8.GetBytes("width=1920;height=1080;format=i420");
            Task produce = bridge.ProduceAsync(count, size, metadata, afterFrame: async index =>
            {
                if (index == count / 2)
                {
                    await Eventually.TrueAsync(() => bridge.Importer!.FramesImported >= count / 4, "frames flowing");
                    await nodes[2].KillAsync(); // host B's node, with frames in flight to the importer
                }
            });

            var frames = new List<JsonElement>();
            JsonElement done = await python.WaitForEventAsync("done", frames);
            await produce;

            output.WriteLine($"{frames.Count} frames read by Python; duplicates dropped {bridge.Importer!.DuplicatesDropped}, importer disconnects {bridge.Importer.Disconnects}");
            Assert.Equal(Enumerable.Range(1, count).Select(i => (ulong)i), frames.Select(f => f.GetProperty("index").GetUInt64()));
            foreach (JsonElement frame in frames)
            {
                ulong index = frame.GetProperty("index").GetUInt64();
                Assert.Equal(size, frame.GetProperty("size").GetInt32());
                Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(TestFrames.Make(size, index))), frame.GetProperty("sha256").GetString());
            }

            Assert.Equal("width=1920;height=1080;format=i420", done.GetProperty("metadata").GetString());
            Assert.Empty(bridge.Gaps);
            Assert.True(bridge.Importer.Disconnects >= 1, "the importer was cut off from its node and went on through another");
        }
        finally
        {
            foreach (NatsServer node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }
}
