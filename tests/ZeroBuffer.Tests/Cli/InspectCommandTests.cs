using System.Text;
using System.Text.Json;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Cli;

/// <summary><c>zerobuffer inspect</c>: control block, peers, health and invariants, also of a corrupted buffer.</summary>
public sealed class InspectCommandTests
{
    [Fact]
    public async Task Inspect_Json_ReportsEveryOiebFieldPeersHealthAndAConsistentVerdict()
    {
        string name = TestNames.Unique("cli-inspect");
        using (var reader = new Reader(name, new BufferConfig(256, 4096)))
        using (var writer = new Writer(name))
        {
            writer.SetMetadata("camera=front"u8);
            writer.WriteFrame(new byte[1000]);
            writer.WriteFrame(new byte[2000]); // 3032 of 4096 bytes unread: 74 %, still healthy

            await using CliProcess cli = CliProcess.Start("inspect", name, "--json");
            JsonElement e = await cli.WaitForEventAsync("inspect");
            Assert.Equal(0, await cli.WaitForExitAsync());

            Assert.Equal(name, e.GetProperty("name").GetString());
            Assert.Equal(128 + 256 + 4096, e.GetProperty("segmentBytes").GetInt64());
            Assert.Equal("Live", e.GetProperty("state").GetString());
            Assert.True(e.GetProperty("lockHeld").GetBoolean()); // told truthfully although the PIDs already make it live
            JsonElement extensions = e.GetProperty("extensions");
            Assert.True(extensions.GetProperty("advertised").GetBoolean());
            Assert.Equal(7, extensions.GetProperty("features").GetInt32());
            Assert.Equal("connected", extensions.GetProperty("writerSession").GetString());
            Assert.Equal(1, extensions.GetProperty("writerGeneration").GetInt32());
            Assert.Equal(Environment.ProcessId, extensions.GetProperty("sessionTag").GetInt32());
            JsonElement oieb = e.GetProperty("oieb");
            Assert.Equal(128, oieb.GetProperty("oiebSize").GetInt32());
            Assert.Equal("1.0.0", oieb.GetProperty("version").GetString());
            Assert.Equal(256, oieb.GetProperty("metadataSize").GetInt64());
            Assert.Equal(8 + 12, oieb.GetProperty("metadataWrittenBytes").GetInt64());
            Assert.Equal(256 - 20, oieb.GetProperty("metadataFreeBytes").GetInt64());
            Assert.Equal(4096, oieb.GetProperty("payloadSize").GetInt64());
            Assert.Equal(4096 - 3032, oieb.GetProperty("payloadFreeBytes").GetInt64());
            Assert.Equal(3032, oieb.GetProperty("payloadWritePos").GetInt64());
            Assert.Equal(0, oieb.GetProperty("payloadReadPos").GetInt64());
            Assert.Equal(2, oieb.GetProperty("payloadWrittenCount").GetInt64());
            Assert.Equal(0, oieb.GetProperty("payloadReadCount").GetInt64());
            Assert.Equal(4, oieb.GetProperty("reserved").GetArrayLength());
            Assert.Equal(12, e.GetProperty("metadata").GetProperty("size").GetInt64());
            Assert.Equal("camera=front", e.GetProperty("metadata").GetProperty("previewText").GetString());
            Assert.Equal(Convert.ToHexStringLower("camera=front"u8), e.GetProperty("metadata").GetProperty("previewHex").GetString());
            Assert.Equal(Environment.ProcessId, e.GetProperty("reader").GetProperty("pid").GetInt32());
            Assert.True(e.GetProperty("reader").GetProperty("alive").GetBoolean());
            Assert.Equal(Environment.ProcessId, e.GetProperty("writer").GetProperty("pid").GetInt32());
            Assert.True(e.GetProperty("writer").GetProperty("alive").GetBoolean());
            Assert.Equal(3032, e.GetProperty("usedBytes").GetInt64());
            Assert.Equal("healthy", e.GetProperty("health").GetString());
            Assert.Equal(2, e.GetProperty("unreadEntries").GetInt64());
            Assert.Equal("consistent", e.GetProperty("verdict").GetString());
            Assert.Equal(0, e.GetProperty("violations").GetInt32());
            Assert.All(e.GetProperty("checks").EnumerateArray(), c => Assert.True(c.GetProperty("ok").GetBoolean(), c.GetProperty("detail").GetString()));
            Assert.Contains(e.GetProperty("checks").EnumerateArray(), c => c.GetProperty("name").GetString() == "free-within-size" && c.GetProperty("fatal").GetBoolean());
            Assert.Contains(e.GetProperty("checks").EnumerateArray(), c => c.GetProperty("name").GetString() == "writer-session");
        }

        OsResources.AssertNone(name);
    }

    [Theory]
    [InlineData(3500, "degraded")] // 3516 of 4096 bytes = 86 %
    [InlineData(3950, "critical")] // 3966 of 4096 bytes = 97 %
    public async Task Inspect_HealthFollowsUtilization(int frameSize, string health)
    {
        string name = TestNames.Unique("cli-inspect-health");
        using (var reader = new Reader(name, new BufferConfig(0, 4096)))
        using (var writer = new Writer(name))
        {
            writer.WriteFrame(new byte[frameSize]);
            await using CliProcess cli = CliProcess.Start("inspect", name, "--json");
            JsonElement e = await cli.WaitForEventAsync("inspect");
            Assert.Equal(0, await cli.WaitForExitAsync());
            Assert.Equal(health, e.GetProperty("health").GetString());
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task Inspect_CorruptedOieb_ReportsTheViolationsWithExitCode6()
    {
        string name = TestNames.Unique("cli-inspect-bad");
        using (var reader = new Reader(name, new BufferConfig(64, 4096)))
        {
            using (RawSegment segment = RawSegment.Open(name))
            {
                segment.WriteUInt64(40, 1_000_000);   // payload_free_bytes > payload_size
                segment.WriteUInt64(48, 9_999);       // payload_write_pos outside the ring
                segment.WriteUInt64(72, 5);           // payload_read_count > payload_written_count (0)
                segment.WriteUInt64(24, 100);         // metadata_written_bytes > metadata_size 64
            }

            await using CliProcess cli = CliProcess.Start("inspect", name, "--json");
            JsonElement e = await cli.WaitForEventAsync("inspect");
            Assert.Equal(6, await cli.WaitForExitAsync());
            Assert.Equal("corrupted", e.GetProperty("verdict").GetString());
            string[] violated = [.. e.GetProperty("checks").EnumerateArray().Where(c => !c.GetProperty("ok").GetBoolean()).Select(c => c.GetProperty("name").GetString()!)];
            Assert.Contains("free-within-size", violated);
            Assert.Contains("write-pos-in-ring", violated);
            Assert.Contains("counts-ordered", violated);
            Assert.Contains("metadata-accounting", violated);
            Assert.DoesNotContain("oieb-size", violated);
            Assert.Equal(violated.Length, e.GetProperty("violations").GetInt32());
            Assert.Equal(1_000_000, e.GetProperty("oieb").GetProperty("payloadFreeBytes").GetInt64());

            // Text mode says the same in words.
            await using CliProcess text = CliProcess.Start("inspect", name);
            Assert.Equal(6, await text.WaitForExitAsync());
            string all = string.Join('\n', text.Output);
            Assert.Contains("Verdict: corrupted", all, StringComparison.Ordinal);
            Assert.Contains("VIOLATED", all, StringComparison.Ordinal);
            Assert.Empty(text.ErrorOutput);

            using (RawSegment segment = RawSegment.Open(name))
            {
                segment.WriteUInt64(40, 4096);
                segment.WriteUInt64(48, 0);
                segment.WriteUInt64(72, 0);
                segment.WriteUInt64(24, 0);
            }
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task Inspect_GarbageSegment_IsDescribedNotFatal()
    {
        // A file in /dev/shm that is not a buffer at all: wrong size field and version, too short.
        string name = TestNames.Unique("cli-inspect-garbage");
        string path = "/dev/shm/" + name;
        await File.WriteAllBytesAsync(path, Encoding.ASCII.GetBytes("definitely not a control block"));
        try
        {
            await using CliProcess cli = CliProcess.Start("inspect", name, "--json");
            JsonElement e = await cli.WaitForEventAsync("inspect");
            Assert.Equal(6, await cli.WaitForExitAsync());
            string[] violated = [.. e.GetProperty("checks").EnumerateArray().Where(c => !c.GetProperty("ok").GetBoolean()).Select(c => c.GetProperty("name").GetString()!)];
            Assert.Contains("segment-holds-oieb", violated);
            Assert.Contains("oieb-size", violated);
            Assert.Contains("protocol-major", violated);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Inspect_UnknownBuffer_ExitsWithBufferNotFound()
    {
        string name = TestNames.Unique("cli-inspect-none");
        await using CliProcess cli = CliProcess.Start("inspect", name, "--json");
        JsonElement error = await cli.WaitForEventAsync("error");
        Assert.Equal(12, await cli.WaitForExitAsync());
        Assert.Equal("BufferNotFound", error.GetProperty("kind").GetString());
        Assert.Single(cli.ErrorOutput.Split('\n'));
        Assert.DoesNotContain("   at ", cli.ErrorOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_Help_DocumentsEventsExamplesAndExitCode6()
    {
        await using CliProcess cli = CliProcess.Start("inspect", "--help");
        Assert.Equal(0, await cli.WaitForExitAsync());
        string help = string.Join('\n', cli.Output);
        Assert.Contains("\"verdict\"", help, StringComparison.Ordinal);
        Assert.Contains("Examples:", help, StringComparison.Ordinal);
        Assert.Contains("6    the control block violates an invariant", help, StringComparison.Ordinal);
    }
}
