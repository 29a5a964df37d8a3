using ZeroBuffer.Nats.Tests.Infrastructure;

namespace ZeroBuffer.Nats.Tests;

/// <summary>Bad subjects and options, an unreachable server, a server without JetStream: clear, typed errors.</summary>
public sealed class BadInputTests
{
    [Theory]
    [InlineData("")]
    [InlineData("cams.*")]
    [InlineData("cams.>")]
    [InlineData("cams..cam0")]
    [InlineData(".cams")]
    [InlineData("cams.")]
    [InlineData("cam 0")]
    public void An_invalid_subject_prefix_is_refused_with_the_rule(string prefix)
    {
        var error = Assert.Throws<ArgumentException>(() => BridgeSubjects.Validate(prefix));
        Assert.Contains("tokens of [A-Za-z0-9_-] separated by single dots", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new NatsImporter(new NATS.Client.Core.NatsConnection(), "buffer", new NatsImporterOptions { Subject = prefix }));
    }

    [Fact]
    public void A_valid_prefix_gives_the_documented_subjects()
    {
        Assert.Equal("site1.cam-0.frame", BridgeSubjects.Frames("site1.cam-0"));
        Assert.Equal("site1.cam-0.meta", BridgeSubjects.Metadata("site1.cam-0"));
        Assert.Equal("site1.cam-0.end", BridgeSubjects.End("site1.cam-0"));
        Assert.Equal("site1.cam-0.meta.get", BridgeSubjects.MetadataRequest("site1.cam-0"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("has/slash")]
    [InlineData("white space")]
    public void An_invalid_local_buffer_name_is_refused(string name)
    {
        Assert.Throws<ArgumentException>(() => new NatsImporter(new NATS.Client.Core.NatsConnection(), name, new NatsImporterOptions { Subject = "ok" }));
    }

    [Fact]
    public void Invalid_options_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new NatsImporter(new NATS.Client.Core.NatsConnection(), "b", new NatsImporterOptions { Subject = "ok", PendingBytes = 0 }));
        Assert.Throws<ArgumentException>(() => new NatsImporter(new NATS.Client.Core.NatsConnection(), "b",
            new NatsImporterOptions { Subject = "ok", JetStream = new NatsJetStreamOptions { StreamName = "has.dot" } }));
    }

    [Fact]
    public async Task An_unreachable_server_is_a_typed_error_naming_the_url()
    {
        string name = Names.Buffer("unreachable");
        using var reader = new Reader(name, new BufferConfig(0, 4096));
        int port = FreePort();
        await using var connection = new NATS.Client.Core.NatsConnection(new NATS.Client.Core.NatsOpts { Url = $"nats://127.0.0.1:{port}", ConnectTimeout = TimeSpan.FromSeconds(1) });
        await using var exporter = new NatsExporter(connection, reader, new NatsExporterOptions { Subject = "zbtest.unreachable" });

        var error = await Assert.ThrowsAsync<NatsServerUnavailableException>(() => exporter.StartAsync());
        Assert.IsAssignableFrom<ZeroBufferException>(error);
        Assert.Equal(name, error.BufferName);
        Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);

        await using var importer = new NatsImporter(connection, Names.Buffer("unreachable"), new NatsImporterOptions { Subject = "zbtest.unreachable" });
        await Assert.ThrowsAsync<NatsServerUnavailableException>(() => importer.StartAsync());
    }

    [Fact]
    public async Task JetStream_mode_on_a_server_without_JetStream_is_a_typed_error()
    {
        await using NatsServer server = await NatsServer.StartAsync(jetStream: false);
        string name = Names.Buffer("nojs");
        using var reader = new Reader(name, new BufferConfig(0, 4096));
        await using var connection = server.Connect();
        await using var exporter = new NatsExporter(connection, reader, new NatsExporterOptions { Subject = "zbtest.nojs", Mode = BridgeMode.JetStream });

        var error = await Assert.ThrowsAsync<NatsJetStreamException>(() => exporter.StartAsync());
        Assert.IsAssignableFrom<ZeroBufferException>(error);
        Assert.Contains("has no JetStream", error.Message, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [Fact]
    public async Task Disposing_twice_and_stopping_after_disposing_do_nothing()
    {
        string name = Names.Buffer("twice");
        using var reader = new Reader(name, new BufferConfig(0, 4096));
        await using var connection = new NATS.Client.Core.NatsConnection();
        var exporter = new NatsExporter(connection, reader, new NatsExporterOptions { Subject = "zbtest.twice" });
        await exporter.DisposeAsync();
        await exporter.DisposeAsync();
        await exporter.StopAsync();
        Assert.True(exporter.Completion.IsCompletedSuccessfully);

        var importer = new NatsImporter(connection, Names.Buffer("twice"), new NatsImporterOptions { Subject = "zbtest.twice" });
        await importer.DisposeAsync();
        await importer.DisposeAsync();
        await importer.StopAsync();
        Assert.True(importer.Completion.IsCompletedSuccessfully);
    }
}
