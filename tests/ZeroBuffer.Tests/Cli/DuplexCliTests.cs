using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using ZeroBuffer.Cli;
using ZeroBuffer.Duplex;
using ZeroBuffer.Tests.Duplex;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Cli;

/// <summary>The CLI's duplex commands: <c>serve</c> and <c>call</c>, as two processes.</summary>
public sealed class DuplexCliTests
{
    [Fact]
    public async Task ServeAndCall_TwoProcesses_ResponsesCorrelated()
    {
        string channel = TestNames.Unique("cli-dx");
        await using (CliProcess server = CliProcess.Start("serve", channel, "--xor", "255", "--json"))
        {
            await server.WaitForEventAsync("ready");
            await using (CliProcess client = CliProcess.Start("call", channel, "--size", "300", "--count", "3", "--json"))
            {
                for (ulong s = 1; s <= 3; s++)
                {
                    JsonElement sent = await client.WaitForEventAsync("sent");
                    Assert.Equal(s, sent.GetProperty("sequence").GetUInt64());
                    JsonElement response = await client.WaitForEventAsync("response");
                    Assert.Equal(s, response.GetProperty("sequence").GetUInt64());
                    byte[] expected = FramePattern.Sequence(300, s).Select(b => (byte)(b ^ 0xFF)).ToArray();
                    Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(expected)), response.GetProperty("sha256").GetString());
                }

                Assert.Equal(3, (await client.WaitForEventAsync("done")).GetProperty("requests").GetInt64());
                Assert.Equal(ExitCodes.Success, await client.WaitForExitAsync());
            }

            // serve keeps serving after its client left, until Ctrl+C / SIGTERM.
            await server.TerminateAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(ExitCodes.Interrupted, await server.WaitForExitAsync());
            Assert.Equal(3, (await server.WaitForEventAsync("done")).GetProperty("requests").GetInt64());
        }

        DuplexPair.AssertNoBuffers(channel);
    }

    [Fact]
    public async Task Serve_PoolMode_AsyncClient_AllCorrelated()
    {
        string channel = TestNames.Unique("cli-dxp");
        await using (CliProcess server = CliProcess.Start("serve", channel, "--reverse", "--mode", "pool", "--max-concurrency", "4", "--json"))
        {
            JsonElement ready = await server.WaitForEventAsync("ready");
            Assert.Equal("ThreadPool", ready.GetProperty("mode").GetString());
            using (IDuplexClient client = new DuplexChannelFactory().CreateClient(channel))
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                var requests = new byte[200][];
                var tasks = new Task<DuplexResponse>[requests.Length];
                for (int i = 0; i < requests.Length; i++)
                {
                    requests[i] = new byte[16 + i];
                    BinaryPrimitives.WriteInt32LittleEndian(requests[i], i);
                    tasks[i] = client.SendAsync(requests[i], timeout.Token);
                }

                DuplexResponse[] responses = await Task.WhenAll(tasks);
                for (int i = 0; i < requests.Length; i++)
                {
                    Assert.Equal((ulong)(i + 1), responses[i].Sequence);
                    Assert.Equal(requests[i].Reverse(), responses[i].Payload.ToArray());
                }
            }

            await server.TerminateAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(ExitCodes.Interrupted, await server.WaitForExitAsync());
            Assert.Equal(200, (await server.WaitForEventAsync("done")).GetProperty("requests").GetInt64());
        }

        DuplexPair.AssertNoBuffers(channel);
    }

    [Fact]
    public async Task Serve_TwoTransforms_UsageError()
    {
        await using CliProcess server = CliProcess.Start("serve", TestNames.Unique("cli-dxu"), "--echo", "--reverse");
        Assert.Equal(ExitCodes.Usage, await server.WaitForExitAsync());
    }

    [Fact]
    public async Task Call_NoServer_SaysSoAndExits3()
    {
        string channel = TestNames.Unique("cli-dxn");
        await using CliProcess client = CliProcess.Start("call", channel, "--text", "hi", "--connect-timeout-ms", "200", "--json");
        JsonElement noServer = await client.WaitForEventAsync("no-server");
        Assert.Equal(channel, noServer.GetProperty("channel").GetString());
        Assert.Contains($"No server is serving channel '{channel}'", noServer.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Timeout, await client.WaitForExitAsync());
        DuplexPair.AssertNoBuffers(channel);
    }

    [Fact]
    public async Task Serve_Sigterm_StopsAndCleansUp()
    {
        string channel = TestNames.Unique("cli-dxt");
        await using (CliProcess server = CliProcess.Start("serve", channel, "--json"))
        {
            await server.WaitForEventAsync("ready");
            Assert.True(DuplexChannelFactory.WaitExists(channel, TimeSpan.Zero));
            await server.TerminateAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(ExitCodes.Interrupted, await server.WaitForExitAsync());
            Assert.Equal(0, (await server.WaitForEventAsync("done")).GetProperty("requests").GetInt64());
        }

        DuplexPair.AssertNoBuffers(channel);
    }
}
