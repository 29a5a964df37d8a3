using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Unicode;
using Spectre.Console;
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
           "checks":[{"name":"free-within-size","fatal":true,"ok":true,"detail":"..."},...],
           "verdict":"consistent|corrupted","violations":n}
        Health: healthy below 80 % of the ring in use, degraded 80-95 %, critical above 95 %.
        The checks are the library's control-block validator (ControlBlock.Validate): fatal ones make a
        buffer unusable, the others are consistency checks. A violation is reported only if it shows on
        3 reads in a row (a busy buffer's fields change between reads). "alive" comes from the peers'
        liveness locks (any namespace), or their PIDs for peers that take none. The segment is read
        through /dev/shm/NAME; nothing is written.

        Examples:
          zerobuffer inspect camera-1
          zerobuffer inspect camera-1 --json | jq .health

        """;

    internal static (Command Command, string Epilogue) Create(GlobalOptions global)
    {
        var name = new Argument<string>("NAME") { Description = "Buffer name." };
        var command = new Command("inspect", "Show a buffer's control block, peers, utilization, health and invariant checks.") { name };
        command.SetAction(parse => global.Run(parse, (output, _) => Execute(output, parse.GetRequiredValue(name))));
        return (command, Events + "\n" + ExitCodes.HelpSection(withTimeout: false, withVerification: false)
            .Replace("  130", "  6    inspect: the control block violates an invariant (verdict corrupted)\n  130", StringComparison.Ordinal));
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

        BufferInfo? info = BufferCatalog.Inspect(name);
        int violations = checks.Count(c => !c.Ok);
        if (output.Json)
        {
            WriteJson(output, snapshot!, info, checks, violations);
        }
        else
        {
            WriteText(snapshot!, info, checks, violations);
        }

        return violations == 0 ? ExitCodes.Success : ExitCodes.Inconsistent;
    }

    private static void WriteJson(Output output, SegmentSnapshot s, BufferInfo? info, IReadOnlyList<ControlBlockCheck> checks, int violations)
    {
        using Output.JsonEvent e = output.Event("inspect");
        System.Text.Json.Utf8JsonWriter w = e.Writer;
        w.WriteString("name"u8, s.Name);
        w.WriteNumber("segmentBytes"u8, s.SegmentLength);
        w.WriteString("state"u8, info?.State.ToString());
        w.WriteString("stateReason"u8, info?.Reason);
        w.WriteBoolean("lockHeld"u8, info?.LockHeld ?? false);
        w.WriteStartObject("oieb"u8);
        ControlBlock b = s.Block;
        w.WriteNumber("oiebSize"u8, b.OiebSize);
        w.WriteString("version"u8, $"{b.VersionMajor}.{b.VersionMinor}.{b.VersionPatch}");
        w.WriteNumber("metadataSize"u8, b.MetadataSize);
        w.WriteNumber("metadataFreeBytes"u8, b.MetadataFreeBytes);
        w.WriteNumber("metadataWrittenBytes"u8, b.MetadataWrittenBytes);
        w.WriteNumber("payloadSize"u8, b.PayloadSize);
        w.WriteNumber("payloadFreeBytes"u8, b.PayloadFreeBytes);
        w.WriteNumber("payloadWritePos"u8, b.WritePosition);
        w.WriteNumber("payloadReadPos"u8, b.ReadPosition);
        w.WriteNumber("payloadWrittenCount"u8, b.WrittenCount);
        w.WriteNumber("payloadReadCount"u8, b.ReadCount);
        w.WriteNumber("writerPid"u8, b.WriterPid);
        w.WriteNumber("readerPid"u8, b.ReaderPid);
        w.WriteStartArray("reserved"u8);
        foreach (ulong r in s.Reserved)
        {
            w.WriteNumberValue(r);
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteStartObject("extensions"u8);
        w.WriteBoolean("advertised"u8, b.ExtensionMagic == ZeroBufferLayout.ExtensionMagic);
        w.WriteNumber("features"u8, b.ExtensionFeatures);
        w.WriteString("writerSession"u8, b.WriterSessionState);
        w.WriteNumber("writerGeneration"u8, b.WriterGeneration);
        w.WriteNumber("sessionTag"u8, b.WriterSessionTag);
        w.WriteNumber("sessionStart"u8, b.SessionStart);
        w.WriteNumber("commitRecord"u8, b.CommitRecord);
        w.WriteEndObject();
        ReadOnlySpan<byte> preview = s.MetadataPreview;
        w.WriteStartObject("metadata"u8);
        w.WriteNumber("size"u8, b.MetadataWrittenBytes >= ZeroBufferLayout.MetadataPrefixSize ? s.MetadataContentLength : 0);
        w.WriteString("previewHex"u8, Convert.ToHexStringLower(preview));
        w.WriteString("previewText"u8, Utf8.IsValid(preview) ? Encoding.UTF8.GetString(preview) : null);
        w.WriteEndObject();
        w.WriteStartObject("reader"u8);
        w.WriteNumber("pid"u8, s.ReaderPid);
        w.WriteBoolean("alive"u8, info?.ReaderAlive ?? false);
        w.WriteEndObject();
        w.WriteStartObject("writer"u8);
        w.WriteNumber("pid"u8, s.WriterPid);
        w.WriteBoolean("alive"u8, info?.WriterAlive ?? false);
        w.WriteEndObject();
        w.WriteNumber("usedBytes"u8, s.UsedBytes);
        w.WriteNumber("utilization"u8, Math.Round(s.Utilization, 4));
        w.WriteString("health"u8, SegmentSnapshot.Health(s.Utilization));
        w.WriteNumber("unreadEntries"u8, s.WrittenCount >= s.ReadCount ? s.WrittenCount - s.ReadCount : 0);
        w.WriteStartArray("checks"u8);
        foreach (ControlBlockCheck check in checks)
        {
            w.WriteStartObject();
            w.WriteString("name"u8, check.Name);
            w.WriteBoolean("fatal"u8, check.Fatal);
            w.WriteBoolean("ok"u8, check.Ok);
            w.WriteString("detail"u8, check.Detail);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteString("verdict"u8, violations == 0 ? "consistent" : "corrupted");
        w.WriteNumber("violations"u8, violations);
    }

    private static void WriteText(SegmentSnapshot s, BufferInfo? info, IReadOnlyList<ControlBlockCheck> checks, int violations)
    {
        string Pid(ulong pid, bool alive) => pid == 0 ? "none" : alive ? $"{pid} [green](alive)[/]" : $"{pid} [red](dead)[/]";
        string N(ulong v) => v.ToString("N0", CultureInfo.InvariantCulture);

        CliConsole.Out.MarkupLine($"[bold]Buffer[/] {Markup.Escape(s.Name)}: segment {s.SegmentLength:N0} bytes, "
                               + $"state {(info is null ? "?" : info.State.ToString())} ({Markup.Escape(info?.Reason ?? "unknown")})");
        ControlBlock b = s.Block;
        var fields = new Table().Border(TableBorder.Rounded).AddColumn("Offset").AddColumn("OIEB field").AddColumn(new TableColumn("Value").RightAligned());
        fields.AddRow("0", "oieb_size", b.OiebSize.ToString(CultureInfo.InvariantCulture));
        fields.AddRow("4", "version", $"{b.VersionMajor}.{b.VersionMinor}.{b.VersionPatch}");
        fields.AddRow("8", "metadata_size", N(b.MetadataSize));
        fields.AddRow("16", "metadata_free_bytes", N(b.MetadataFreeBytes));
        fields.AddRow("24", "metadata_written_bytes", N(b.MetadataWrittenBytes));
        fields.AddRow("32", "payload_size", N(b.PayloadSize));
        fields.AddRow("40", "payload_free_bytes", N(b.PayloadFreeBytes));
        fields.AddRow("48", "payload_write_pos", N(b.WritePosition));
        fields.AddRow("56", "payload_read_pos", N(b.ReadPosition));
        fields.AddRow("64", "payload_written_count", N(b.WrittenCount));
        fields.AddRow("72", "payload_read_count", N(b.ReadCount));
        fields.AddRow("80", "writer_pid", Pid(b.WriterPid, info?.WriterAlive ?? false));
        fields.AddRow("88", "reader_pid", Pid(b.ReaderPid, info?.ReaderAlive ?? false));
        if (b.ExtensionMagic == ZeroBufferLayout.ExtensionMagic)
        {
            fields.AddRow("96", "ext_magic, ext_features", $"ZBX1, 0x{b.ExtensionFeatures:x}");
            fields.AddRow("104", "writer_session", $"{b.WriterSessionState}, generation {b.WriterGeneration}, tag {b.WriterSessionTag}");
            fields.AddRow("112", "session_start", N(b.SessionStart));
            fields.AddRow("120", "commit_record", $"0x{b.CommitRecord:x16}");
        }
        else
        {
            fields.AddRow("96", "reserved", string.Join(", ", s.Reserved));
        }

        CliConsole.Out.Write(fields);

        ReadOnlySpan<byte> preview = s.MetadataPreview;
        string metadata = b.MetadataWrittenBytes == 0 ? "none written"
            : $"{N(s.MetadataContentLength)} bytes; preview " + (Utf8.IsValid(preview) ? $"\"{Markup.Escape(Encoding.UTF8.GetString(preview))}\"" : Convert.ToHexStringLower(preview));
        CliConsole.Out.MarkupLine($"[bold]Metadata[/]: {metadata}");
        string health = SegmentSnapshot.Health(s.Utilization);
        string color = health switch { "healthy" => "green", "degraded" => "yellow", _ => "red" };
        CliConsole.Out.MarkupLine($"[bold]Ring[/]: {N(s.UsedBytes)} of {N(s.PayloadSize)} bytes in use ({s.Utilization:P1}), "
                               + $"{N(s.WrittenCount >= s.ReadCount ? s.WrittenCount - s.ReadCount : 0)} unread; health [{color}]{health}[/]");

        var table = new Table().Border(TableBorder.Rounded).AddColumn("Check").AddColumn("Result").AddColumn("Detail");
        foreach (ControlBlockCheck check in checks)
        {
            table.AddRow(check.Fatal ? check.Name : check.Name + " [dim](consistency)[/]", check.Ok ? "[green]ok[/]" : "[red]VIOLATED[/]", Markup.Escape(check.Detail));
        }

        CliConsole.Out.Write(table);
        CliConsole.Out.MarkupLine(violations == 0
            ? "[bold green]Verdict: consistent[/] (every invariant holds)"
            : $"[bold red]Verdict: corrupted[/] ({violations} invariant(s) violated)");
    }
}
