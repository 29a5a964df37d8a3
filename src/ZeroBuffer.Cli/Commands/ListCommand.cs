using System.CommandLine;
using Spectre.Console;
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

    internal static (Command Command, string Epilogue) Create(GlobalOptions global)
    {
        var command = new Command("list", "List buffers in /dev/shm and the lock directory, with their state.");
        command.SetAction(parse => global.Run(parse, (output, _) => Execute(output)));
        return (command, Events + "\n" + ExitCodes.HelpSection(withTimeout: false, withVerification: false));
    }

    private static int Execute(Output output)
    {
        IReadOnlyList<BufferInfo> buffers = BufferCatalog.List();
        if (output.Json)
        {
            foreach (BufferInfo info in buffers)
            {
                using Output.JsonEvent e = output.Event("buffer");
                e.Writer.WriteString("name"u8, info.Name);
                e.Writer.WriteString("state"u8, info.State.ToString());
                e.Writer.WriteString("reason"u8, info.Reason);
                e.Writer.WriteNumber("readerPid"u8, info.ReaderPid);
                e.Writer.WriteBoolean("readerAlive"u8, info.ReaderAlive);
                e.Writer.WriteNumber("writerPid"u8, info.WriterPid);
                e.Writer.WriteBoolean("writerAlive"u8, info.WriterAlive);
                e.Writer.WriteBoolean("lockHeld"u8, info.LockHeld);
                e.Writer.WriteNumber("segmentBytes"u8, info.SegmentLength);
                e.Writer.WriteNumber("metadataSize"u8, info.MetadataSize);
                e.Writer.WriteNumber("payloadSize"u8, info.PayloadSize);
                e.Writer.WriteNumber("writerGeneration"u8, info.ControlBlock?.WriterGeneration ?? 0);
                e.Writer.WriteStartArray("resources"u8);
                foreach (string resource in ResourceList(info.Resources))
                {
                    e.Writer.WriteStringValue(resource);
                }

                e.Writer.WriteEndArray();
            }

            using Output.JsonEvent done = output.Event("done");
            done.Writer.WriteNumber("buffers"u8, buffers.Count);
            return ExitCodes.Success;
        }

        if (buffers.Count == 0)
        {
            output.Line("No buffers.");
            return ExitCodes.Success;
        }

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

        CliConsole.Out.Write(table);
        return ExitCodes.Success;
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
