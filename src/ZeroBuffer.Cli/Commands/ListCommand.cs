using System.CommandLine;
using Spectre.Console;
using ZeroBuffer.Cli.Events;
using ZeroBuffer.Lifecycle;

namespace ZeroBuffer.Cli.Commands;

/// <summary><c>zerobuffer list</c>: every buffer on this machine with its state (live, stale, orphaned).</summary>
internal static class ListCommand
{
    private const string Events = """
        Events (--json, one object per line):
          {"event":"buffer","name":"N","state":"Live|Stale|Orphaned","reason":"...","readerPid":r,"readerAlive":b,
           "writerPid":w,"writerAlive":b,"lockHeld":b,"segmentBytes":n,"metadataSize":M,"payloadSize":P,
           "writerGeneration":g,"resources":["segment","sem-w","sem-r","lock","upstream-lock","name-lock"]}
          {"event":"done","buffers":N}
        Live: a lock held, or its reader or writer alive (never cleaned). Stale: complete buffer, locks
        free, reader and writer gone. Orphaned: leftover pieces (semaphores or lock files without a
        segment, a segment without semaphores). "alive" is decided by the peers' liveness locks on the
        segment (valid across containers sharing /dev/shm), or by PID for peers that take none.

        Examples:
          zerobuffer list
          zerobuffer list --json | jq -c 'select(.state=="Stale")'

        """;

    internal static CommandSpec Create(GlobalOptions global)
    {
        var command = new Command("list", "List buffers in /dev/shm and the lock directory, with their state.");
        command.SetAction(parse => global.Run(parse, (output, _) => Execute(output)));
        return new CommandSpec(command, Events, ExitCodeTable.Standard());
    }

    private static int Execute(Output output)
    {
        IReadOnlyList<BufferInfo> buffers = BufferCatalog.List();
        foreach (BufferInfo info in buffers)
        {
            output.Emit(new BufferListedEvent(info.Name, info.State.ToString(), info.Reason, info.ReaderPid, info.ReaderAlive, info.WriterPid,
                info.WriterAlive, info.LockHeld, info.SegmentLength, info.MetadataSize, info.PayloadSize, info.ControlBlock?.WriterGeneration ?? 0,
                ResourceList(info.Resources)));
        }

        output.Emit(new ListDoneEvent(buffers.Count));
        if (buffers.Count > 0)
        {
            output.Show(console => console.Write(Table(buffers)));
        }

        return ExitCodes.Success;
    }

    /// <summary>The text view: one row per buffer.</summary>
    private static Table Table(IReadOnlyList<BufferInfo> buffers)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("Name").AddColumn("State").AddColumn(new TableColumn("Reader PID").RightAligned())
            .AddColumn(new TableColumn("Writer PID").RightAligned()).AddColumn(new TableColumn("Ring").RightAligned())
            .AddColumn("Resources").AddColumn("Why");
        foreach (BufferInfo info in buffers)
        {
            string state = info.State switch
            {
                BufferState.Live => "[green]Live[/]",
                BufferState.Stale => "[yellow]Stale[/]",
                _ => "[red]Orphaned[/]",
            };
            table.AddRow(
                Markup.Escape(info.Name), state, Pid(info.ReaderPid, info.ReaderAlive), Pid(info.WriterPid, info.WriterAlive),
                info.PayloadSize == 0 ? "-" : $"{info.PayloadSize:N0} B", string.Join(", ", ResourceList(info.Resources)), Markup.Escape(info.Reason));
        }

        return table;
    }

    private static string Pid(ulong pid, bool alive) => pid == 0 ? "-" : alive ? $"{pid}" : $"{pid} (dead)";

    /// <summary>The resource names used in list and clean reports.</summary>
    internal static List<string> ResourceList(BufferResources resources)
    {
        var list = new List<string>(4);
        if (resources.HasFlag(BufferResources.Segment)) list.Add("segment");
        if (resources.HasFlag(BufferResources.DataSemaphore)) list.Add("sem-w");
        if (resources.HasFlag(BufferResources.SpaceSemaphore)) list.Add("sem-r");
        if (resources.HasFlag(BufferResources.LockFile)) list.Add("lock");
        if (resources.HasFlag(BufferResources.UpstreamLockFile)) list.Add("upstream-lock");
        if (resources.HasFlag(BufferResources.NameLockFile)) list.Add("name-lock");
        return list;
    }
}
