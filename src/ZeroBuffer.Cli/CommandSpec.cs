using System.CommandLine;

namespace ZeroBuffer.Cli;

/// <summary>A command of the tool: the parser's command, the rest of its help (events, examples) and the exit codes it can return.</summary>
/// <param name="Command">The command, with its options and action.</param>
/// <param name="Help">What its help says after the options: its JSON events and examples.</param>
/// <param name="ExitCodes">The exit codes it can return; its help lists them.</param>
internal sealed record CommandSpec(Command Command, string Help, ExitCodeTable ExitCodes)
{
    /// <summary>
    /// The commands under this one (<c>bridge</c> has <c>export</c>, <c>import</c>, ...): empty for
    /// a command that runs by itself. <see cref="CliApp.Assemble"/> puts them under <see cref="Command"/>.
    /// </summary>
    internal IReadOnlyList<CommandSpec> Subcommands { get; init; } = [];

    /// <summary>Everything the help prints after the standard usage and options.</summary>
    internal string Epilogue => Help.TrimEnd() + Environment.NewLine + Environment.NewLine + ExitCodes.HelpSection();
}
