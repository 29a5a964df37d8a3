using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using ZeroBuffer.Cli.Commands;

namespace ZeroBuffer.Cli;

/// <summary>Builds the <c>zerobuffer</c> command tree and runs it with the exit-code contract.</summary>
internal static partial class CliApp
{
    /// <summary>Parses and runs <paramref name="args"/>; returns the process exit code.</summary>
    internal static int Run(string[] args) => Run(args, "zerobuffer", Build);

    /// <summary>
    /// Parses and runs <paramref name="args"/> against the command tree <paramref name="build"/>
    /// makes (given the global options, and the help epilogue of each command to fill in), with
    /// the global options, help epilogues and exit-code contract of every zerobuffer command;
    /// <paramref name="program"/> names the root command in usage hints. The cross-process bench
    /// (bench/ZeroBuffer.Bench) runs its own tree through it.
    /// </summary>
    internal static int Run(string[] args, string program, Func<GlobalOptions, Dictionary<Command, string>, RootCommand> build)
    {
        var global = new GlobalOptions();
        var epilogues = new Dictionary<Command, string>();
        RootCommand root = build(global, epilogues);
        root.Options.Add(global.Json);
        root.Options.Add(global.Verbose);

        foreach (HelpOption help in root.Options.OfType<HelpOption>())
        {
            help.Action = new HelpWithEpilogue((SynchronousCommandLineAction)help.Action!, epilogues);
        }

        ParseResult result = root.Parse(args);
        if (result.Errors.Count > 0 && result.Action is not HelpWithEpilogue)
        {
            return ReportUsageErrors(result, global, program);
        }

        return result.Invoke(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }

    private static RootCommand Build(GlobalOptions global, Dictionary<Command, string> epilogues)
    {
        var root = new RootCommand(
            "ZeroBuffer: zero-copy shared-memory IPC (protocol 1.0). Read, write, inspect and clean buffers from the command line.");

        Add(root, epilogues, ReadCommand.Create(global));
        Add(root, epilogues, WriteCommand.Create(global));
        Add(root, epilogues, DemoCommand.Create(global));
        Add(root, epilogues, DemoReaderCommand.Create(global));
        Add(root, epilogues, DemoWriterCommand.Create(global));
        Add(root, epilogues, LayoutCommand.Create(global));
        Add(root, epilogues, ServeCommand.Create(global));
        Add(root, epilogues, CallCommand.Create(global));
        Add(root, epilogues, ListCommand.Create(global));
        Add(root, epilogues, CleanCommand.Create(global));
        Add(root, epilogues, SoakCommand.Create(global));
        Add(root, epilogues, InspectCommand.Create(global));
        Add(root, epilogues, WatchCommand.Create(global));
        Add(root, epilogues, RelayCommand.Create(global));
        epilogues[root] = ExitCodes.HelpSection(withTimeout: true, withVerification: true);
        return root;
    }

    /// <summary>Adds a command under <paramref name="root"/>, with the epilogue of its help.</summary>
    internal static void Add(RootCommand root, Dictionary<Command, string> epilogues, (Command Command, string Epilogue) entry)
    {
        root.Subcommands.Add(entry.Command);
        epilogues[entry.Command] = entry.Epilogue;
    }

    private static int ReportUsageErrors(ParseResult result, GlobalOptions global, string program)
    {
        string[] messages = [.. result.Errors.Select(e => Plain(e.Message))];
        foreach (string message in messages)
        {
            Output.ErrorLine($"error: {message}");
        }

        string command = result.CommandResult.Command is RootCommand ? program : $"{program} {result.CommandResult.Command.Name}";
        Output.ErrorLine($"Run '{command} --help' for usage.");
        if (result.GetValue(global.Json))
        {
            using var output = new Output(json: true, verbose: false);
            ErrorReporter.Emit(output, ErrorReporter.UsageKind, string.Join("; ", messages));
        }

        return ExitCodes.Usage;
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

    /// <summary>The standard help, followed by the command's events and exit codes.</summary>
    private sealed class HelpWithEpilogue(SynchronousCommandLineAction standard, Dictionary<Command, string> epilogues)
        : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            int code = standard.Invoke(parseResult);
            if (epilogues.TryGetValue(parseResult.CommandResult.Command, out string? epilogue))
            {
                TextWriter output = parseResult.InvocationConfiguration.Output;
                output.WriteLine(epilogue.TrimEnd());
                output.WriteLine();
            }

            return code;
        }
    }
}
