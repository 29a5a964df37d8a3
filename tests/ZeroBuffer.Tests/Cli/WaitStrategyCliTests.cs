using System.Security.Cryptography;
using System.Text.Json;
using ZeroBuffer.Cli;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Cli;

/// <summary><c>--wait-strategy</c> of <c>read</c> and <c>write</c>: the chosen strategies carry every frame, intact.</summary>
public sealed class WaitStrategyCliTests
{
    [Fact]
    public async Task ReadBusySpin_WriteBlocking_EveryFrameArrivesWithItsPattern()
    {
        const int Frames = 200; // as passed below
        const int Size = 1000;
        string name = TestNames.Unique("cli-wait");
        // A ring of 8 frames: the blocking writer waits for space, the busy-spinning reader for frames.
        await using (CliProcess reader = CliProcess.Start("read", name, "--payload-size", "8192", "--count", "200",
                         "--hash", "--wait-strategy", "busy-spin", "--json"))
        {
            await reader.WaitForEventAsync("ready");
            await using CliProcess writer = CliProcess.Start("write", name, "--count", "200",
                "--size", "1000", "--pattern", "sequence", "--wait-strategy", "blocking", "--json");
            JsonElement done = await reader.WaitForEventAsync("done");
            Assert.Equal(0, await reader.WaitForExitAsync());
            Assert.Equal(0, await writer.WaitForExitAsync());

            Assert.Equal(Frames, done.GetProperty("frames").GetInt64());
            IReadOnlyList<JsonElement> frames = reader.Events("frame");
            Assert.Equal(Frames, frames.Count);
            for (int i = 0; i < Frames; i++)
            {
                ulong sequence = frames[i].GetProperty("sequence").GetUInt64();
                Assert.Equal((ulong)(i + 1), sequence);
                Assert.Equal(Size, frames[i].GetProperty("size").GetInt32());
                string expected = Convert.ToHexStringLower(SHA256.HashData(FramePattern.Sequence(Size, sequence)));
                Assert.Equal(expected, frames[i].GetProperty("sha256").GetString());
            }
        }

        OsResources.AssertNone(name);
    }

    [Theory]
    [InlineData("read")]
    [InlineData("write")]
    [InlineData("serve")]
    [InlineData("call")]
    public async Task UnknownWaitStrategy_IsAUsageError(string command)
    {
        await using CliProcess cli = CliProcess.Start(command, TestNames.Unique("cli-wait-bad"), "--wait-strategy", "nap", "--json");
        Assert.Equal(2, await cli.WaitForExitAsync());
        Assert.Equal("UsageError", Assert.Single(cli.Events("error")).GetProperty("kind").GetString());
    }
}
