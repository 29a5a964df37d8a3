using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Cli;

/// <summary>
/// The tool's usage lines say <c>zerobuffer</c> however it is started: <c>dotnet ZeroBuffer.Cli.dll</c>
/// (as the installed .NET tool runs it too) or its apphost; the bench keeps its own name.
/// </summary>
public sealed class ProgramNameTests
{
    public static TheoryData<string, string[], string> Launches() => new()
    {
        { "dotnet", [Path.Combine(AppContext.BaseDirectory, "ZeroBuffer.Cli.dll"), "--help"], "  zerobuffer [command] [options]" },
        { Path.Combine(AppContext.BaseDirectory, "ZeroBuffer.Cli"), ["--help"], "  zerobuffer [command] [options]" },
        { "dotnet", [Path.Combine(AppContext.BaseDirectory, "ZeroBuffer.Cli.dll"), "read", "--help"], "  zerobuffer read <NAME> [options]" },
        { Path.Combine(AppContext.BaseDirectory, "ZeroBuffer.Cli"), ["watch", "--help"], "  zerobuffer watch <NAME> [options]" },
        { "dotnet", [Path.Combine(AppContext.BaseDirectory, "ZeroBuffer.Bench.dll"), "--help"], "  ZeroBuffer.Bench [options]" },
        { Path.Combine(AppContext.BaseDirectory, "ZeroBuffer.Bench"), ["--help"], "  ZeroBuffer.Bench [options]" },
    };

    [Theory]
    [MemberData(nameof(Launches))]
    public async Task Usage_NamesTheProgram_HoweverItIsStarted(string program, string[] args, string usage)
    {
        await using CliProcess cli = CliProcess.StartProgram(program, args);
        Assert.Equal(0, await cli.WaitForExitAsync());
        IReadOnlyList<string> lines = cli.Output;
        int at = lines.ToList().IndexOf("Usage:");
        Assert.True(at >= 0, string.Join('\n', lines));
        Assert.Equal(usage, lines[at + 1]);
    }

    [Fact]
    public async Task UsageErrors_PointToTheProgramsHelp()
    {
        await using CliProcess cli = CliProcess.Start("read", "x", "--count", "abc");
        Assert.Equal(2, await cli.WaitForExitAsync());
        Assert.Contains("Run 'zerobuffer read --help' for usage.", cli.ErrorOutput, StringComparison.Ordinal);
    }
}
