using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ZeroBuffer.Extensions.Hosting.Tests.Infrastructure;

namespace ZeroBuffer.Extensions.Hosting.Tests;

/// <summary>A hosted writer connects in the background, whoever starts first, and is handed to application code through keyed services.</summary>
public sealed class HostedWriterTests
{
    /// <summary>A started host with writer "out" on <paramref name="buffer"/>; <paramref name="more"/> registers other services.</summary>
    private static Task<TestHost> StartWriterAsync(string buffer, Action<IServiceCollection>? more = null, string writeTimeout = "00:00:05") =>
        TestHost.StartAsync(
            new Dictionary<string, string?> { ["ZeroBuffer:Writers:out:BufferName"] = buffer, ["ZeroBuffer:Writers:out:WriteTimeout"] = writeTimeout },
            services =>
            {
                services.AddZeroBuffer().AddWriter("out");
                more?.Invoke(services);
            });

    [Fact]
    public async Task WaitsForItsReaderStartedLater()
    {
        string buffer = Names.Unique("late");
        await using TestHost host = await StartWriterAsync(buffer, writeTimeout: "00:00:10");
        var output = host.Services.GetRequiredKeyedService<IZeroBufferWriterAccessor>("out");
        Assert.Equal(buffer, output.BufferName);
        Assert.Null(output.Writer);
        ValueTask<Writer> pending = output.GetWriterAsync();
        Assert.False(pending.IsCompleted);

        using var reader = new Reader(buffer, new BufferConfig(0, 4096));
        Writer writer = await pending.AsTask().WaitAsync(Eventually.Deadline);
        Assert.Same(writer, output.Writer);
        Assert.Equal(TimeSpan.FromSeconds(10), writer.WriteTimeout);
        for (byte i = 1; i <= 3; i++)
        {
            await writer.WriteFrameAsync(new[] { i });
        }

        for (byte i = 1; i <= 3; i++)
        {
            using Frame frame = await reader.ReadFrameAsync(Eventually.Deadline);
            Assert.Equal(i, frame.Span[0]);
        }
    }

    [Fact]
    public async Task ConnectsToTheNextReaderAfterOneCloses()
    {
        string buffer = Names.Unique("again");
        await using TestHost host = await StartWriterAsync(buffer);
        var output = host.Services.GetRequiredKeyedService<IZeroBufferWriterAccessor>("out");

        Writer first;
        using (var reader = new Reader(buffer, new BufferConfig(0, 4096)))
        {
            first = await output.GetWriterAsync().AsTask().WaitAsync(Eventually.Deadline);
        }

        _ = await host.WaitForHealthAsync("out", HealthStatus.Degraded);
        await Eventually.TrueAsync(() => output.Writer is null, "the closed reader's writer withdrawn");
        Assert.Equal("closed", (await host.CheckAsync("out")).Data["peer"]);

        using var next = new Reader(buffer, new BufferConfig(0, 4096));
        Writer second = await output.GetWriterAsync().AsTask().WaitAsync(Eventually.Deadline);
        Assert.NotSame(first, second);
        Assert.Throws<ObjectDisposedException>(() => first.WriteFrame([1]));
        second.WriteFrame([2]);
        using Frame frame = next.ReadFrame(Eventually.Deadline);
        Assert.Equal(2, frame.Span[0]);
    }

    [Fact]
    public async Task ApplicationCodeGetsTheWriterThroughKeyedServices()
    {
        string buffer = Names.Unique("keyed");
        await using TestHost host = await StartWriterAsync(buffer, services => services.AddSingleton<Producer>());
        using var reader = new Reader(buffer, new BufferConfig(0, 4096));

        await host.Services.GetRequiredService<Producer>().SendAsync("hello"u8.ToArray());

        using Frame frame = await reader.ReadFrameAsync(Eventually.Deadline);
        Assert.Equal("hello"u8.ToArray(), frame.ToArray());
    }

    [Fact]
    public async Task StoppedEndpointRefusesWaiters()
    {
        string buffer = Names.Unique("stopped");
        TestHost host = await StartWriterAsync(buffer);
        var output = host.Services.GetRequiredKeyedService<IZeroBufferWriterAccessor>("out");
        ValueTask<Writer> pending = output.GetWriterAsync();

        await host.StopAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await pending);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await output.GetWriterAsync());
        Assert.Equal(HealthStatus.Unhealthy, (await host.CheckAsync("out")).Status);
        await host.DisposeAsync();
    }

    private sealed class Producer([FromKeyedServices("out")] IZeroBufferWriterAccessor output)
    {
        internal async Task SendAsync(byte[] payload)
        {
            Writer writer = await output.GetWriterAsync().AsTask().WaitAsync(Eventually.Deadline);
            await writer.WriteFrameAsync(payload);
        }
    }
}
