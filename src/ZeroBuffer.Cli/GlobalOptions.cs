using System.CommandLine;

namespace ZeroBuffer.Cli;

/// <summary>The options every command accepts (recursive on the root command).</summary>
internal sealed class GlobalOptions
{
    internal Option<bool> Json { get; } = new("--json")
    {
        Description = "Machine-readable output: one JSON object per line on stdout, each with an \"event\" property, flushed per line.",
        Recursive = true,
    };

    internal Option<bool> Verbose { get; } = new("--verbose", "-v")
    {
        Description = "Print stack traces with errors.",
        Recursive = true,
    };

    /// <summary>
    /// Runs a command body with its output and interruption handling; any exception becomes the
    /// documented exit code, a stderr line and (with --json) an error event.
    /// </summary>
    internal int Run(ParseResult parseResult, Func<Output, Interruption, int> body)
    {
        using var output = new Output(parseResult.GetValue(Json), parseResult.GetValue(Verbose));
        using var interruption = new Interruption();
        try
        {
            return body(output, interruption);
        }
#pragma warning disable CA1031 // The CLI's outermost handler: every failure becomes an exit code.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return ErrorReporter.Report(ex, output);
        }
    }
}
