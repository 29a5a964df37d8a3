using System.Globalization;
using System.Text.Json;
using Xunit.Abstractions;
using ZeroBuffer.Nats.Tests.Infrastructure;

namespace ZeroBuffer.Nats.Tests.BridgeCli;

/// <summary>
/// Issue 17's done-when, with the CLI as the bridge: 1080p frames that <c>zerobuffer write</c>
/// writes into a buffer on host A, exported by <c>zerobuffer bridge export</c> through host A's node
/// of a three-node cluster, imported on host B by <c>zerobuffer bridge import</c> (through host B's
/// node) into the buffer of a Python reader there, in JetStream mode with three replicas, across a
/// SIGKILL of host B's node mid-stream: every frame arrives, in order, once, with the checksum the
/// writer reported. The hosts are mount namespaces with their own /dev/shm and /tmp, so both
/// buffers have the same name, as on two machines.
/// </summary>
public sealed class BridgeCliDoneWhenTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_Python_reader_on_host_B_gets_every_1080p_frame_written_on_host_A_through_the_CLI_bridge_across_a_node_SIGKILL()
    {
        const int count = 30;
        const int size = 3_110_400; // 1080p I420
        const string metadata = "width=1920;height=1080;format=i420";
        string buffer = $"cam0-{Guid.NewGuid():N}"[..13]; // one name for both hosts' buffers: each host has its own
        long ring = 4L * (size + 64);
        string ringText = ring.ToString(CultureInfo.InvariantCulture);
        string subject = Names.Subject("cam0");
        NatsServer[] nodes = await NatsServer.StartClusterAsync(3);
        try
        {
            await using SimulatedHost hostA = await SimulatedHost.StartAsync("A");
            await using SimulatedHost hostB = await SimulatedHost.StartAsync("B");
            string[] jetStream = ["--mode", "jetstream", "--replicas", "3", "--json", .. BridgeCliPeers.QuickReconnect];

            await using PythonReader python = PythonReader.Start(buffer, ring, hostB);
            _ = await python.WaitForEventAsync("ready");
            await using CliRun import = CliRun.Start(hostB, ["bridge", "import", subject, "--to", buffer, "--nats", $"{nodes[2].Url},{nodes[1].Url}", "--ack-wait-ms", "2000", .. jetStream]);
            _ = await import.WaitForEventAsync("started");
            await using CliRun export = CliRun.Start(hostA, ["bridge", "export", buffer, "--subject", subject, "--nats", $"{nodes[0].Url},{nodes[1].Url}", "--payload-size", ringText, .. jetStream]);
            _ = await export.WaitForEventAsync("started");

            await using CliRun write = CliRun.Start(hostA, "write", buffer, "--count", count.ToString(CultureInfo.InvariantCulture), "--size", size.ToString(CultureInfo.InvariantCulture),
                "--metadata", metadata, "--hash", "--write-timeout-ms", "120000", "--json");

            // Host B's node dies with frames in flight to the importer: it goes on through node 1.
            var frames = new List<JsonElement>();
            while (frames.Count < count / 4)
            {
                frames.Add(await python.WaitForEventAsync("frame"));
            }

            await nodes[2].KillAsync();
            JsonElement done = await python.WaitForEventAsync("done", frames);

            Assert.Equal(0, await write.WaitForExitAsync());
            Assert.Equal(0, await export.WaitForExitAsync());
            Assert.Equal(0, await import.WaitForExitAsync());
            string[] written = [.. write.Events("written").Select(w => w.GetProperty("sha256").GetString()!)];
            Assert.Equal(count, written.Length);
            Assert.Equal(written, frames.Select(f => f.GetProperty("sha256").GetString()!)); // every frame, in order, once, intact
            Assert.All(frames, f => Assert.Equal(size, f.GetProperty("size").GetInt32()));
            Assert.Equal(metadata, done.GetProperty("metadata").GetString());

            JsonElement imported = import.Events("done").Single();
            output.WriteLine(imported.GetRawText());
            Assert.Equal((count, 0L, 0L, "end-of-stream"), (imported.GetProperty("frames").GetInt32(), imported.GetProperty("gaps").GetInt64(),
                imported.GetProperty("framesLost").GetInt64(), imported.GetProperty("reason").GetString()));
            Assert.Empty(import.Events("gap"));
            Assert.NotEmpty(import.Events("disconnected")); // it was cut off from its node and went on through another
            Assert.Equal(count, export.Events("done").Single().GetProperty("frames").GetInt32());
            Assert.Equal("closed", export.Events("stream-ended").Single().GetProperty("reason").GetString());
        }
        finally
        {
            foreach (NatsServer node in nodes)
            {
                await node.DisposeAsync();
            }
        }

        Assert.Empty(Names.Leftovers(buffer)); // nothing of either host's buffer here: each lived in its own namespace
    }
}
