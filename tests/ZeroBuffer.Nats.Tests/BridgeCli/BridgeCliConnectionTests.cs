using System.Text.Json;
using NATS.Client.Core;
using ZeroBuffer.Cli;
using ZeroBuffer.Nats.Tests.Infrastructure;

namespace ZeroBuffer.Nats.Tests.BridgeCli;

/// <summary>
/// How the bridge commands reach NATS: they keep trying, with capped exponential back-off, while no
/// server answers, and stream once one does; credentials (user and password, as options or in the
/// URL; a NATS user's creds file, against a server in operator mode) and TLS (a CA of the test's
/// own) work end to end; a refusal of either is exit 7 with one error line.
/// </summary>
public sealed class BridgeCliConnectionTests
{
    private const int Size = 4096;

    [Fact]
    public async Task Without_a_server_at_start_both_sides_keep_trying_with_back_off_and_stream_once_it_comes()
    {
        await using NatsServer server = NatsServer.Planned(); // its port is known, nothing listens yet
        string source = Names.Buffer("a");
        string target = Names.Buffer("b");
        string subject = Names.Subject("late");
        using var reader = new Reader(target, new BufferConfig(4096, 1 << 20));
        await using CliRun export = Export(source, subject, server.Url);
        await using CliRun import = Import(subject, target, server.Url);

        // 50, 100, 200, then 400 ms: doubling, capped at --reconnect-max-ms (no jitter here).
        long[] delays = new long[5];
        for (int attempt = 1; attempt <= delays.Length; attempt++)
        {
            JsonElement connecting = await export.WaitForEventAsync("connecting");
            Assert.Equal(attempt, connecting.GetProperty("attempt").GetInt32());
            Assert.Equal(server.Url, connecting.GetProperty("url").GetString());
            delays[attempt - 1] = connecting.GetProperty("nextDelayMs").GetInt64();
        }

        Assert.Equal([50L, 100, 200, 400, 400], delays);
        _ = await import.WaitForEventAsync("connecting");

        await server.RestartAsync();
        Assert.Equal(server.Url, (await export.WaitForEventAsync("connected")).GetProperty("url").GetString());
        _ = await export.WaitForEventAsync("started");
        _ = await import.WaitForEventAsync("started");

        var received = new List<Received>();
        using CancellationTokenSource safety = Eventually.Safety();
        Task reading = BridgeCliPeers.ReadUntilEndAsync(reader, received, safety.Token);
        await BridgeCliPeers.ProduceAsync(source, 20, Size);
        await reading;

        Assert.Equal(Enumerable.Range(1, 20).Select(i => (ulong)i), received.Select(r => r.Index));
        Assert.Equal(0, await export.WaitForExitAsync());
        Assert.Equal(0, await import.WaitForExitAsync());
        Assert.Equal("end-of-stream", import.Events("done").Single().GetProperty("reason").GetString());
        Assert.Empty(Names.Leftovers(source));
    }

    [Fact]
    public async Task A_server_with_users_takes_the_right_password_and_refuses_a_wrong_one_with_exit_7()
    {
        const string authorization = "authorization { users = [ { user: alice, password: \"s3cret-pw\" } ] }";
        await using NatsServer server = await NatsServer.StartAsync(authorization,
            new NatsOpts { AuthOpts = new NatsAuthOpts { Username = "alice", Password = "s3cret-pw" } });
        string source = Names.Buffer("a");
        string target = Names.Buffer("b");
        string subject = Names.Subject("auth");

        await using (CliRun refused = Export(source, subject, server.Url, "--user", "alice", "--password", "wrong"))
        {
            Assert.Equal(ExitCodes.NotAuthorized, await refused.WaitForExitAsync());
            string line = Assert.Single(refused.ErrorLines);
            Assert.StartsWith("error: ", line, StringComparison.Ordinal);
            Assert.Contains("refused", line, StringComparison.Ordinal);
            Assert.Equal("NotAuthorized", refused.Events("error").Single().GetProperty("kind").GetString());
            Assert.Empty(refused.Events("connecting")); // not retried: trying again would not help
            Assert.Empty(Names.Leftovers(source));
        }

        // Options on one side, user:password@ in the URL on the other.
        string inUrl = server.Url.Replace("nats://", "nats://alice:s3cret-pw@", StringComparison.Ordinal);
        await StreamAsync(source, target, subject,
            exportUrl: server.Url, exportOptions: ["--user", "alice", "--password", "s3cret-pw"],
            importUrl: inUrl, importOptions: []);
    }

    [Fact]
    public async Task TLS_with_the_servers_CA_streams_and_an_untrusted_server_certificate_is_exit_7()
    {
        using var certificates = new TestCertificates();
        await using NatsServer server = await NatsServer.StartAsync(certificates.ServerConfiguration,
            new NatsOpts { TlsOpts = new NatsTlsOpts { CaFile = certificates.CaFile } });
        string source = Names.Buffer("a");
        string target = Names.Buffer("b");
        string subject = Names.Subject("tls");

        await using (CliRun untrusted = Export(source, subject, server.TlsUrl, "--tls-ca", certificates.WrongCaFile))
        {
            Assert.Equal(ExitCodes.NotAuthorized, await untrusted.WaitForExitAsync());
            string line = Assert.Single(untrusted.ErrorLines);
            Assert.StartsWith("error: ", line, StringComparison.Ordinal);
            Assert.Contains("TLS", line, StringComparison.Ordinal);
        }

        // tls:// on one side; on the other a nats:// URL, where the CA alone makes TLS required.
        await StreamAsync(source, target, subject,
            exportUrl: server.TlsUrl, exportOptions: ["--tls-ca", certificates.CaFile],
            importUrl: server.Url, importOptions: ["--tls-ca", certificates.CaFile]);
    }

    [Fact]
    public async Task A_server_in_operator_mode_takes_a_users_creds_file_on_both_sides()
    {
        using var credentials = new TestCredentials();
        await using NatsServer server = await NatsServer.StartAsync(credentials.ServerConfiguration,
            new NatsOpts { AuthOpts = new NatsAuthOpts { CredsFile = credentials.UserCredsFile } });

        await StreamAsync(Names.Buffer("a"), Names.Buffer("b"), Names.Subject("creds"),
            exportUrl: server.Url, exportOptions: ["--creds", credentials.UserCredsFile],
            importUrl: server.Url, importOptions: ["--creds", credentials.UserCredsFile]);
    }

    [Theory]
    [InlineData("stranger")] // a user signed by an account the operator never signed
    [InlineData("wrong-seed")] // the account's user's JWT, another user's seed
    public async Task A_creds_file_the_operator_mode_server_refuses_is_exit_7_for_export_and_import(string kind)
    {
        using var credentials = new TestCredentials();
        await using NatsServer server = await NatsServer.StartAsync(credentials.ServerConfiguration,
            new NatsOpts { AuthOpts = new NatsAuthOpts { CredsFile = credentials.UserCredsFile } });
        string refusedCreds = kind == "stranger" ? credentials.StrangerCredsFile : credentials.WrongSeedCredsFile;
        string source = Names.Buffer("a");
        string target = Names.Buffer("b");
        string subject = Names.Subject("creds");

        using var reader = new Reader(target, new BufferConfig(4096, 1 << 20));
        await using CliRun export = Export(source, subject, server.Url, "--creds", refusedCreds);
        await using CliRun import = Import(subject, target, server.Url, "--creds", refusedCreds);
        foreach (CliRun refused in new[] { export, import })
        {
            Assert.Equal(ExitCodes.NotAuthorized, await refused.WaitForExitAsync());
            string line = Assert.Single(refused.ErrorLines);
            Assert.StartsWith("error: ", line, StringComparison.Ordinal);
            Assert.Contains("refused", line, StringComparison.Ordinal);
            Assert.Contains("--creds", line, StringComparison.Ordinal);
            Assert.Equal("NotAuthorized", refused.Events("error").Single().GetProperty("kind").GetString());
            Assert.Empty(refused.Events("connecting")); // not retried: trying again would not help
            Assert.Empty(refused.Events("started"));
        }

        Assert.Empty(Names.Leftovers(source));
    }

    private static async Task StreamAsync(string source, string target, string subject, string exportUrl, string[] exportOptions, string importUrl, string[] importOptions)
    {
        using var reader = new Reader(target, new BufferConfig(4096, 1 << 20));
        await using CliRun import = Import(subject, target, importUrl, importOptions);
        _ = await import.WaitForEventAsync("started");
        await using CliRun export = Export(source, subject, exportUrl, exportOptions);
        _ = await export.WaitForEventAsync("started");

        var received = new List<Received>();
        using CancellationTokenSource safety = Eventually.Safety();
        Task reading = BridgeCliPeers.ReadUntilEndAsync(reader, received, safety.Token);
        await BridgeCliPeers.ProduceAsync(source, 10, Size);
        await reading;

        GapAudit.AssertExact(received, [], 10, Size);
        Assert.Equal(0, await export.WaitForExitAsync());
        Assert.Equal(0, await import.WaitForExitAsync());
    }

    private static CliRun Export(string buffer, string subject, string url, params string[] options) =>
        CliRun.Start(null, ["bridge", "export", buffer, "--subject", subject, "--nats", url, "--json", .. BridgeCliPeers.QuickReconnect, .. options]);

    private static CliRun Import(string subject, string buffer, string url, params string[] options) =>
        CliRun.Start(null, ["bridge", "import", subject, "--to", buffer, "--nats", url, "--json", .. BridgeCliPeers.QuickReconnect, .. options]);
}
