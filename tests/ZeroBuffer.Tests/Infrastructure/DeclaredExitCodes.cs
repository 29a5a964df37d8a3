using ZeroBuffer.Bench;
using ZeroBuffer.Cli;

namespace ZeroBuffer.Tests.Infrastructure;

/// <summary>The exit codes each command of the CLI and of the bench declares, from the programs' own command trees.</summary>
internal static class DeclaredExitCodes
{
    private static readonly Lazy<CommandTree> CliTree = new(() => CliApp.Tree(new GlobalOptions()));
    private static readonly Lazy<CommandTree> BenchTree = new(() => BenchApp.Build(new GlobalOptions()));

    /// <summary>A command's name (as in usage lines) and its declared exit codes.</summary>
    internal sealed record Command(string Name, ExitCodeTable ExitCodes);

    /// <summary>The command <c>zerobuffer <paramref name="args"/></c> runs.</summary>
    internal static Command OfCli(IReadOnlyList<string> args) => Find(CliTree.Value, args);

    /// <summary>The command <c>ZeroBuffer.Bench <paramref name="args"/></c> runs.</summary>
    internal static Command OfBench(IReadOnlyList<string> args) => Find(BenchTree.Value, args);

    /// <summary>The command the leading arguments name (<c>read</c>, <c>bridge export</c>), else the root (as the parser decides).</summary>
    private static Command Find(CommandTree tree, IReadOnlyList<string> args)
    {
        CommandSpec spec = tree.Root;
        IReadOnlyList<CommandSpec> under = tree.Subcommands;
        foreach (string arg in args)
        {
            if (under.FirstOrDefault(s => s.Command.Name == arg) is not CommandSpec sub)
            {
                break;
            }

            spec = sub;
            under = sub.Subcommands;
        }

        return new Command(spec == tree.Root ? spec.Command.Name : $"{tree.Root.Command.Name} {tree.NameOf(spec)}", spec.ExitCodes);
    }
}
