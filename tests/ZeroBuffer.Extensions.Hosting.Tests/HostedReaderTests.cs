using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using ZeroBuffer.Extensions.Hosting.Tests.Infrastructure;

namespace ZeroBuffer.Extensions.Hosting.Tests;

/// <summary>A reader registered from configuration runs as a hosted service and hands every frame to its handler.</summary>
public sealed class HostedReaderTests
{
    /// <summary>Reader "cam" on a fresh buffer (64 KiB ring, blocking waits) plus <paramref name="settings"/>.</summary>
    private static (Dictionary<string, string?> Configuration, string Buffer) ReaderConfig(string prefix, params (string Key, string Value)[] settings)
    {
        string buffer = Names.Unique(prefix);
        var configuration = new Dictionary<string, string?>
        {
            ["ZeroBuffer:Readers:cam:BufferName"] = buffer,
            ["ZeroBuffer:Readers:cam:PayloadSize"] = "65536",
            ["ZeroBuffer:Readers:cam:MetadataSize"] = "256",
            ["ZeroBuffer:Readers:cam:WaitStrategy"] = "blocking",
        };
        foreach ((string key, string value) in settings)
        {
            configuration[$"ZeroBuffer:Readers:cam:{key}"] = value;
        }

        return (configuration, buffer);
    }

    /// <summary>A started host whose reader "cam" hands its frames to <paramref name="handler"/>; returns the host and the buffer name.</summary>
    private static async Task<(TestHost Host, string Buffer)> StartReaderAsync(string prefix, RecordingHandler handler, params (string Key, string Value)[] settings)
    {
        (Dictionary<string, string?> configuration, string buffer) = ReaderConfig(prefix, settings);
        TestHost host = await TestHost.StartAsync(configuration, services =>
        {
            services.AddSingleton(handler);
            services.AddZeroBuffer().AddReader<RecordingHandler>("cam");
        });
        return (host, buffer);
    }

    [Fact]
    public async Task HostFromInMemoryConfigurationHandlesEveryFrameInOrder()
    {
        var handler = new RecordingHandler();
        (TestHost host, string buffer) = await StartReaderAsync("order", handler);
        await using TestHost running = host;

        using (Writer writer = await Writer.ConnectAsync(buffer, Eventually.Deadline))
        {
            writer.SetMetadata("format=counter"u8);
            for (int i = 0; i < 500; i++)
            {
                await writer.WriteFrameAsync(BitConverter.GetBytes(i));
            }

            await handler.WaitForFramesAsync(500);
        }

        IReadOnlyList<(ulong Sequence, byte[] Payload)> frames = handler.Frames;
        Assert.Equal(Enumerable.Range(1, 500).Select(i => (ulong)i), frames.Select(f => f.Sequence));
        Assert.Equal(Enumerable.Range(0, 500), frames.Select(f => BitConverter.ToInt32(f.Payload)));
        Assert.Equal("format=counter"u8.ToArray(), handler.Metadata.ToArray());
    }

    [Fact]
    public async Task FramesOfAWriterProcessArriveInOrder()
    {
        var handler = new RecordingHandler();
        (TestHost host, string buffer) = await StartReaderAsync("cli", handler);
        await using TestHost running = host;

        await using JsonEventProcess writer = CliPeer.Start("write", buffer, "--count", "200", "--size", "1000", "--wait-for-reader", "30000");
        await writer.WaitForEventAsync("done");
        await handler.WaitForFramesAsync(200);

        IReadOnlyList<(ulong Sequence, byte[] Payload)> frames = handler.Frames;
        Assert.Equal(Enumerable.Range(1, 200).Select(i => (ulong)i), frames.Select(f => f.Sequence));
        foreach ((ulong sequence, byte[] payload) in frames)
        {
            // The CLI's "sequence" pattern: byte i of frame s is (byte)(i + s).
            Assert.Equal(1000, payload.Length);
            Assert.True(payload.Select((b, i) => b == (byte)(i + (int)sequence)).All(ok => ok), $"frame {sequence} has wrong bytes");
        }
    }

    [Fact]
    public async Task KeepsTheBufferForTheNextWriterAfterOneCloses()
    {
        var handler = new RecordingHandler();
        (TestHost host, string buffer) = await StartReaderAsync("next", handler);
        await using TestHost running = host;

        using (Writer first = await Writer.ConnectAsync(buffer, Eventually.Deadline))
        {
            await first.WriteFrameAsync(new byte[] { 1 });
            await first.WriteFrameAsync(new byte[] { 2 });
        }

        await handler.WaitForFramesAsync(2);
        HealthReportEntry closed = await host.WaitForHealthAsync("cam", HealthStatus.Degraded);
        Assert.Equal("closed", closed.Data["peer"]);
        await Eventually.TrueAsync(
            () => host.Logs.Entries.Any(e => e.Message.Contains("the writer closed the stream", StringComparison.Ordinal)), "the end of the stream logged");

        using (Writer second = await Writer.ConnectAsync(buffer, Eventually.Deadline))
        {
            await second.WriteFrameAsync(new byte[] { 3 });
            await handler.WaitForFramesAsync(3);
        }

        Assert.Equal([(1UL, (byte)1), (2UL, (byte)2), (1UL, (byte)3)], handler.Frames.Select(f => (f.Sequence, f.Payload[0])));
    }

    [Fact]
    public async Task WriterThatClosesStopsTheHostWhenConfigured()
    {
        var handler = new RecordingHandler();
        (TestHost host, string buffer) = await StartReaderAsync("stop", handler, ("WhenWriterCloses", "StopHost"));
        await using TestHost running = host;

        using (Writer writer = await Writer.ConnectAsync(buffer, Eventually.Deadline))
        {
            await writer.WriteFrameAsync(new byte[] { 7 });
        }

        await Eventually.TrueAsync(() => host.Stopping.IsCancellationRequested, "host stopping");
        Assert.Single(handler.Frames);
    }

    [Fact]
    public async Task HandlerErrorIsLoggedAndTheNextFramesAreHandled()
    {
        var handler = new RecordingHandler { FailOn = new HashSet<ulong> { 2 } };
        (TestHost host, string buffer) = await StartReaderAsync("fail", handler);
        await using TestHost running = host;

        using Writer writer = await Writer.ConnectAsync(buffer, Eventually.Deadline);
        for (byte i = 1; i <= 4; i++)
        {
            await writer.WriteFrameAsync(new[] { i });
        }

        await handler.WaitForFramesAsync(4);
        LogSink.Entry error = Assert.Single(host.Logs.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains("frame 2", error.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidDataException>(error.Exception);
        Assert.False(host.Stopping.IsCancellationRequested);
        HealthReportEntry health = await host.WaitForCheckAsync("cam", e => (long)e.Data["frames"] == 3, "3 frames counted");
        Assert.Equal(1L, health.Data["handlerErrors"]);
    }

    [Fact]
    public async Task HandlerErrorStopsTheHostWhenConfigured()
    {
        var handler = new RecordingHandler { FailOn = new HashSet<ulong> { 1 } };
        (TestHost host, string buffer) = await StartReaderAsync("failstop", handler, ("OnHandlerError", "StopHost"));
        await using TestHost running = host;

        using Writer writer = await Writer.ConnectAsync(buffer, Eventually.Deadline);
        await writer.WriteFrameAsync(new byte[] { 1 });

        await Eventually.TrueAsync(() => host.Stopping.IsCancellationRequested, "host stopping");
        Assert.Contains(host.Logs.Entries, e => e.Level == LogLevel.Critical && e.Exception is InvalidDataException);
        HealthReportEntry health = await host.CheckAsync("cam");
        Assert.Equal(HealthStatus.Unhealthy, health.Status);
        Assert.IsType<InvalidDataException>(health.Exception);
    }

    [Fact]
    public async Task HandlerIsResolvedWithItsDependenciesAndSeesItsReader()
    {
        (Dictionary<string, string?> configuration, string buffer) = ReaderConfig("di");
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using TestHost host = await TestHost.StartAsync(configuration, services =>
        {
            services.AddSingleton(seen);
            services.AddZeroBuffer().AddReader<ContextProbe>("cam"); // not registered itself: created with its dependencies
        });

        using Writer writer = await Writer.ConnectAsync(buffer, Eventually.Deadline);
        await writer.WriteFrameAsync(new byte[] { 1 });
        Assert.Equal($"cam/{buffer}", await seen.Task.WaitAsync(Eventually.Deadline));
    }

    private sealed class ContextProbe(TaskCompletionSource<string> seen) : IFrameHandler
    {
        public ValueTask HandleAsync(Frame frame, ReaderContext context, CancellationToken cancellationToken)
        {
            seen.TrySetResult($"{context.Name}/{context.BufferName}");
            return ValueTask.CompletedTask;
        }
    }
}
