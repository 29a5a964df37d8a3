using System.Text.Json;
using ZeroBuffer.Cli;
using ZeroBuffer.Nats.Tests.Infrastructure;

namespace ZeroBuffer.Nats.Tests.BridgeCli;

/// <summary>
/// The bridge commands given a malformed URL, a missing or wrong credentials or TLS file, a bad mode
/// or subject: one <c>error:</c> line naming the bad value, the usage hint, exit 2, and nothing
/// created. Nothing connects, so no server is needed.
/// </summary>
public sealed class BridgeCliBadInputTests : IDisposable
{
    private readonly string _notCreds = Path.Combine(Path.GetTempPath(), $"zbn-not-creds-{Guid.NewGuid():N}.creds");
    private readonly TestCredentials _credentials = new();

    public BridgeCliBadInputTests() => File.WriteAllText(_notCreds, "user=alice\npassword=secret\n");

    public void Dispose()
    {
        File.Delete(_notCreds);
        _credentials.Dispose();
    }

    [Theory]
    [InlineData("bridge export {buffer} --subject zbtest.bad --nats nats://127.0.0.1:notaport", "nats://127.0.0.1:notaport")]
    [InlineData("bridge export {buffer} --subject zbtest.bad --nats http://127.0.0.1:4222", "http://127.0.0.1:4222")]
    [InlineData("bridge import zbtest.bad --to {buffer} --nats nats://127.0.0.1:4222,,nats://127.0.0.1:4223", "--nats")]
    [InlineData("bridge import zbtest.bad --to {buffer} --nats nats://127.0.0.1:4222 --creds /nonexistent/zbn.creds", "/nonexistent/zbn.creds")]
    [InlineData("bridge export {buffer} --subject zbtest.bad --nats nats://127.0.0.1:4222 --creds {not-creds}", "{not-creds}")]
    [InlineData("bridge import zbtest.bad --to {buffer} --nats nats://127.0.0.1:4222 --creds {corrupt-seed}", "{corrupt-seed}")]
    [InlineData("bridge export {buffer} --subject zbtest.bad --nats tls://127.0.0.1:4222 --tls-ca /nonexistent/ca.pem", "/nonexistent/ca.pem")]
    [InlineData("bridge export {buffer} --subject zbtest.bad --nats nats://127.0.0.1:4222 --mode quick", "quick")]
    [InlineData("bridge import zbtest.bad --to {buffer} --nats nats://127.0.0.1:4222 --mode JetStream", "--mode")]
    [InlineData("bridge import cams.* --to {buffer} --nats nats://127.0.0.1:4222", "cams.*")]
    [InlineData("bridge export-channel {buffer} --subject zbtest.bad --nats nats://127.0.0.1:4222 --user alice", "--user")]
    [InlineData("bridge import-channel zbtest.bad --to {buffer} --nats wss://", "wss://")]
    public async Task Bad_input_is_one_error_line_naming_it_and_exit_2(string commandLine, string named)
    {
        string buffer = Names.Buffer("bad");
        string Placed(string text) => text.Replace("{not-creds}", _notCreds, StringComparison.Ordinal)
            .Replace("{corrupt-seed}", _credentials.CorruptSeedCredsFile, StringComparison.Ordinal)
            .Replace("{buffer}", buffer, StringComparison.Ordinal);
        string[] args = [.. Placed(commandLine).Split(' '), "--json"];
        named = Placed(named);

        await using CliRun cli = CliRun.Start(null, args);

        Assert.Equal(ExitCodes.Usage, await cli.WaitForExitAsync());
        IReadOnlyList<string> lines = cli.ErrorLines;
        Assert.True(lines.Count == 2, cli.Transcript());
        Assert.StartsWith("error: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(named, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain(lines, line => line.Contains("   at ", StringComparison.Ordinal));
        Assert.StartsWith("Run 'zerobuffer bridge ", lines[1], StringComparison.Ordinal);
        JsonElement error = Assert.Single(cli.AllEvents);
        Assert.Equal("UsageError", error.GetProperty("kind").GetString());
        Assert.Empty(Names.Leftovers(buffer));
    }
}
