using System.Text.Json;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Bench;

/// <summary>
/// The bench's <c>nats</c> scenario (issue 17) on a tiny run: it starts its own nats-server (the
/// test machine has one: ./test.sh installs it), measures bare NATS and the bridge at 64 B and
/// 3.1 MB (chunked) in core and JetStream mode, and reports every row, its ratio to bare NATS and
/// the targets; without nats-server the rows say they did not run, and why. The server, the peers,
/// the buffers and the server's store are gone when the bench has exited, after Ctrl+C too.
/// Never asserts a figure's size: only that it was measured.
/// </summary>
public sealed class BenchNatsTests
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(180);

    private static readonly string[] Percentiles = ["p50", "p90", "p99", "p999", "max"];

    [Fact]
    public async Task Bench_Nats_MeasuresBareAndBridgedRows_WithRatiosAndTargets_AndLeavesNothingBehind()
    {
        await using CliProcess bench = CliProcess.StartBench("--scenarios", "nats", "--sizes", "64,3110400", "--duration", "0.1", "--json");
        string name = (await bench.WaitForEventAsync("started")).GetProperty("name").GetString()!;
        JsonElement summary = await bench.WaitForEventAsync("summary", RunTimeout);
        Assert.Equal(0, await bench.WaitForExitAsync(RunTimeout));

        Assert.True(summary.GetProperty("failed").GetInt32() == 0, $"failed rows: {summary.GetProperty("results")}");
        Dictionary<string, JsonElement> rows = summary.GetProperty("results").EnumerateArray().ToDictionary(r => r.GetProperty("id").GetString()!);
        string[] expected =
        [
            .. from mode in new[] { "core", "jetstream" }
               from size in new[] { 64, 3110400 }
               from transport in new[] { "nats", "nats-bridge" }
               from id in new[] { $"throughput/{transport}/{mode}/{size}", $"latency/{transport}/{mode}/fixed-rate/{size}" }
               select id,
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), rows.Keys.Order(StringComparer.Ordinal));

        foreach ((string id, JsonElement row) in rows)
        {
            Assert.Equal("nats", row.GetProperty("kind").GetString());
            JsonElement nats = row.GetProperty("nats");
            bool bridged = row.GetProperty("transport").GetString() == "nats-bridge";
            Assert.Equal(bridged ? "bridge" : "bare", nats.GetProperty("path").GetString());
            Assert.Equal(row.GetProperty("mode").GetString(), nats.GetProperty("mode").GetString());
            Assert.True(row.GetProperty("frames").GetInt64() > 0, $"{id}: {row}");
            Assert.True(row.GetProperty("framesPerSecond").GetDouble() > 0, id);
            Assert.True(row.GetProperty("gigabytesPerSecond").GetDouble() >= 0, id); // rounded to 4 decimals: 64 B at 1,000/s reads 0.0001 or 0

            // Every frame sent in the window arrived (flow control: nothing may be dropped on either path).
            Assert.Equal(0, nats.GetProperty("lost").GetInt64());
            Assert.Equal(nats.GetProperty("sent").GetInt64(), row.GetProperty("frames").GetInt64());
            Assert.Equal(1 << 20, nats.GetProperty("maxPayload").GetInt64()); // the server's default
            Assert.Equal(row.GetProperty("frameSize").GetInt32() > 1 << 20 ? 3 : 1, nats.GetProperty("chunks").GetInt32());
            if (bridged)
            {
                Assert.Equal(0, nats.GetProperty("bridgeLost").GetInt64());
            }

            foreach (string side in new[] { "sender", "receiver" })
            {
                Assert.True(row.GetProperty("sides").GetProperty(side).GetProperty("cpuPercent").GetDouble() >= 0, $"{id} {side}");
            }

            if (nats.GetProperty("measure").GetString() == "latency")
            {
                Assert.Equal("fixed-rate", row.GetProperty("pacing").GetString());
                Assert.True(row.GetProperty("rate").GetDouble() > 0, id);
                Assert.True(row.GetProperty("samples").GetInt64() > 0, id);
                AssertAscending(row.GetProperty("latencyMicroseconds"), id);
                Assert.True(row.GetProperty("sendLagMicroseconds").GetProperty("max").GetDouble() >= 0, id);
            }
            else
            {
                Assert.Equal(JsonValueKind.Null, row.GetProperty("pacing").ValueKind);
            }

            if (bridged)
            {
                JsonElement ratios = row.GetProperty("ratios").GetProperty("bareNats");
                foreach (string figure in nats.GetProperty("measure").GetString() == "latency" ? Percentiles : ["framesPerSecond"])
                {
                    Assert.True(ratios.GetProperty(figure).GetDouble() > 0, $"{id} ratio {figure}");
                }
            }
        }

        // Three lines per mode and size (frames/s, p50, p99), each judged against the bare row of the run.
        JsonElement[] targets = [.. summary.GetProperty("targets").EnumerateArray().Where(t => t.GetProperty("figure").GetString()!.StartsWith("NATS bridge", StringComparison.Ordinal))];
        Assert.Equal(12, targets.Length);
        Assert.All(targets, t =>
        {
            Assert.Contains(t.GetProperty("status").GetString(), new[] { "met", "missed" });
            Assert.Equal("baseline", t.GetProperty("ratioOf").GetString());
            Assert.True(t.GetProperty("ratio").GetDouble() > 0);
            Assert.Contains(t.GetProperty("row").GetString(), rows.Keys);
        });

        AssertNothingLeft(name);
    }

    [Fact]
    public async Task Bench_Nats_WithoutNatsServer_ReportsTheRowsAsNotRun_WithTheReason()
    {
        await using CliProcess bench = CliProcess.StartBenchWithEnvironment(
            new Dictionary<string, string?> { ["ZB_BENCH_NATS_SERVER"] = "/nonexistent/nats-server" },
            "--scenarios", "nats", "--sizes", "64", "--nats-modes", "core", "--duration", "0.1", "--json");
        string name = (await bench.WaitForEventAsync("started")).GetProperty("name").GetString()!;
        JsonElement summary = await bench.WaitForEventAsync("summary", RunTimeout);
        Assert.Equal(1, await bench.WaitForExitAsync(RunTimeout)); // the cases asked for did not run

        JsonElement[] rows = [.. summary.GetProperty("results").EnumerateArray()];
        Assert.Equal(4, rows.Length);
        Assert.Equal(4, summary.GetProperty("failed").GetInt32());
        Assert.All(rows, r =>
        {
            Assert.StartsWith("not run: nats-server not found at /nonexistent/nats-server", r.GetProperty("error").GetString(), StringComparison.Ordinal);
            Assert.False(r.TryGetProperty("framesPerSecond", out _)); // no figure, never a stand-in
        });
        JsonElement[] targets = [.. summary.GetProperty("targets").EnumerateArray().Where(t => t.GetProperty("figure").GetString()!.StartsWith("NATS bridge", StringComparison.Ordinal))];
        Assert.Equal(3, targets.Length);
        Assert.All(targets, t => Assert.Equal("not measured", t.GetProperty("status").GetString()));
        AssertNothingLeft(name);
    }

    [Fact]
    public async Task Bench_Nats_CtrlC_StopsTheServerAndThePeers_AndRemovesTheStore()
    {
        await using CliProcess bench = CliProcess.StartBench("--scenarios", "nats", "--sizes", "4096", "--nats-modes", "core", "--duration", "5", "--json");
        string name = (await bench.WaitForEventAsync("started")).GetProperty("name").GetString()!;
        _ = await bench.WaitForEventAsync("result", RunTimeout); // the server runs, and the second case's peers start now
        await bench.InterruptAsync();
        Assert.Equal(130, await bench.WaitForExitAsync(RunTimeout));
        AssertNothingLeft(name);
    }

    /// <summary>No process of the run (the server's command line names its store, the peers' their resources), no buffer, no store.</summary>
    private static void AssertNothingLeft(string name)
    {
        BenchCommandTests.AssertNothingLeft(name);
        Assert.False(Directory.Exists(Path.Combine(Path.GetTempPath(), name + "-nats")), "the server's store directory is removed");
        foreach (string process in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            string commandLine;
            try
            {
                commandLine = File.ReadAllText(Path.Combine(process, "cmdline")).Replace('\0', ' ');
            }
            catch (IOException)
            {
                continue; // gone meanwhile
            }

            Assert.DoesNotContain(name, commandLine, StringComparison.Ordinal);
        }
    }

    private static void AssertAscending(JsonElement percentiles, string id)
    {
        double previous = 0;
        foreach (string p in Percentiles)
        {
            double value = percentiles.GetProperty(p).GetDouble();
            Assert.True(value > 0 && value >= previous, $"{id}: {p} = {value} after {previous}");
            previous = value;
        }
    }
}
