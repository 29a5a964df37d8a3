using System.CommandLine;

namespace ZeroBuffer.Cli;

/// <summary>
/// The commands of a program: its root command (whose name is the program's in usage lines) and
/// the commands under it, some of which group commands of their own (<c>bridge export</c>).
/// </summary>
internal sealed record CommandTree(CommandSpec Root, IReadOnlyList<CommandSpec> Subcommands)
{
    /// <summary>The root, then every command under it, depth first (a group before its commands).</summary>
    internal IEnumerable<CommandSpec> All => [Root, .. Subcommands.SelectMany(Flatten)];

    /// <summary>The spec of <paramref name="command"/>.</summary>
    internal CommandSpec Of(Command command) => All.First(spec => spec.Command == command);

    /// <summary>The words after the program's name that run <paramref name="spec"/> (<c>read</c>; <c>bridge export</c>); none for the root.</summary>
    internal IReadOnlyList<string> PathOf(CommandSpec spec)
    {
        foreach (CommandSpec top in Subcommands)
        {
            if (Find(top, spec, []) is IReadOnlyList<string> path)
            {
                return path;
            }
        }

        return spec == Root ? [] : throw new ArgumentException($"'{spec.Command.Name}' is not a command of this tree.", nameof(spec));
    }

    /// <summary>How people call <paramref name="spec"/>: its words (<c>bridge export</c>), or the program's name for the root.</summary>
    internal string NameOf(CommandSpec spec) => spec == Root ? Root.Command.Name : string.Join(' ', PathOf(spec));

    private static IEnumerable<CommandSpec> Flatten(CommandSpec spec) => [spec, .. spec.Subcommands.SelectMany(Flatten)];

    private static List<string>? Find(CommandSpec at, CommandSpec wanted, List<string> above)
    {
        List<string> path = [.. above, at.Command.Name];
        if (at == wanted)
        {
            return path;
        }

        return at.Subcommands.Select(child => Find(child, wanted, path)).FirstOrDefault(found => found is not null);
    }
}
