using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using ZeroBuffer.Cli.Events;
using ZeroBuffer.Cli.Inspection;
using ZeroBuffer.Lifecycle;
using ZeroBuffer.Protocol;

namespace ZeroBuffer.Cli.Commands;

/// <summary>
/// <c>zerobuffer inspect NAME</c>: every field of a buffer's control block, its peers, ring
/// utilization and health, and the protocol invariants with a verdict. Reads the segment file
/// directly (read-only, never connecting), so a corrupted control block is described, not fatal.
/// </summary>
internal static class InspectCommand
{
    /// <summary>Reads of a busy buffer are not atomic: a violation must persist over this many reads.</summary>
    private const int ConfirmReads = 3;

    private const string Events = """
        Events (--json, one object per line):
          {"event":"inspect","name":"N","segmentBytes":n,"state":"Live|Stale|Orphaned","stateReason":"...","lockHeld":b,
           "oieb":{"oiebSize":128,"version":"1.0.0","metadataSize":M,"metadataFreeBytes":f,"metadataWrittenBytes":w,
                   "payloadSize":P,"payloadFreeBytes":f,"payloadWritePos":p,"payloadReadPos":p,"payloadWrittenCount":c,
                   "payloadReadCount":c,"writerPid":w,"readerPid":r,"reserved":[w96,w104,w112,w120]},
           "extensions":{"advertised":b,"features":f,"writerSession":"none|connected|closed","writerGeneration":g,
                         "sessionTag":t,"sessionStart":s,"commitRecord":c},
           "metadata":{"size":n,"previewHex":"<hex of up to 64 bytes>","previewText":"<UTF-8 or null>"},
           "reader":{"pid":r,"alive":b},"writer":{"pid":w,"alive":b},
           "usedBytes":u,"utilization":0.0-1.0,"health":"healthy|degraded|critical","unreadEntries":n,
           "occupancyKnown":b,"heldFrames":n,"oldestHeldSequence":s|null,"heldBytes":b,"unreadFrames":n,"unreadBytes":b,
           "held":"reader holds N undisposed frames (oldest sequence S)"|null,
           "checks":[{"name":"free-within-size","fatal":true,"ok":true,"detail":"..."},...],
           "verdict":"consistent|corrupted","violations":n}
        Health: healthy below 80 % of the ring in use, degraded 80-95 %, critical above 95 %.
        Held frames: frames the reader took and has not given back (not disposed, or disposed after an older
          one that is still held: space returns in ring order); the oldest is one it never disposed. A reader
          that holds frames and reads on stalls the writer once they fill the ring. Unread frames: committed,
          not read yet. Both come from walking the frame headers between the oldest byte in use, the read
          position and the write position; "occupancyKnown": false when the walk did not add up (the buffer
          kept changing), and the figures are 0 then.
        The checks are the library's control-block validator (ControlBlock.Validate): fatal ones make a
        buffer unusable, the others are consistency checks. A violation is reported only if it shows on
        3 reads in a row (a busy buffer's fields change between reads). "alive" comes from the peers'
        liveness locks (any namespace), or their PIDs for peers that take none. The segment is read
        through /dev/shm/NAME; nothing is written.

        Examples:
          zerobuffer inspect camera-1
          zerobuffer inspect camera-1 --json | jq .health

        """;

    internal static CommandSpec Create(GlobalOptions global)
    {
        var name = new Argument<string>("NAME") { Description = "Buffer name." };
        var command = new Command("inspect", "Show a buffer's control block, peers, utilization, health and invariant checks.") { name };
        command.SetAction(parse => global.Run(parse, (output, _) => Execute(output, parse.GetRequiredValue(name))));
        return new CommandSpec(command, Events, ExitCodeTable.Standard("success: the control block is consistent")
            .With(ExitCodes.Inconsistent, "the control block violates an invariant (verdict corrupted; the report was printed)")
            .With(ZeroBufferErrorKind.SystemError, "the segment cannot be read (another user's, or not a segment file)")
            .With(ZeroBufferErrorKind.BufferNotFound, "no segment of that name"));
    }

    private static int Execute(Output output, string name)
    {
        ResourceNames.Validate(name);
        SegmentSnapshot? snapshot = null;
        IReadOnlyList<ControlBlockCheck> checks = [];
        for (int attempt = 0; attempt < ConfirmReads; attempt++)
        {
            snapshot = SegmentSnapshot.Read(name)
                ?? throw new BufferNotFoundException(name, $"Buffer '{name}' has no segment ({ResourceNames.SegmentFile(name)} does not exist).");
            checks = snapshot.Block.Validate().Checks;
            if (checks.All(c => c.Ok))
            {
                break;
            }

            Thread.Sleep(10); // a violation seen mid-operation of a peer clears on the next read
        }

        InspectEvent report = InspectEvent.From(snapshot!, BufferCatalog.Inspect(name), BufferCatalog.Occupancy(name), checks);
        output.Emit(report);
        output.Show(console => console.Write(View(report)));
        return report.Violations == 0 ? ExitCodes.Success : ExitCodes.Inconsistent;
    }

    /// <summary>Held and unread frames in words: "reader holds N undisposed frames (oldest sequence S)" stands out.</summary>
    private static string FramesLine(InspectEvent e)
    {
        if (!e.OccupancyKnown)
        {
            return "could not be counted (the buffer kept changing while it was looked at, or it cannot be read)";
        }

        string unread = string.Create(CultureInfo.InvariantCulture, $"{e.UnreadFrames:N0} unread ({e.UnreadBytes:N0} bytes)");
        return e.Held is string held
            ? string.Create(CultureInfo.InvariantCulture, $"[yellow]{held}[/], {e.HeldBytes:N0} bytes; {unread}")
            : $"none held by the reader; {unread}";
    }

    /// <summary>The text view: the OIEB's fields by offset, metadata, ring and health, the checks and the verdict.</summary>
    private static Rows View(InspectEvent e)
    {
        static string Pid(InspectEvent.Peer peer) => peer.Pid == 0 ? "none" : peer.Alive ? $"{peer.Pid} [green](alive)[/]" : $"{peer.Pid} [red](dead)[/]";
        static string N(ulong v) => v.ToString("N0", CultureInfo.InvariantCulture);

        InspectEvent.OiebFields o = e.Oieb;
        InspectEvent.ExtensionFields x = e.Extensions;
        var fields = new Table().Border(TableBorder.Rounded).AddColumn("Offset").AddColumn("OIEB field").AddColumn(new TableColumn("Value").RightAligned());
        fields.AddRow("0", "oieb_size", o.OiebSize.ToString(CultureInfo.InvariantCulture));
        fields.AddRow("4", "version", o.Version);
        fields.AddRow("8", "metadata_size", N(o.MetadataSize));
        fields.AddRow("16", "metadata_free_bytes", N(o.MetadataFreeBytes));
        fields.AddRow("24", "metadata_written_bytes", N(o.MetadataWrittenBytes));
        fields.AddRow("32", "payload_size", N(o.PayloadSize));
        fields.AddRow("40", "payload_free_bytes", N(o.PayloadFreeBytes));
        fields.AddRow("48", "payload_write_pos", N(o.PayloadWritePos));
        fields.AddRow("56", "payload_read_pos", N(o.PayloadReadPos));
        fields.AddRow("64", "payload_written_count", N(o.PayloadWrittenCount));
        fields.AddRow("72", "payload_read_count", N(o.PayloadReadCount));
        fields.AddRow("80", "writer_pid", Pid(e.Writer));
        fields.AddRow("88", "reader_pid", Pid(e.Reader));
        if (x.Advertised)
        {
            fields.AddRow("96", "ext_magic, ext_features", $"ZBX1, 0x{x.Features:x}");
            fields.AddRow("104", "writer_session", $"{x.WriterSession}, generation {x.WriterGeneration}, tag {x.SessionTag}");
            fields.AddRow("112", "session_start", N(x.SessionStart));
            fields.AddRow("120", "commit_record", $"0x{x.CommitRecord:x16}");
        }
        else
        {
            fields.AddRow("96", "reserved", string.Join(", ", o.Reserved));
        }

        string metadata = o.MetadataWrittenBytes == 0 ? "none written"
            : $"{N(e.Metadata.Size)} bytes; preview " + (e.Metadata.PreviewText is string text ? $"\"{Markup.Escape(text)}\"" : e.Metadata.PreviewHex);
        var checks = new Table().Border(TableBorder.Rounded).AddColumn("Check").AddColumn("Result").AddColumn("Detail");
        foreach (InspectEvent.Check check in e.Checks)
        {
            checks.AddRow(check.Fatal ? check.Name : check.Name + " [dim](consistency)[/]", check.Ok ? "[green]ok[/]" : "[red]VIOLATED[/]", Markup.Escape(check.Detail));
        }

        return new Rows(
            new Markup($"[bold]Buffer[/] {Markup.Escape(e.Name)}: segment {e.SegmentBytes:N0} bytes, state {e.State ?? "?"} ({Markup.Escape(e.StateReason ?? "unknown")})"),
            fields,
            new Markup($"[bold]Metadata[/]: {metadata}"),
            new Markup($"[bold]Ring[/]: {N(e.UsedBytes)} of {N(o.PayloadSize)} bytes in use ({e.Utilization:P1}), {N(e.UnreadEntries)} unread; "
                       + $"health [{SegmentSnapshot.HealthColor(e.Health)}]{e.Health}[/]"),
            new Markup("[bold]Frames[/]: " + FramesLine(e)),
            checks,
            new Markup(e.Violations == 0
                ? "[bold green]Verdict: consistent[/] (every invariant holds)"
                : $"[bold red]Verdict: corrupted[/] ({e.Violations} invariant(s) violated)"));
    }
}
