using System.CommandLine;
using System.Text.Json;

namespace ZeroBuffer.Cli;

/// <summary>The options every command accepts (recursive on the root command), and how a command body runs.</summary>
/// <param name="events">How event records serialize: the CLI's, or a program's own events added (the bench's).</param>
internal sealed class GlobalOptions(JsonSerializerOptions? events = null)
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

    /// <summary>The writer of a command's events, for <paramref name="parseResult"/>'s --json and --verbose.</summary>
    internal Output CreateOutput(ParseResult parseResult) => new(parseResult.GetValue(Json), parseResult.GetValue(Verbose), events);

    /// <summary>
    /// Runs a command body with its output and interruption handling; any exception becomes the
    /// documented exit code and the error event.
    /// </summary>
    internal int Run(ParseResult parseResult, Func<Output, Interruption, int> body)
    {
        using Output output = CreateOutput(parseResult);
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
