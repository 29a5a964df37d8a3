using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Text.Json;
using ZeroBuffer.Cli.Commands;
using ZeroBuffer.Cli.Events;

namespace ZeroBuffer.Cli;

/// <summary>Builds the <c>zerobuffer</c> command tree and runs it with the exit-code contract.</summary>
internal static partial class CliApp
{
    /// <summary>The program's name in usage lines, however it is started (apphost, <c>dotnet ZeroBuffer.Cli.dll</c>, the installed tool).</summary>
    internal const string ProgramName = "zerobuffer";

    private const string RootHelp = """
        Every command has --help with its JSON events (--json), examples and the exit codes it can return;
        below, every exit code of the tool. Codes 11-28 are library errors: 10 + ZeroBufferErrorKind.
        Sizes take K, M, G or KiB, MiB, GiB (powers of 1024): 32M, 4KiB, 3110400.

        Examples:
          zerobuffer list
          zerobuffer watch camera-1
          zerobuffer read camera-1 --json --hash
          zerobuffer subscribe cam0 --policy latest-only --json
          zerobuffer bridge export cam0 --nats nats://hostb:4222 --subject site1.cam0

        """;

    /// <summary>Parses and runs <paramref name="args"/>; returns the process exit code.</summary>
    internal static int Run(string[] args) => Run(args, Tree);

    /// <summary>Every command of the tool, for <paramref name="global"/>'s options.</summary>
    internal static CommandTree Tree(GlobalOptions global) => new(
        new CommandSpec(
            new Command(ProgramName, "ZeroBuffer: zero-copy shared-memory IPC (protocol 1.0). Read, write, inspect and clean buffers, publish and subscribe to topics, and bridge buffers to other hosts over NATS, from the command line."),
            RootHelp,
            ExitCodeSummary()),
        [
            ReadCommand.Create(global),
            WriteCommand.Create(global),
            PublishCommand.Create(global),
            SubscribeCommand.Create(global),
            DemoCommand.Create(global),
            DemoReaderCommand.Create(global),
            DemoWriterCommand.Create(global),
            LayoutCommand.Create(global),
            ServeCommand.Create(global),
            CallCommand.Create(global),
            ListCommand.Create(global),
            CleanCommand.Create(global),
            SoakCommand.Create(global),
            InspectCommand.Create(global),
            WatchCommand.Create(global),
            RelayCommand.Create(global),
            BridgeCommand.Create(global),
        ]);

    /// <summary>
    /// Parses and runs <paramref name="args"/> against the tree <paramref name="build"/> makes, with
    /// the global options, help epilogues and exit-code contract of every zerobuffer command. The
    /// cross-process bench (bench/ZeroBuffer.Bench) runs its own tree, and events
    /// (<paramref name="events"/>), through it.
    /// </summary>
    internal static int Run(string[] args, Func<GlobalOptions, CommandTree> build, JsonSerializerOptions? events = null)
    {
        var global = new GlobalOptions(events);
        CommandTree tree = build(global);
        Command root = Assemble(tree, global);
        ParseResult result = root.Parse(args);
        if (result.Errors.Count > 0 && result.Action is not HelpWithEpilogue)
        {
            return ReportUsageErrors(result, global);
        }

        return result.Invoke(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }

    /// <summary>
    /// Puts the tree together: the subcommands under the root, help and version, the global
    /// options, and each command's events and exit codes after its standard help. The root is a
    /// plain command named after the program, not a RootCommand, whose name would be the
    /// executable's file name (ZeroBuffer.Cli under <c>dotnet ZeroBuffer.Cli.dll</c>).
    /// </summary>
    internal static Command Assemble(CommandTree tree, GlobalOptions global)
    {
        Command root = tree.Root.Command;
        AddUnder(root, tree.Subcommands);

        var help = new HelpOption();
        help.Action = new HelpWithEpilogue((SynchronousCommandLineAction)help.Action!, tree);
        root.Options.Add(help);
        root.Options.Add(new VersionOption());
        root.Options.Add(global.Json);
        root.Options.Add(global.Verbose);
        return root;
    }

    /// <summary>Puts <paramref name="specs"/> under <paramref name="parent"/>, and their own commands under them (<c>bridge export</c>).</summary>
    private static void AddUnder(Command parent, IReadOnlyList<CommandSpec> specs)
    {
        foreach (CommandSpec spec in specs)
        {
            parent.Subcommands.Add(spec.Command);
            AddUnder(spec.Command, spec.Subcommands);
        }
    }

    /// <summary>The root's table: what the codes mean across commands (each command's help lists its own).</summary>
    private static ExitCodeTable ExitCodeSummary()
    {
        ExitCodeTable table = ExitCodeTable.Standard("success (each command's --help lists the codes it can return)")
            .With(ExitCodes.Timeout, "timeout: read --timeout-ms got no frame; call found no server or got no response")
            .With(ExitCodes.VerificationFailed, "verification failed (demo, soak, call)")
            .With(ExitCodes.Refused, "clean NAME refused: the buffer is live")
            .With(ExitCodes.Inconsistent, "inspect: the control block violates a protocol invariant")
            .With(ExitCodes.NotAuthorized, "bridge: the NATS server refused the credentials, or TLS failed")
            .With(ExitCodes.JetStreamUnavailable, "bridge --mode jetstream: no JetStream, or the stream or consumer was refused");
        foreach (ZeroBufferErrorKind kind in Enum.GetValues<ZeroBufferErrorKind>())
        {
            table.With(ExitCodes.For(kind), kind.ToString()); // "NN   Kind": the form other implementations' tests parse
        }

        return table.Interrupted("SIGTERM, or Ctrl+C during a job with an end of its own; after cleaning up");
    }

    private static int ReportUsageErrors(ParseResult result, GlobalOptions global)
    {
        string[] messages = [.. result.Errors.Select(Plain)];
        string command = UsageName(result.CommandResult);
        string lines = string.Join(Environment.NewLine, messages.Select(m => $"error: {m}")) + Environment.NewLine + $"Run '{command} --help' for usage.";
        using Output output = global.CreateOutput(result);
        output.Emit(new ErrorEvent(ErrorReporter.UsageKind, string.Join("; ", messages), lines));
        return ExitCodes.Usage;
    }

    /// <summary>The words that run the command of <paramref name="result"/>, program name first (<c>zerobuffer bridge export</c>).</summary>
    private static string UsageName(CommandResult result)
    {
        var words = new Stack<string>();
        for (CommandResult? at = result; at is not null; at = at.Parent as CommandResult)
        {
            words.Push(at.Command.Name);
        }

        return string.Join(' ', words);
    }

    /// <summary>
    /// One line per error, naming the option: the parser lists the accepted values on lines of their
    /// own ("Argument 'x' not recognized. Must be one of:\n\t'a'\n\t'b'") and does not say whose
    /// argument it is.
    /// </summary>
    private static string Plain(ParseError error)
    {
        string[] lines = Plain(error.Message).Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        string message = lines.Length <= 1 ? string.Join("", lines) : $"{lines[0]} {string.Join(", ", lines[1..])}";
        string? option = error.SymbolResult switch
        {
            OptionResult result => result.Option.Name,
            ArgumentResult { Parent: OptionResult result } => result.Option.Name,
            _ => null,
        };
        return option is not null && !message.Contains(option, StringComparison.Ordinal) ? $"{option}: {message}" : message;
    }

    /// <summary>
    /// The parser names .NET types when a value does not convert ("... as expected type
    /// 'System.Nullable`1[System.Double]'"): said in the user's words instead, with the bad value.
    /// </summary>
    private static string Plain(string message)
    {
        System.Text.RegularExpressions.Match match = ConversionError().Match(message);
        if (!match.Success)
        {
            return message;
        }

        string type = match.Groups["type"].Value;
        string expected = type.Contains("Double", StringComparison.Ordinal) ? "a number"
            : type.Contains("Int", StringComparison.Ordinal) ? "a whole number in range"
            : type.Contains("Boolean", StringComparison.Ordinal) ? "true or false"
            : "a valid value";
        return $"{match.Groups["option"].Value}: '{match.Groups["value"].Value}' is not {expected}.";
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for option '(?<option>[^']+)' as expected type '(?<type>[^']+)'\.?$")]
    private static partial System.Text.RegularExpressions.Regex ConversionError();

    /// <summary>The standard help, followed by the command's events, examples and exit codes.</summary>
    private sealed class HelpWithEpilogue(SynchronousCommandLineAction standard, CommandTree tree) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            int code = standard.Invoke(parseResult);
            TextWriter output = parseResult.InvocationConfiguration.Output;
            output.WriteLine(tree.Of(parseResult.CommandResult.Command).Epilogue.TrimEnd());
            output.WriteLine();
            return code;
        }
    }
}
