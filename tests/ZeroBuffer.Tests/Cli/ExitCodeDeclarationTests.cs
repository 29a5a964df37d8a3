using System.Text.RegularExpressions;
using ZeroBuffer.Cli;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Cli;

/// <summary>
/// Each command's help lists the exit codes it declares, and only those (not the whole table of
/// the tool). That a command returns only declared codes is checked wherever a test makes it
/// exit: <see cref="CliProcess.WaitForExitAsync"/> asserts it for every CLI and bench process.
/// </summary>
[Collection(ConsoleRedirection.Name)]
public sealed partial class ExitCodeDeclarationTests
{
    /// <summary>Every command of the tool and of the bench, hidden ones and those under a group (<c>bridge export</c>) included.</summary>
    public static TheoryData<TestedProgram, string> Commands()
    {
        var commands = new TheoryData<TestedProgram, string>();
        foreach (TestedProgram program in new[] { TestedProgram.Cli, TestedProgram.Bench })
        {
            CommandTree tree = InProcessCli.Tree(program);
            foreach (CommandSpec spec in tree.All)
            {
                commands.Add(program, tree.NameOf(spec));
            }
        }

        return commands;
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void Help_ListsExactlyTheDeclaredExitCodes(TestedProgram program, string command)
    {
        CommandTree tree = InProcessCli.Tree(program);
        CommandSpec spec = tree.All.Single(s => tree.NameOf(s) == command);
        string[] args = [.. tree.PathOf(spec), "--help"];

        InProcessCli.Result help = InProcessCli.Run(program, args);

        Assert.Equal(0, help.ExitCode);
        string section = help.Stdout[help.Stdout.IndexOf("Exit codes:", StringComparison.Ordinal)..];
        int[] listed = [.. ListedCode().Matches(section).Select(m => int.Parse(m.Groups["code"].Value, System.Globalization.CultureInfo.InvariantCulture))];
        Assert.Equal(spec.ExitCodes.Codes, listed);
        Assert.All(listed, code => Assert.True(spec.ExitCodes.Contains(code)));
        Assert.Contains(ExitCodes.Usage, listed); // every command can be given a bad option
    }

    /// <summary>Commands without a way to be interrupted in the middle of a job do not claim 130.</summary>
    [Theory]
    [InlineData("list")]
    [InlineData("clean")]
    [InlineData("inspect")]
    [InlineData("layout")]
    public void QuickCommands_DoNotListInterrupted(string command)
    {
        InProcessCli.Result help = InProcessCli.Run(TestedProgram.Cli, command, "--help");
        Assert.DoesNotContain("130", help.Stdout[help.Stdout.IndexOf("Exit codes:", StringComparison.Ordinal)..], StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^  (?<code>\d+) +\S", RegexOptions.Multiline)]
    private static partial Regex ListedCode();
}
