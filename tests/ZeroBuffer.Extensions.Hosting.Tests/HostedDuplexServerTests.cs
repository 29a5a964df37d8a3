using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ZeroBuffer.Duplex;
using ZeroBuffer.Extensions.Hosting.Tests.Infrastructure;

namespace ZeroBuffer.Extensions.Hosting.Tests;

/// <summary>A hosted duplex server answers clients with its DI-resolved handler.</summary>
public sealed class HostedDuplexServerTests
{
    /// <summary>A started host serving a fresh channel as endpoint "rpc"; returns the host and the channel name.</summary>
    private static async Task<(TestHost Host, string Channel)> StartServerAsync(Action<ZeroBufferBuilder> register, params (string Key, string Value)[] settings)
    {
        string channel = Names.Unique("rpc");
        var configuration = settings.ToDictionary(s => $"ZeroBuffer:DuplexServers:rpc:{s.Key}", s => (string?)s.Value);
        configuration["ZeroBuffer:DuplexServers:rpc:BufferName"] = channel;
        return (await TestHost.StartAsync(configuration, services => register(services.AddZeroBuffer())), channel);
    }

    [Fact]
    public async Task ServerAnswersAClient()
    {
        (TestHost host, string channel) = await StartServerAsync(
            zeroBuffer => zeroBuffer.AddDuplexServer<Echo>("rpc"), ("PayloadSize", "65536"), ("Mode", "ThreadPool"), ("MaxConcurrency", "2"));
        await using TestHost running = host;

        using (IDuplexClient client = new DuplexChannelFactory().CreateClient(channel))
        {
            DuplexResponse response = await client.SendAsync(new byte[] { 1, 2, 3 }).WaitAsync(Eventually.Deadline);
            Assert.Equal(new byte[] { 3, 2, 1 }, response.Payload.ToArray());

            HealthReportEntry health = await host.CheckAsync("rpc");
            Assert.Equal(HealthStatus.Healthy, health.Status);
            Assert.Equal(1, health.Data["clients"]);
            Assert.Equal(0L, health.Data["errors"]);
        }
    }

    [Fact]
    public async Task MutableServerTransformsRequestsInPlace()
    {
        (TestHost host, string channel) = await StartServerAsync(zeroBuffer => zeroBuffer.AddMutableDuplexServer<Invert>("rpc"));
        await using TestHost running = host;

        using IDuplexClient client = new DuplexChannelFactory().CreateClient(channel);
        using Frame response = await client.RequestAsync(new byte[] { 0x00, 0x0F }).AsTask().WaitAsync(Eventually.Deadline);
        Assert.Equal(new byte[] { 0xFF, 0xF0 }, response.ToArray());
    }

    [Fact]
    public async Task HandlerFailureReachesTheClientAndTheHealthData()
    {
        (TestHost host, string channel) = await StartServerAsync(zeroBuffer => zeroBuffer.AddDuplexServer<Refuse>("rpc"));
        await using TestHost running = host;

        using IDuplexClient client = new DuplexChannelFactory().CreateClient(channel);
        await Assert.ThrowsAsync<DuplexHandlerException>(() => client.SendAsync(new byte[] { 1 }).WaitAsync(Eventually.Deadline));
        HealthReportEntry health = await host.WaitForCheckAsync("rpc", e => (long)e.Data["errors"] == 1, "one error counted");
        Assert.Equal(HealthStatus.Healthy, health.Status);
        Assert.Contains("InvalidOperationException", (string)health.Data["lastError"], StringComparison.Ordinal);
    }

    private sealed class Invert : IMutableDuplexRequestHandler
    {
        public void Handle(Frame request)
        {
            foreach (ref byte b in request.GetMutableSpan())
            {
                b ^= 0xFF;
            }
        }
    }

    private sealed class Refuse : IDuplexRequestHandler
    {
        public void Handle(Frame request, DuplexResponseWriter response) => throw new InvalidOperationException("refused");
    }
}
