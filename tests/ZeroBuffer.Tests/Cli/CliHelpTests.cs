using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Cli;

/// <summary>Every public command's <c>--help</c>: usage, examples and the exit codes.</summary>
public sealed class CliHelpTests
{
    [Theory]
    [InlineData("read")]
    [InlineData("write")]
    [InlineData("publish")]
    [InlineData("subscribe")]
    [InlineData("inspect")]
    [InlineData("watch")]
    [InlineData("relay")]
    [InlineData("list")]
    [InlineData("clean")]
    [InlineData("layout")]
    [InlineData("serve")]
    [InlineData("call")]
    [InlineData("soak")]
    [InlineData("demo")]
    [InlineData("bridge")]
    [InlineData("bridge export")]
    [InlineData("bridge import")]
    [InlineData("bridge export-channel")]
    [InlineData("bridge import-channel")]
    public async Task EveryCommand_HelpHasExamplesAndExitCodes(string command)
    {
        await using CliProcess cli = CliProcess.Start([.. command.Split(' '), "--help"]);
        Assert.Equal(0, await cli.WaitForExitAsync());
        string help = string.Join('\n', cli.Output);
        Assert.Contains("Usage:", help, StringComparison.Ordinal);
        Assert.Contains("Examples:", help, StringComparison.Ordinal);
        Assert.Contains($"zerobuffer {command}", help[help.IndexOf("Examples:", StringComparison.Ordinal)..], StringComparison.Ordinal);
        Assert.Contains("Exit codes:", help, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RootHelp_ListsTheNewCommands()
    {
        await using CliProcess cli = CliProcess.Start("--help");
        Assert.Equal(0, await cli.WaitForExitAsync());
        string help = string.Join('\n', cli.Output);
        foreach (string command in new[] { "inspect", "watch", "relay", "read", "write", "layout", "publish", "subscribe", "bridge" })
        {
            Assert.Contains($"  {command} ", help, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// The cross-process bench left the tool for its own executable (bench/ZeroBuffer.Bench):
    /// the root help does not list <c>bench</c>, and <c>zerobuffer bench</c>
    /// is a usage error like any unknown command.
    /// </summary>
    [Fact]
    public async Task Bench_IsNoLongerACommandOfTheTool()
    {
        await using (CliProcess cli = CliProcess.Start("--help"))
        {
            Assert.Equal(0, await cli.WaitForExitAsync());
            string help = string.Join('\n', cli.Output);
            Assert.DoesNotContain("  bench", help, StringComparison.Ordinal);
        }

        await using CliProcess bench = CliProcess.Start("bench", "--quick", "--json");
        Assert.Equal(2, await bench.WaitForExitAsync());
        Assert.Equal("UsageError", Assert.Single(bench.Events("error")).GetProperty("kind").GetString());
        Assert.Contains("'bench'", bench.ErrorOutput, StringComparison.Ordinal);
    }
}
