using System.CommandLine;

namespace ZeroBuffer.Cli;

/// <summary>The commands of a program: its root command (whose name is the program's in usage lines) and the commands under it.</summary>
internal sealed record CommandTree(CommandSpec Root, IReadOnlyList<CommandSpec> Subcommands)
{
    /// <summary>The root, then every subcommand.</summary>
    internal IEnumerable<CommandSpec> All => [Root, .. Subcommands];

    /// <summary>The spec of <paramref name="command"/>.</summary>
    internal CommandSpec Of(Command command) => All.First(spec => spec.Command == command);
}
