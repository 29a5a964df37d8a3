using System.Text;
using System.Text.Unicode;
using ZeroBuffer.Cli.Inspection;
using ZeroBuffer.Protocol;

namespace ZeroBuffer.Cli.Events;

/// <summary><c>inspect</c>: every field of the control block, peers, health, checks and verdict (the text view is a set of tables).</summary>
internal sealed record InspectEvent(
    string Name,
    long SegmentBytes,
    string? State,
    string? StateReason,
    bool LockHeld,
    InspectEvent.OiebFields Oieb,
    InspectEvent.ExtensionFields Extensions,
    InspectEvent.MetadataPreview Metadata,
    InspectEvent.Peer Reader,
    InspectEvent.Peer Writer,
    ulong UsedBytes,
    double Utilization,
    string Health,
    ulong UnreadEntries,
    bool OccupancyKnown,
    long HeldFrames,
    ulong? OldestHeldSequence,
    long HeldBytes,
    long UnreadFrames,
    long UnreadBytes,
    string? Held,
    IReadOnlyList<InspectEvent.Check> Checks,
    string Verdict,
    int Violations) : CliEvent("inspect")
{
    internal override string? HumanText => null;

    /// <summary>
    /// The report of <paramref name="s"/>; <paramref name="info"/> adds state and liveness, <paramref name="occupancy"/>
    /// what holds the ring's space (null: the segment could not be mapped to look).
    /// </summary>
    internal static InspectEvent From(SegmentSnapshot s, BufferInfo? info, RingOccupancy? occupancy, IReadOnlyList<ControlBlockCheck> checks)
    {
        RingOccupancy o = occupancy ?? default;
        ControlBlock b = s.Block;
        ReadOnlySpan<byte> preview = s.MetadataPreview;
        int violations = checks.Count(c => !c.Ok);
        return new InspectEvent(
            s.Name,
            s.SegmentLength,
            info?.State.ToString(),
            info?.Reason,
            info?.LockHeld ?? false,
            new OiebFields(b.OiebSize, $"{b.VersionMajor}.{b.VersionMinor}.{b.VersionPatch}", b.MetadataSize, b.MetadataFreeBytes,
                b.MetadataWrittenBytes, b.PayloadSize, b.PayloadFreeBytes, b.WritePosition, b.ReadPosition, b.WrittenCount, b.ReadCount,
                b.WriterPid, b.ReaderPid, s.Reserved),
            new ExtensionFields(b.ExtensionMagic == ZeroBufferLayout.ExtensionMagic, b.ExtensionFeatures, b.WriterSessionState,
                b.WriterGeneration, b.WriterSessionTag, b.SessionStart, b.CommitRecord),
            new MetadataPreview(b.MetadataWrittenBytes >= ZeroBufferLayout.MetadataPrefixSize ? s.MetadataContentLength : 0,
                Convert.ToHexStringLower(preview), Utf8.IsValid(preview) ? Encoding.UTF8.GetString(preview) : null),
            new Peer(s.ReaderPid, info?.ReaderAlive ?? false),
            new Peer(s.WriterPid, info?.WriterAlive ?? false),
            s.UsedBytes,
            Math.Round(s.Utilization, 4),
            SegmentSnapshot.Health(s.Utilization),
            s.UnreadEntries,
            o.IsKnown,
            o.HeldFrames,
            o.OldestHeldSequence,
            o.HeldBytes,
            o.UnreadFrames,
            o.UnreadBytes,
            o.HeldSummary,
            [.. checks.Select(c => new Check(c.Name, c.Fatal, c.Ok, c.Detail))],
            violations == 0 ? "consistent" : "corrupted",
            violations);
    }

    /// <summary>The OIEB's fields as stored; <c>reserved</c> holds the words at 96, 104, 112 and 120.</summary>
    internal sealed record OiebFields(
        uint OiebSize,
        string Version,
        ulong MetadataSize,
        ulong MetadataFreeBytes,
        ulong MetadataWrittenBytes,
        ulong PayloadSize,
        ulong PayloadFreeBytes,
        ulong PayloadWritePos,
        ulong PayloadReadPos,
        ulong PayloadWrittenCount,
        ulong PayloadReadCount,
        ulong WriterPid,
        ulong ReaderPid,
        IReadOnlyList<ulong> Reserved);

    /// <summary>The extension words (docs/protocol.md §2.4), decoded.</summary>
    internal sealed record ExtensionFields(
        bool Advertised, uint Features, string WriterSession, uint WriterGeneration, uint SessionTag, ulong SessionStart, ulong CommitRecord);

    /// <summary>The metadata's length and its first bytes.</summary>
    internal sealed record MetadataPreview(ulong Size, string PreviewHex, string? PreviewText);

    /// <summary>A reader or writer: its PID (0 = none) and whether it runs.</summary>
    internal sealed record Peer(ulong Pid, bool Alive);

    /// <summary>One check of the control-block validator.</summary>
    internal sealed record Check(string Name, bool Fatal, bool Ok, string Detail);
}
