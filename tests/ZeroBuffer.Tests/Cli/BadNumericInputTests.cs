using System.CommandLine;
using System.CommandLine.Completions;
using ZeroBuffer.Cli;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Cli;

/// <summary>
/// A CLI that never crashes on input: every numeric option of every command of the tool and of
/// the bench (found in the command trees, so a new option is covered without a new test), given
/// a non-number, a negative, an overflowing number or a bad suffix, is one <c>error:</c> line
/// naming the option or the value, the usage hint, and exit 2: never a stack trace, never exit
/// 134. In-process for the whole matrix; one real process per command besides.
/// </summary>
[Collection(ConsoleRedirection.Name)]
public sealed class BadNumericInputTests
{
    private static readonly string[] BadValues = ["abc", "-5", "99999999999999999999", "12Q"];

    private static readonly Type[] NumericTypes =
        [typeof(int), typeof(long), typeof(double), typeof(int?), typeof(long?), typeof(double?), typeof(int[])];

    /// <summary>Every (program, command, numeric option, bad value).</summary>
    public static TheoryData<TestedProgram, string, string, string> Cases()
    {
        var cases = new TheoryData<TestedProgram, string, string, string>();
        foreach ((TestedProgram program, string command, Option option) in NumericOptions())
        {
            foreach (string value in BadValues)
            {
                cases.Add(program, command, option.Name, value);
            }
        }

        return cases;
    }

    /// <summary>One real process per command: its first numeric option, not a number.</summary>
    public static TheoryData<TestedProgram, string, string> FirstOptionOfEachCommand()
    {
        var cases = new TheoryData<TestedProgram, string, string>();
        foreach (var group in NumericOptions().GroupBy(c => (c.Program, c.Command)))
        {
            cases.Add(group.Key.Program, group.Key.Command, group.First().Option.Name);
        }

        return cases;
    }

    [Fact]
    public void TheMatrixCoversEveryCommandWithNumbers()
    {
        string[] commands = [.. NumericOptions().Select(c => c.Command).Distinct()];
        foreach (string expected in new[]
        {
            "read", "write", "publish", "subscribe", "demo", "demo-reader", "demo-writer", "serve", "call", "clean", "soak", "watch", "relay", "peer", "ZeroBuffer.Bench",
            "bridge export", "bridge import", "bridge export-channel", "bridge import-channel",
        })
        {
            Assert.Contains(expected, commands);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void NumericOption_BadValue_IsOneUsageErrorLine(TestedProgram program, string command, string option, string value)
    {
        string[] args = Arguments(program, command, option, value);

        // The parser rejects it: the command's body never runs (so nothing is created, nothing waits).
        CommandTree tree = InProcessCli.Tree(program);
        Assert.NotEmpty(CliApp.Assemble(tree, new GlobalOptions()).Parse(args).Errors);

        InProcessCli.Result result = InProcessCli.Run(program, args);
        AssertOneUsageError(result.ExitCode, result.ErrorLines, option, value);
    }

    [Theory]
    [MemberData(nameof(FirstOptionOfEachCommand))]
    public async Task NumericOption_NotANumber_IsOneUsageErrorLine_InARealProcess(TestedProgram program, string command, string option)
    {
        string[] args = Arguments(program, command, option, "abc");
        await using CliProcess process = program == TestedProgram.Cli ? CliProcess.Start(args) : CliProcess.StartBench(args);
        int exitCode = await process.WaitForExitAsync();
        AssertOneUsageError(exitCode, process.ErrorOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries), option, "abc");
    }

    private static void AssertOneUsageError(int exitCode, string[] errorLines, string option, string value)
    {
        string all = string.Join('\n', errorLines);
        Assert.True(exitCode == ExitCodes.Usage, $"exit {exitCode}, expected 2; stderr:\n{all}");
        Assert.DoesNotContain("   at ", all, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", all, StringComparison.Ordinal);
        Assert.Equal(2, errorLines.Length);
        Assert.StartsWith("error: ", errorLines[0], StringComparison.Ordinal);
        Assert.True(errorLines[0].Contains(option, StringComparison.Ordinal) || errorLines[0].Contains(value, StringComparison.Ordinal),
            $"the error names neither {option} nor '{value}': {errorLines[0]}");
        Assert.StartsWith("Run '", errorLines[1], StringComparison.Ordinal);
        Assert.EndsWith(" --help' for usage.", errorLines[1], StringComparison.Ordinal);
    }

    /// <summary>The command line: the command's words (<c>bridge export</c>), a valid value for each required argument and option, then the option under test.</summary>
    private static string[] Arguments(TestedProgram program, string command, string option, string value)
    {
        CommandTree tree = InProcessCli.Tree(program);
        CommandSpec spec = tree.All.Single(s => tree.NameOf(s) == command);
        var args = new List<string>(tree.PathOf(spec));

        foreach (Argument argument in spec.Command.Arguments.Where(a => a.Arity.MinimumNumberOfValues > 0))
        {
            args.Add(ValidValue(argument));
        }

        foreach (Option required in spec.Command.Options.Where(o => o.Required && o.Name != option))
        {
            args.AddRange([required.Name, ValidValue(required)]);
        }

        args.AddRange([option, value]);
        return [.. args];
    }

    /// <summary>One of the values the symbol accepts, when it names them; otherwise a plain name.</summary>
    private static string ValidValue(Symbol symbol) => symbol.GetCompletions(CompletionContext.Empty).FirstOrDefault()?.Label ?? "x";

    /// <summary>Every numeric option, with the program and the command (its words, as <see cref="CommandTree.NameOf"/> gives them).</summary>
    private static IEnumerable<(TestedProgram Program, string Command, Option Option)> NumericOptions() =>
        from program in new[] { TestedProgram.Cli, TestedProgram.Bench }
        let tree = InProcessCli.Tree(program)
        from spec in tree.All
        from option in spec.Command.Options
        where NumericTypes.Contains(option.ValueType)
        select (program, tree.NameOf(spec), option);
}
