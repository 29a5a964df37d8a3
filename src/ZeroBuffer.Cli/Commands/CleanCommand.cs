using System.CommandLine;
using ZeroBuffer.Lifecycle;

namespace ZeroBuffer.Cli.Commands;

/// <summary><c>zerobuffer clean NAME | --stale</c>: removes buffers nobody owns any more; never a live one.</summary>
internal static class CleanCommand
{
    private const string Events = """
        Events (--json, one object per line):
          {"event":"cleaned","name":"N","outcome":"Removed|WouldRemove|RefusedLive|SkippedRecent|NotFound",
           "state":"Stale|Orphaned|Live|null","resources":["segment","sem-w","sem-r","lock"],"message":"..."}
          {"event":"done","removed":n,"refused":n}            after a real clean
          {"event":"done","wouldRemove":n,"refused":n,"dryRun":true}   after --dry-run (nothing was removed)
        A live buffer (a lock held, or its reader or writer alive) is never touched: 'clean NAME' then
        exits with 5. --stale removes every stale buffer and every orphan older than --grace-ms.
        Exit code 5: refused, the named buffer is live. 0 otherwise (also when nothing was found).

        Examples:
          zerobuffer clean cam0
          zerobuffer clean --stale --dry-run
          zerobuffer clean --stale --grace-ms 0 --json

        """;

    internal static (Command Command, string Epilogue) Create(GlobalOptions global)
    {
        var name = new Argument<string?>("NAME") { Description = "The buffer to clean.", Arity = ArgumentArity.ZeroOrOne };
        var stale = new Option<bool>("--stale") { Description = "Clean every stale or orphaned buffer instead of one name." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Only report what would be removed." };
        var graceMs = new Option<int>("--grace-ms")
        {
            Description = "With --stale: leave orphans alone whose newest file is younger than this. Default 5000.",
            DefaultValueFactory = _ => (int)BufferCatalog.DefaultOrphanGracePeriod.TotalMilliseconds,
        }.AtLeast(0);
        var command = new Command("clean", "Remove stale or orphaned buffers (never live ones).") { name, stale, dryRun, graceMs };
        command.SetAction(parse => global.Run(parse, (output, _) => Execute(
            output, parse.GetValue(name), parse.GetValue(stale), parse.GetValue(dryRun), TimeSpan.FromMilliseconds(parse.GetValue(graceMs)))));
        return (command, Events + "\n" + ExitCodes.HelpSection(withTimeout: false, withVerification: false));
    }

    private static int Execute(Output output, string? name, bool stale, bool dryRun, TimeSpan grace)
    {
        if ((name is null) == !stale)
        {
            throw new UsageException("Give either a buffer NAME or --stale (not both).");
        }

        IReadOnlyList<CleanupResult> results = stale
            ? BufferCatalog.CleanStale(dryRun, grace)
            : [BufferCatalog.Clean(name!, dryRun)];

        int removed = 0, refused = 0;
        foreach (CleanupResult result in results)
        {
            removed += result.Outcome is CleanupOutcome.Removed or CleanupOutcome.WouldRemove ? 1 : 0;
            refused += result.Outcome == CleanupOutcome.RefusedLive ? 1 : 0;
            Report(output, result);
        }

        if (output.Json)
        {
            // A dry run removed nothing: its count says what it would remove, under another name.
            using Output.JsonEvent e = output.Event("done");
            e.Writer.WriteNumber(dryRun ? "wouldRemove"u8 : "removed"u8, removed);
            e.Writer.WriteNumber("refused"u8, refused);
            if (dryRun)
            {
                e.Writer.WriteBoolean("dryRun"u8, true);
            }
        }
        else if (results.Count == 0)
        {
            output.Line("Nothing to clean.");
        }
        else if (dryRun)
        {
            output.Line($"Dry run: {removed} buffer(s) would be removed, nothing was.");
        }

        return !stale && refused > 0 ? ExitCodes.Refused : ExitCodes.Success;
    }

    private static void Report(Output output, CleanupResult result)
    {
        if (output.Json)
        {
            using Output.JsonEvent e = output.Event("cleaned");
            e.Writer.WriteString("name"u8, result.Name);
            e.Writer.WriteString("outcome"u8, result.Outcome.ToString());
            if (result.StateBefore is BufferState state)
            {
                e.Writer.WriteString("state"u8, state.ToString());
            }
            else
            {
                e.Writer.WriteNull("state"u8);
            }

            e.Writer.WriteStartArray("resources"u8);
            foreach (string resource in ListCommand.ResourceList(result.Removed))
            {
                e.Writer.WriteStringValue(resource);
            }

            e.Writer.WriteEndArray();
            e.Writer.WriteString("message"u8, result.Message);
        }
        else if (result.Outcome == CleanupOutcome.RefusedLive)
        {
            Output.ErrorLine($"refused: {result.Message}");
        }
        else
        {
            output.Line(result.Message);
        }
    }
}
