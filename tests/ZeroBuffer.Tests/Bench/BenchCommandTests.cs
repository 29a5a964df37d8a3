using System.Text.Json;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Bench;

/// <summary>
/// The cross-process bench (bench/ZeroBuffer.Bench): runs end to end on a tiny subset (one size, 0.1 s windows), emits the
/// documented JSON shape with every row and ratio, and leaves nothing behind. Never asserts a
/// figure's size: only that it was measured.
/// </summary>
public sealed class BenchCommandTests
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(120);

    private static readonly string[] Percentiles = ["p50", "p90", "p99", "p999", "max"];

    [Fact]
    public async Task Bench_EveryScenario_EmitsEveryRowAndRatio_AndLeavesNothingBehind()
    {
        await using CliProcess bench = CliProcess.StartBench("--scenarios", "throughput,latency,uds,semaphore,busy-poll,memcpy,idle,duplex",
            "--sizes", "4096", "--duration", "0.1", "--json");
        string name = (await bench.WaitForEventAsync("started")).GetProperty("name").GetString()!;
        JsonElement summary = await bench.WaitForEventAsync("summary", RunTimeout);
        Assert.Equal(0, await bench.WaitForExitAsync(RunTimeout));

        Assert.Equal(0, summary.GetProperty("failed").GetInt32());
        Dictionary<string, JsonElement> rows = summary.GetProperty("results").EnumerateArray()
            .ToDictionary(r => r.GetProperty("id").GetString()!);
        Assert.Equal(
            new[]
            {
                "bandwidth/memcpy/hot", "bandwidth/memcpy/streaming", "idle/zerobuffer", "latency/busy-poll/back-to-back", "latency/duplex/copy/back-to-back/64",
                "latency/semaphore/back-to-back", "latency/semaphore/fixed-rate/2000hz", "latency/unix-socket/copy/back-to-back/4096",
                "latency/unix-socket/copy/fixed-rate/4096", "latency/zerobuffer/copy/back-to-back/4096",
                "latency/zerobuffer/copy/back-to-back/64@busy-spin", "latency/zerobuffer/copy/fixed-rate/4096", "latency/zerobuffer/zero-copy/back-to-back/4096",
                "throughput/unix-socket/copy/4096", "throughput/zerobuffer/copy/4096", "throughput/zerobuffer/zero-copy/4096",
            },
            rows.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(rows.Count, bench.Events("result").Count);

        Assert.True(rows["bandwidth/memcpy/streaming"].GetProperty("frameSize").GetInt64() >= 256L << 20);
        foreach (string id in new[] { "bandwidth/memcpy/hot", "bandwidth/memcpy/streaming", "throughput/unix-socket/copy/4096" })
        {
            Assert.True(rows[id].GetProperty("gigabytesPerSecond").GetDouble() > 0, id);
        }

        foreach (string mode in new[] { "copy", "zero-copy" })
        {
            JsonElement row = rows[$"throughput/zerobuffer/{mode}/4096"];
            Assert.Equal("throughput", row.GetProperty("kind").GetString());
            Assert.Equal(4096, row.GetProperty("frameSize").GetInt32());
            Assert.True(row.GetProperty("frames").GetInt64() > 0);
            Assert.True(row.GetProperty("framesPerSecond").GetDouble() > 0);
            Assert.True(row.GetProperty("gigabytesPerSecond").GetDouble() > 0);
            AssertSides(row, "writer", "reader");
            Assert.True(row.GetProperty("ratios").GetProperty("unixSocket").GetProperty("framesPerSecond").GetDouble() > 0);
            Assert.True(row.GetProperty("ratios").GetProperty("memcpyStreaming").GetProperty("gigabytesPerSecond").GetDouble() > 0);
        }

        foreach (string id in new[]
                 {
                     "latency/zerobuffer/copy/back-to-back/4096", "latency/zerobuffer/copy/fixed-rate/4096", "latency/zerobuffer/zero-copy/back-to-back/4096",
                     "latency/zerobuffer/copy/back-to-back/64@busy-spin", "latency/duplex/copy/back-to-back/64",
                 })
        {
            JsonElement row = rows[id];
            AssertLatency(row);
            AssertSides(row, "pinger", "echo");
            foreach (string baseline in new[] { "semaphore", "busyPoll" })
            {
                JsonElement ratios = row.GetProperty("ratios").GetProperty(baseline);
                foreach (string p in Percentiles)
                {
                    Assert.True(ratios.GetProperty(p).GetDouble() > 0, $"{id} {baseline} {p}");
                }
            }
        }

        Assert.True(rows["latency/zerobuffer/copy/fixed-rate/4096"].GetProperty("rate").GetDouble() > 0);
        Assert.True(rows["latency/zerobuffer/copy/fixed-rate/4096"].GetProperty("sendLagMicroseconds").GetProperty("max").GetDouble() >= 0);
        Assert.False(rows["latency/zerobuffer/copy/back-to-back/4096"].TryGetProperty("sendLagMicroseconds", out _));
        foreach (string id in new[] { "latency/semaphore/back-to-back", "latency/busy-poll/back-to-back", "latency/unix-socket/copy/back-to-back/4096" })
        {
            AssertLatency(rows[id]);
        }

        Assert.True(rows["idle/zerobuffer"].GetProperty("sides").GetProperty("reader").GetProperty("cpuPercent").GetDouble() >= 0);
        Assert.True(rows["idle/zerobuffer"].GetProperty("seconds").GetDouble() > 0);

        Assert.Equal("busy-spin", rows["latency/zerobuffer/copy/back-to-back/64@busy-spin"].GetProperty("strategy").GetString());
        Assert.Equal("spin-then-block", rows["latency/zerobuffer/copy/back-to-back/4096"].GetProperty("strategy").GetString());
        Assert.Equal("duplex", rows["latency/duplex/copy/back-to-back/64"].GetProperty("transport").GetString());
        Assert.Equal("spin-then-block", summary.GetProperty("strategy").GetString());
        Assert.False(summary.GetProperty("prefault").GetBoolean());
        Assert.False(summary.GetProperty("batchReleases").GetBoolean());

        // One targets line per figure; the rows of this run that exist are measured, the others say so.
        Dictionary<string, JsonElement> targets = summary.GetProperty("targets").EnumerateArray().ToDictionary(t => t.GetProperty("figure").GetString()!);
        Assert.Equal(18, targets.Count);
        Assert.All(targets.Values, t => Assert.Contains(t.GetProperty("status").GetString(), new[] { "met", "missed", "not measured" }));
        foreach (string measured in new[]
                 {
                     "4 KiB one-way, copy, frames/s", "round trip 64 B, busy-spin, p50", "allocated bytes per frame, each side (worst)",
                     "CPU of a reader waiting with no traffic",
                 })
        {
            Assert.NotEqual("not measured", targets[measured].GetProperty("status").GetString());
            Assert.True(targets[measured].GetProperty("measured").GetDouble() >= 0, measured);
        }

        foreach (string figure in new[] { "64 B one-way, zero-copy, frames/s", "64 B one-way, zero-copy, reader batching releases, frames/s (ratio: × busy-poll hand-overs)" })
        {
            Assert.Equal("not measured", targets[figure].GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Null, targets[figure].GetProperty("measured").ValueKind);
        }

        AssertNothingLeft(name);
    }

    /// <summary>The async scenario: each async row next to its blocking counterpart, and the idle async readers with their threads.</summary>
    [Fact]
    public async Task Bench_Async_MeasuresTheAsyncApiNextToTheBlockingOne()
    {
        await using CliProcess bench = CliProcess.StartBench("--scenarios", "async", "--duration", "0.1", "--json");
        string name = (await bench.WaitForEventAsync("started")).GetProperty("name").GetString()!;
        JsonElement summary = await bench.WaitForEventAsync("summary", RunTimeout);
        Assert.Equal(0, await bench.WaitForExitAsync(RunTimeout));

        Assert.Equal(0, summary.GetProperty("failed").GetInt32());
        Dictionary<string, JsonElement> rows = summary.GetProperty("results").EnumerateArray().ToDictionary(r => r.GetProperty("id").GetString()!);
        Assert.Equal(
            new[]
            {
                "idle/zerobuffer/async/100-readers", "latency/zerobuffer/async/back-to-back/64", "latency/zerobuffer/async/fixed-rate/64",
                "latency/zerobuffer/async/fixed-rate/64@blocking", "latency/zerobuffer/copy/back-to-back/64", "latency/zerobuffer/copy/fixed-rate/64@blocking",
            },
            rows.Keys.Order(StringComparer.Ordinal));
        foreach (string id in rows.Keys.Where(id => id.StartsWith("latency/", StringComparison.Ordinal)))
        {
            AssertLatency(rows[id]);
            AssertSides(rows[id], "pinger", "echo");
        }

        Assert.Equal("async", rows["latency/zerobuffer/async/fixed-rate/64@blocking"].GetProperty("mode").GetString());
        Assert.Equal("blocking", rows["latency/zerobuffer/async/fixed-rate/64@blocking"].GetProperty("strategy").GetString());
        JsonElement idle = rows["idle/zerobuffer/async/100-readers"];
        Assert.True(idle.GetProperty("sides").GetProperty("reader").GetProperty("cpuPercent").GetDouble() >= 0);
        Assert.InRange(idle.GetProperty("threads").GetInt32(), 1, 99); // a hundred waiting readers, far fewer threads
        AssertNothingLeft(name);
    }

    /// <summary>The duplex scenario with the 3.1 MB size: the RequestAsync lease row, its sides and its allocation target line.</summary>
    [Fact]
    public async Task Bench_Duplex_VideoFrameRow_ReportsTheClientsProcessWideAllocations()
    {
        await using CliProcess bench = CliProcess.StartBench("--scenarios", "duplex", "--sizes", "3110400", "--duration", "0.1", "--json");
        string name = (await bench.WaitForEventAsync("started")).GetProperty("name").GetString()!;
        JsonElement summary = await bench.WaitForEventAsync("summary", RunTimeout);
        Assert.Equal(0, await bench.WaitForExitAsync(RunTimeout));

        Assert.True(summary.GetProperty("failed").GetInt32() == 0, $"failed rows: {summary.GetProperty("results")}");
        Dictionary<string, JsonElement> rows = summary.GetProperty("results").EnumerateArray().ToDictionary(r => r.GetProperty("id").GetString()!);
        Assert.Equal(["latency/duplex/copy/back-to-back/64", "latency/duplex/zero-copy/back-to-back/3110400"], rows.Keys.Order(StringComparer.Ordinal));
        JsonElement video = rows["latency/duplex/zero-copy/back-to-back/3110400"];
        AssertLatency(video);
        AssertSides(video, "pinger", "echo");
        JsonElement target = summary.GetProperty("targets").EnumerateArray()
            .Single(t => t.GetProperty("row").GetString() == "latency/duplex/zero-copy/back-to-back/3110400");
        Assert.Equal("sides.pinger.allocatedBytesPerFrame", target.GetProperty("field").GetString());
        Assert.Equal(JsonValueKind.Number, target.GetProperty("measured").ValueKind);
        AssertNothingLeft(name);
    }

    /// <summary>
    /// The fan-out scenario of --quick (3.1 MB only): a row per subscriber count, every frame offered to every
    /// subscriber delivered or dropped (Block: delivered), every delivered frame read, the ratio to n streaming copies,
    /// the target line, and nothing left of the subscribers' buffers or the publisher's lock file.
    /// </summary>
    [Fact]
    public async Task Bench_FanOut_Quick_EverySubscriberGetsEveryFrame_AndNothingIsLeft()
    {
        await using CliProcess bench = CliProcess.StartBench("--scenarios", "fanout,memcpy", "--quick", "--duration", "0.1", "--json");
        string name = (await bench.WaitForEventAsync("started")).GetProperty("name").GetString()!;
        JsonElement summary = await bench.WaitForEventAsync("summary", RunTimeout);
        Assert.Equal(0, await bench.WaitForExitAsync(RunTimeout));

        Assert.True(summary.GetProperty("failed").GetInt32() == 0, $"failed rows: {summary.GetProperty("results")}");
        Dictionary<string, JsonElement> rows = summary.GetProperty("results").EnumerateArray()
            .Where(r => r.GetProperty("kind").GetString() == "fanout").ToDictionary(r => r.GetProperty("id").GetString()!);
        Assert.Equal(
            ["fanout/zero-copy/1/3110400", "fanout/zero-copy/2/3110400", "fanout/zero-copy/4/3110400", "fanout/zero-copy/8/3110400"],
            rows.Keys.Order(StringComparer.Ordinal));
        foreach ((string id, JsonElement row) in rows)
        {
            int subscribers = AssertFanOut(row, "block");
            Assert.All(row.GetProperty("perSubscriber").EnumerateArray(), s => Assert.Equal(0, s.GetProperty("dropped").GetInt64()));
            Assert.Equal(subscribers, int.Parse(id.Split('/')[2], System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(row.GetProperty("ratios").GetProperty("memcpyStreaming").GetProperty("publishMicroseconds").GetDouble() > 0, id);
        }

        JsonElement target = summary.GetProperty("targets").EnumerateArray()
            .Single(t => t.GetProperty("figure").GetString()!.StartsWith("fan-out 3.1 MB", StringComparison.Ordinal));
        Assert.Contains(target.GetProperty("row").GetString(), rows.Keys);
        Assert.Equal("baseline", target.GetProperty("ratioOf").GetString());
        Assert.True(target.GetProperty("ratio").GetDouble() > 0);
        AssertNothingLeft(name);
    }

    /// <summary>Fan-out with drop-newest subscribers and another strategy: both in the row ids, and the drops accounted for.</summary>
    [Fact]
    public async Task Bench_FanOut_DropNewest_CountsEveryFrameDeliveredOrDropped()
    {
        await using CliProcess bench = CliProcess.StartBench("--scenarios", "fanout", "--sizes", "64", "--duration", "0.1",
            "--fanout-policy", "drop-newest", "--strategy", "blocking", "--json");
        string name = (await bench.WaitForEventAsync("started")).GetProperty("name").GetString()!;
        JsonElement summary = await bench.WaitForEventAsync("summary", RunTimeout);
        Assert.Equal(0, await bench.WaitForExitAsync(RunTimeout));

        Assert.True(summary.GetProperty("failed").GetInt32() == 0, $"failed rows: {summary.GetProperty("results")}");
        Dictionary<string, JsonElement> rows = summary.GetProperty("results").EnumerateArray().ToDictionary(r => r.GetProperty("id").GetString()!);
        Assert.Equal(
            [
                "fanout/zero-copy/1/64@blocking@drop-newest", "fanout/zero-copy/2/64@blocking@drop-newest",
                "fanout/zero-copy/4/64@blocking@drop-newest", "fanout/zero-copy/8/64@blocking@drop-newest",
            ],
            rows.Keys.Order(StringComparer.Ordinal));
        foreach (JsonElement row in rows.Values)
        {
            _ = AssertFanOut(row, "drop-newest");
            Assert.Equal("blocking", row.GetProperty("strategy").GetString());
            Assert.Equal(JsonValueKind.Null, row.GetProperty("ratios").GetProperty("memcpyStreaming").GetProperty("publishMicroseconds").ValueKind);
        }

        AssertNothingLeft(name);
    }

    [Fact]
    public async Task Bench_BaselineNotRun_RatiosAreNull()
    {
        await using CliProcess bench = CliProcess.StartBench("--scenarios", "throughput", "--sizes", "64", "--duration", "0.1", "--json");
        string name = (await bench.WaitForEventAsync("started")).GetProperty("name").GetString()!;
        JsonElement summary = await bench.WaitForEventAsync("summary", RunTimeout);
        Assert.Equal(0, await bench.WaitForExitAsync(RunTimeout));

        // At 64 B the one-way rows run with the default reader and with one that batches releases (issue 18).
        Assert.Equal(
            new[] { "throughput/zerobuffer/copy-batched/64", "throughput/zerobuffer/copy/64", "throughput/zerobuffer/zero-copy-batched/64", "throughput/zerobuffer/zero-copy/64" },
            summary.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("id").GetString()!).Order(StringComparer.Ordinal));
        foreach (JsonElement row in summary.GetProperty("results").EnumerateArray())
        {
            Assert.True(row.GetProperty("framesPerSecond").GetDouble() > 0);
            Assert.Equal(JsonValueKind.Null, row.GetProperty("ratios").GetProperty("unixSocket").GetProperty("framesPerSecond").ValueKind);
            Assert.Equal(JsonValueKind.Null, row.GetProperty("ratios").GetProperty("memcpyStreaming").GetProperty("gigabytesPerSecond").ValueKind);
        }

        AssertNothingLeft(name);
    }

    [Fact]
    public async Task Bench_StrategyAndFlags_ReachEveryZeroBufferRow_AndTheDuplexRowHasItsRatio()
    {
        await using CliProcess bench = CliProcess.StartBench("--scenarios", "latency,duplex,throughput", "--sizes", "64", "--duration", "0.1",
            "--strategy", "blocking", "--batch-releases", "--prefault", "--json");
        JsonElement started = await bench.WaitForEventAsync("started");
        string name = started.GetProperty("name").GetString()!;
        JsonElement summary = await bench.WaitForEventAsync("summary", RunTimeout);
        Assert.Equal(0, await bench.WaitForExitAsync(RunTimeout));

        foreach (JsonElement flags in new[] { started, summary })
        {
            Assert.Equal("blocking", flags.GetProperty("strategy").GetString());
            Assert.True(flags.GetProperty("batchReleases").GetBoolean());
            Assert.True(flags.GetProperty("prefault").GetBoolean());
        }

        Assert.Equal(0, summary.GetProperty("failed").GetInt32());
        Dictionary<string, JsonElement> rows = summary.GetProperty("results").EnumerateArray().ToDictionary(r => r.GetProperty("id").GetString()!);
        Assert.Equal(
            new[]
            {
                "latency/duplex/copy/back-to-back/64@blocking", "latency/zerobuffer/copy/back-to-back/64@blocking",
                "latency/zerobuffer/copy/back-to-back/64@busy-spin", "latency/zerobuffer/copy/fixed-rate/64@blocking",
                "latency/zerobuffer/zero-copy/back-to-back/64@blocking", "throughput/zerobuffer/copy/64@blocking", "throughput/zerobuffer/zero-copy/64@blocking",
            },
            rows.Keys.Order(StringComparer.Ordinal));
        Assert.All(rows, r => Assert.Equal(r.Key.EndsWith("@busy-spin", StringComparison.Ordinal) ? "busy-spin" : "blocking",
            r.Value.GetProperty("strategy").GetString()));
        JsonElement raw = rows["latency/duplex/copy/back-to-back/64@blocking"].GetProperty("ratios").GetProperty("rawPingPong");
        foreach (string p in Percentiles)
        {
            Assert.True(raw.GetProperty(p).GetDouble() > 0, p);
        }

        JsonElement duplexTarget = summary.GetProperty("targets").EnumerateArray()
            .Single(t => t.GetProperty("row").GetString() == "latency/duplex/copy/back-to-back/64@blocking");
        Assert.Equal("baseline", duplexTarget.GetProperty("ratioOf").GetString());
        Assert.True(duplexTarget.GetProperty("ratio").GetDouble() > 0);
        AssertNothingLeft(name);
    }

    [Fact]
    public async Task Bench_Runs_ReportsMediansWithSpread()
    {
        await using CliProcess bench = CliProcess.StartBench("--scenarios", "semaphore", "--runs", "3", "--duration", "0.1", "--json");
        string name = (await bench.WaitForEventAsync("started")).GetProperty("name").GetString()!;
        JsonElement summary = await bench.WaitForEventAsync("summary", RunTimeout);
        Assert.Equal(0, await bench.WaitForExitAsync(RunTimeout));

        Assert.Equal(3, bench.Events("result").Count);
        JsonElement row = Assert.Single(summary.GetProperty("results").EnumerateArray());
        Assert.Equal(3, row.GetProperty("runs").GetInt32());
        JsonElement p50 = row.GetProperty("spread").GetProperty("p50");
        double median = row.GetProperty("latencyMicroseconds").GetProperty("p50").GetDouble();
        Assert.InRange(median, p50.GetProperty("min").GetDouble(), p50.GetProperty("max").GetDouble());
        AssertNothingLeft(name);
    }

    [Fact]
    public async Task Bench_Plots_WritesPngFiles()
    {
        string directory = Path.Combine(Path.GetTempPath(), "zb-bench-plots-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using CliProcess bench = CliProcess.StartBench("--scenarios", "semaphore,throughput", "--sizes", "64", "--duration", "0.1",
                "--plots", directory, "--json");
            await bench.WaitForEventAsync("summary", RunTimeout);
            Assert.Equal(0, await bench.WaitForExitAsync(RunTimeout));

            byte[] pngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G'];
            foreach (string file in new[] { "throughput-gbps.png", "throughput-fps.png", "latency.png" })
            {
                byte[] bytes = await File.ReadAllBytesAsync(Path.Combine(directory, file));
                Assert.Equal(pngSignature, bytes[..4]);
            }
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    [Theory]
    [InlineData("--runs", "0")]
    [InlineData("--scenarios", "nope")]
    [InlineData("--sizes", "4")]
    [InlineData("--stream-bytes", "1024")]
    [InlineData("--ring-size", "1024", "--sizes", "4096")]
    [InlineData("--strategy", "nap")]
    [InlineData("--runs", "x")] // not a number: the parser's error
    public async Task Bench_BadOptions_ExitWith2AndAUsageError(params string[] args)
    {
        await using CliProcess bench = CliProcess.StartBench([.. args, "--json"]);
        JsonElement error = await bench.WaitForEventAsync("error");
        Assert.Equal(2, await bench.WaitForExitAsync());
        Assert.Equal("UsageError", error.GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Bench_Help_DocumentsTheJsonShape()
    {
        await using CliProcess help = CliProcess.StartBench("--help");
        Assert.Equal(0, await help.WaitForExitAsync());
        string text = string.Join('\n', help.Output);
        // The last five, like every zerobuffer command's help (CliHelpTests): usage, how to run it, the exit codes.
        foreach (string expected in new[]
                 {
                     "--quick", "--plots", "--scenarios", "--sizes", "--duration", "\"event\":\"summary\"", "\"ratios\"", "duplex", "--strategy", "\"targets\"",
                     "fanout", "--fanout-policy", "\"perSubscriber\"",
                     "Usage:", "Examples", "dotnet run -c Release --project bench/ZeroBuffer.Bench -- --quick", "Exit codes:", "130  interrupted",
                 })
        {
            Assert.Contains(expected, text, StringComparison.Ordinal);
        }
    }

    internal static void AssertLatency(JsonElement row)
    {
        Assert.Equal("latency", row.GetProperty("kind").GetString());
        Assert.True(row.GetProperty("samples").GetInt64() > 0);
        JsonElement latency = row.GetProperty("latencyMicroseconds");
        double previous = 0;
        foreach (string p in Percentiles)
        {
            double value = latency.GetProperty(p).GetDouble();
            Assert.True(value > 0 && value >= previous, $"{row.GetProperty("id")}: {p} = {value} after {previous}");
            previous = value;
        }
    }

    /// <summary>A fan-out row's figures; returns its subscriber count.</summary>
    private static int AssertFanOut(JsonElement row, string policy)
    {
        string id = row.GetProperty("id").GetString()!;
        Assert.Equal("topic", row.GetProperty("transport").GetString());
        Assert.Equal(policy, row.GetProperty("policy").GetString());
        long frames = row.GetProperty("frames").GetInt64();
        Assert.True(frames > 0, id);
        Assert.True(row.GetProperty("framesPerSecond").GetDouble() > 0, id);
        JsonElement publish = row.GetProperty("publishMicroseconds");
        Assert.True(publish.GetProperty("mean").GetDouble() > 0, id);
        Assert.True(row.GetProperty("publishSamples").GetInt64() > 0, id);
        Assert.True(publish.GetProperty("p50").GetDouble() > 0 && publish.GetProperty("p50").GetDouble() <= publish.GetProperty("max").GetDouble(), id);
        int subscribers = row.GetProperty("subscribers").GetInt32();
        JsonElement[] each = [.. row.GetProperty("perSubscriber").EnumerateArray()];
        Assert.Equal(subscribers, each.Length);
        foreach (JsonElement s in each)
        {
            long delivered = s.GetProperty("delivered").GetInt64();
            Assert.Equal(frames, delivered + s.GetProperty("dropped").GetInt64()); // every publish offered to every subscriber
            Assert.Equal(delivered, s.GetProperty("read").GetInt64()); // and every delivered frame read by it
            Assert.Equal(delivered * row.GetProperty("frameSize").GetInt64(), s.GetProperty("bytes").GetInt64());
        }

        AssertSides(row, "publisher", "subscribers");
        return subscribers;
    }

    internal static void AssertSides(JsonElement row, params string[] roles)
    {
        JsonElement sides = row.GetProperty("sides");
        foreach (string role in roles)
        {
            JsonElement side = sides.GetProperty(role);
            Assert.True(side.GetProperty("cpuPercent").GetDouble() >= 0, $"{row.GetProperty("id")} {role} cpu");
            Assert.True(side.GetProperty("allocatedBytesPerFrame").GetDouble() >= 0, $"{row.GetProperty("id")} {role} alloc");
        }
    }

    /// <summary>Every OS resource of a bench run is named after the run's <c>name</c>.</summary>
    internal static void AssertNothingLeft(string name)
    {
        string[] places = ["/dev/shm", Path.Combine(Path.GetTempPath(), "zerobuffer"), Path.GetTempPath()];
        foreach (string place in places.Where(Directory.Exists))
        {
            Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(place), f => Path.GetFileName(f).Contains(name, StringComparison.Ordinal));
        }
    }
}
