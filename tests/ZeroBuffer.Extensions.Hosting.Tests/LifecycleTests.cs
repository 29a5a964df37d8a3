using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ZeroBuffer.Duplex;
using ZeroBuffer.Extensions.Hosting.Tests.Infrastructure;

namespace ZeroBuffer.Extensions.Hosting.Tests;

/// <summary>Stopping the host stops and disposes every endpoint and leaves nothing in /dev/shm or the lock directory.</summary>
public sealed class LifecycleTests
{
    [Fact]
    public async Task StoppingTheHostDisposesEverythingAndLeavesNothingBehind()
    {
        string prefix = Names.Unique("all");
        string buffer = prefix + "-frames";
        string channel = prefix + "-rpc";
        var handler = new RecordingHandler { Holding = true }; // a frame is held when the host stops
        TestHost host = await TestHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["ZeroBuffer:Readers:in:BufferName"] = buffer,
                ["ZeroBuffer:Readers:in:PayloadSize"] = "65536",
                ["ZeroBuffer:Writers:loop:BufferName"] = buffer, // this host writes to its own reader
                ["ZeroBuffer:DuplexServers:rpc:BufferName"] = channel,
            },
            services =>
            {
                services.AddSingleton(handler);
                services.AddZeroBuffer()
                    .AddReader<RecordingHandler>("in")
                    .AddWriter("loop")
                    .AddDuplexServer<Echo>("rpc");
            });
        await using (host)
        {
            var loop = host.Services.GetRequiredKeyedService<IZeroBufferWriterAccessor>("loop");
            Writer writer = await loop.GetWriterAsync().AsTask().WaitAsync(Eventually.Deadline);
            await writer.WriteFrameAsync(new byte[] { 1 });
            await writer.WriteFrameAsync(new byte[] { 2 });
            await handler.WaitForFramesAsync(1);
            using (IDuplexClient client = new DuplexChannelFactory().CreateClient(channel))
            {
                _ = await client.SendAsync(new byte[] { 9 }).WaitAsync(Eventually.Deadline);
            }

            Assert.NotEmpty(Names.Leftovers(prefix));
            await host.StopAsync();

            foreach (string endpoint in new[] { "in", "loop", "rpc" })
            {
                HealthReportEntry stopped = await host.CheckAsync(endpoint);
                Assert.Equal(HealthStatus.Unhealthy, stopped.Status);
                Assert.Equal("stopped", stopped.Data["state"]);
            }
        }

        Assert.Empty(Names.Leftovers(prefix));
    }

    [Fact]
    public async Task BufferThatCannotBeCreatedFailsTheStart()
    {
        string buffer = Names.Unique("taken");
        using var owner = new Reader(buffer, new BufferConfig(0, 4096));
        TestHost host = TestHost.Build(
            new Dictionary<string, string?> { ["ZeroBuffer:Readers:cam:BufferName"] = buffer },
            services => services.AddZeroBuffer().AddReader<RecordingHandler>("cam"));
        await using (host)
        {
            await Assert.ThrowsAsync<ReaderAlreadyConnectedException>(host.StartAsync);
            HealthReportEntry failed = await host.CheckAsync("cam");
            Assert.Equal(HealthStatus.Unhealthy, failed.Status);
            Assert.IsType<ReaderAlreadyConnectedException>(failed.Exception);
        }

        Assert.True(owner.GetStatus().ReaderPid != 0); // the other reader's buffer is untouched
    }
}
