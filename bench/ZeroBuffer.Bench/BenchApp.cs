namespace ZeroBuffer.Bench;

/// <summary>
/// The command tree of the bench executable: the root command runs the bench; the hidden
/// <c>peer ROLE</c> command runs one measured side (a copy of this executable, which the root
/// command starts).
/// </summary>
internal static class BenchApp
{
    /// <summary>Parses and runs <paramref name="args"/>; returns the process exit code.</summary>
    internal static int Run(string[] args) => CliApp.Run(args, Build, BenchEventContext.Events);

    /// <summary>Builds the tree for <see cref="CliApp.Run(string[], Func{GlobalOptions, CommandTree}, System.Text.Json.JsonSerializerOptions?)"/>.</summary>
    internal static CommandTree Build(GlobalOptions global) => new(BenchCommand.Create(global), [PeerCommand.Create(global)]);
}
