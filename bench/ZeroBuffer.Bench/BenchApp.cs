using System.CommandLine;

namespace ZeroBuffer.Bench;

/// <summary>
/// The command tree of the bench executable: the root command runs the bench; the hidden
/// <c>peer ROLE</c> command runs one measured side (a copy of this executable, which the root
/// command starts).
/// </summary>
internal static class BenchApp
{
    /// <summary>Builds the tree for <see cref="CliApp.Run(string[], string, Func{GlobalOptions, Dictionary{Command, string}, RootCommand})"/>.</summary>
    internal static RootCommand Build(GlobalOptions global, Dictionary<Command, string> epilogues)
    {
        (RootCommand root, string epilogue) = BenchCommand.Create(global);
        epilogues[root] = epilogue;
        CliApp.Add(root, epilogues, PeerCommand.Create(global));
        return root;
    }
}
