using ZeroBuffer.Bench;
using ZeroBuffer.Cli;

namespace ZeroBuffer.Tests.Infrastructure;

/// <summary>
/// Runs the CLI's or the bench's entry point in this process with stdout and stderr captured:
/// hundreds of cases cost what a few process starts would. Console redirection is
/// process-wide, so the tests that use it belong to <see cref="ConsoleRedirection"/>.
/// </summary>
internal static class InProcessCli
{
    /// <summary>What a run printed and returned.</summary>
    internal sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        /// <summary>The non-empty lines of stderr.</summary>
        internal string[] ErrorLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>A fresh command tree of <paramref name="program"/> (a tree is assembled once, so each use builds its own).</summary>
    internal static CommandTree Tree(TestedProgram program) =>
        program == TestedProgram.Cli ? CliApp.Tree(new GlobalOptions()) : BenchApp.Build(new GlobalOptions());

    /// <summary>Runs <paramref name="program"/> with <paramref name="args"/>, capturing its output.</summary>
    internal static Result Run(TestedProgram program, params string[] args)
    {
        TextWriter stdout = Console.Out;
        TextWriter stderr = Console.Error;
        using var capturedOut = new StringWriter();
        using var capturedError = new StringWriter();
        Console.SetOut(capturedOut);
        Console.SetError(capturedError);
        try
        {
            int code = program == TestedProgram.Cli ? CliApp.Run(args) : BenchApp.Run(args);
            return new Result(code, capturedOut.ToString(), capturedError.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
    }
}

/// <summary>Which program a test runs: the tool (zerobuffer) or the bench executable.</summary>
public enum TestedProgram
{
    Cli,
    Bench,
}

/// <summary>Tests that redirect the console of this process: they run one at a time, never beside another test.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleRedirection
{
    internal const string Name = "Console";
}
