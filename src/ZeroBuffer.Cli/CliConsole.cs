using Spectre.Console;

namespace ZeroBuffer.Cli;

/// <summary>
/// The console every human-readable table and line goes to. On a terminal it is Spectre's, with
/// colours; it is plain text, with no escape sequence at all, when the output is redirected (a
/// pipe, a file: then 1,000 columns wide, so tables never wrap a name across lines and stay
/// greppable), when <c>NO_COLOR</c> is set (https://no-color.org), or when <c>TERM=dumb</c>.
/// </summary>
internal static class CliConsole
{
    private static readonly Lazy<IAnsiConsole> Console = new(Create);

    /// <summary>The console for this process.</summary>
    internal static IAnsiConsole Out => Console.Value;

    /// <summary>Whether output is plain text (no colours, no cursor movement).</summary>
    internal static bool Plain =>
        System.Console.IsOutputRedirected
        || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
        || string.Equals(Environment.GetEnvironmentVariable("TERM"), "dumb", StringComparison.Ordinal);

    private static IAnsiConsole Create()
    {
        if (!Plain)
        {
            return AnsiConsole.Console;
        }

        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(System.Console.Out),
        });
        if (System.Console.IsOutputRedirected)
        {
            console.Profile.Width = 1000;
        }

        return console;
    }
}
