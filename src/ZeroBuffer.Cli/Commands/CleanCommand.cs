using System.CommandLine;
using ZeroBuffer.Cli.Events;
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

        Examples:
          zerobuffer clean cam0
          zerobuffer clean --stale --dry-run
          zerobuffer clean --stale --grace-ms 0 --json

        """;

    internal static CommandSpec Create(GlobalOptions global)
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
        return new CommandSpec(command, Events, ExitCodeTable.Standard("success (also when nothing was found)")
            .With(ExitCodes.Refused, "clean NAME refused: the buffer is live, nothing was removed")
            .With(ZeroBufferErrorKind.SystemError, "a lock file could not be opened or a file removed")
            .With(ZeroBufferErrorKind.AccessDenied, "a lock file of another user that this one may not open"));
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
            output.Emit(new BufferCleanedEvent(result.Name, result.Outcome.ToString(), result.StateBefore?.ToString(),
                ListCommand.ResourceList(result.Removed), result.Message, Refused: result.Outcome == CleanupOutcome.RefusedLive));
        }

        output.Emit(dryRun
            ? new CleanDoneEvent(Removed: null, WouldRemove: removed, refused, DryRun: true, NothingFound: results.Count == 0)
            : new CleanDoneEvent(Removed: removed, WouldRemove: null, refused, DryRun: null, NothingFound: results.Count == 0));
        return !stale && refused > 0 ? ExitCodes.Refused : ExitCodes.Success;
    }
}
