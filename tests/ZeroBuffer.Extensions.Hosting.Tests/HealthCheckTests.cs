using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ZeroBuffer.Extensions.Hosting.Tests.Infrastructure;

namespace ZeroBuffer.Extensions.Hosting.Tests;

/// <summary>
/// The health check of each endpoint follows its peer and its ring: Degraded before a peer,
/// Healthy with one, Degraded when the ring fills past the threshold, Unhealthy once the peer
/// process is SIGKILLed.
/// </summary>
public sealed class HealthCheckTests
{
    [Fact]
    public async Task ReaderGoesHealthyDegradedHealthyUnhealthyAsItsWriterProcessFillsTheRingAndIsKilled()
    {
        string buffer = Names.Unique("health");
        var handler = new RecordingHandler { Holding = true };
        await using TestHost host = await TestHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["ZeroBuffer:Readers:cam:BufferName"] = buffer,
                ["ZeroBuffer:Readers:cam:PayloadSize"] = "65536",
                ["ZeroBuffer:Readers:cam:DegradedUtilization"] = "0.9",
            },
            services =>
            {
                services.AddSingleton(handler);
                services.AddZeroBuffer().AddReader<RecordingHandler>("cam");
            });

        HealthReportEntry before = await host.CheckAsync("cam");
        Assert.Equal(HealthStatus.Degraded, before.Status);
        Assert.Equal("none", before.Data["peer"]);

        // 60 frames of 1000 bytes (+16 header each) take 93% of the ring; the handler holds the
        // first, so none is released.
        await using JsonEventProcess writer = CliPeer.Start("write", buffer, "--count", "60", "--size", "1000", "--hold", "--wait-for-reader", "30000");
        await writer.WaitForEventAsync("holding");
        HealthReportEntry full = await host.CheckAsync("cam");
        Assert.Equal(HealthStatus.Degraded, full.Status);
        Assert.Equal("connected", full.Data["peer"]);
        Assert.InRange((double)full.Data["utilization"], 0.9, 1.0);
        Assert.Equal((ulong)writer.Pid, full.Data["peerPid"]);

        handler.Release();
        await handler.WaitForFramesAsync(60);
        HealthReportEntry drained = await host.WaitForCheckAsync(
            "cam", e => e.Status == HealthStatus.Healthy && (long)e.Data["frames"] == 60, "Healthy after 60 frames");
        Assert.Equal(0.0, (double)drained.Data["utilization"]);

        await writer.KillAsync();
        HealthReportEntry dead = await host.WaitForHealthAsync("cam", HealthStatus.Unhealthy);
        Assert.Equal("died", dead.Data["peer"]);
        Assert.Equal((ulong)writer.Pid, dead.Data["peerPid"]);
        Assert.Contains("writer died", dead.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriterIsUnhealthyWhenItsReaderProcessIsKilledAndRecoversWithTheNextReader()
    {
        string buffer = Names.Unique("whealth");
        await using TestHost host = await TestHost.StartAsync(
            new Dictionary<string, string?> { ["ZeroBuffer:Writers:out:BufferName"] = buffer },
            services => services.AddZeroBuffer().AddWriter("out"));
        var output = host.Services.GetRequiredKeyedService<IZeroBufferWriterAccessor>("out");

        HealthReportEntry waiting = await host.CheckAsync("out");
        Assert.Equal(HealthStatus.Degraded, waiting.Status);
        Assert.Equal("none", waiting.Data["peer"]);

        await using (JsonEventProcess reader = CliPeer.Start("read", buffer, "--payload-size", "65536"))
        {
            await reader.WaitForEventAsync("ready");
            Writer first = await output.GetWriterAsync().AsTask().WaitAsync(Eventually.Deadline);
            await first.WriteFrameAsync(new byte[] { 1 });
            HealthReportEntry connected = await host.WaitForHealthAsync("out", HealthStatus.Healthy);
            Assert.Equal((ulong)reader.Pid, connected.Data["peerPid"]);

            await reader.KillAsync();
            HealthReportEntry dead = await host.WaitForHealthAsync("out", HealthStatus.Unhealthy);
            Assert.Equal("died", dead.Data["peer"]);
            await Eventually.TrueAsync(() => output.Writer is null, "the dead reader's writer withdrawn");
            Assert.Equal(HealthStatus.Unhealthy, (await host.CheckAsync("out")).Status); // still: waiting after a crash
        }

        // The endpoint gave the dead reader's buffer up, so a new reader can replace it; then it connects again.
        using var next = new Reader(buffer, new BufferConfig(0, 65536));
        Writer second = await output.GetWriterAsync().AsTask().WaitAsync(Eventually.Deadline);
        await second.WriteFrameAsync(new byte[] { 2 });
        using Frame frame = await next.ReadFrameAsync(Eventually.Deadline);
        Assert.Equal((1UL, (byte)2), (frame.Sequence, frame.Span[0]));
        await host.WaitForHealthAsync("out", HealthStatus.Healthy);
    }

    [Fact]
    public async Task ChecksAreNamedPerEndpointAndTagged()
    {
        await using TestHost host = await TestHost.StartAsync([], services => services.AddZeroBuffer()
            .AddReader<RecordingHandler>(Names.Unique("a"))
            .AddWriter(Names.Unique("b")));

        HealthReport report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Tags.Contains("zerobuffer"));
        Assert.Equal(2, report.Entries.Count);
        Assert.All(report.Entries.Keys, name => Assert.StartsWith("zerobuffer:zbh-", name, StringComparison.Ordinal));
    }
}
