using System.Buffers.Binary;
using System.Globalization;

namespace ZeroBuffer.Protocol;

/// <summary>
/// One snapshot of a segment's control block (OIEB), every field including the extension words,
/// and the one validator of what it may hold (docs/protocol.md §2, §5.2). Used by a connecting
/// writer, the buffer catalog, the duplex layer and <c>zerobuffer inspect</c>.
/// </summary>
/// <remarks>
/// Fields of a live buffer are read one by one while the peers run, so a snapshot of a busy
/// buffer is not atomic across fields: the consistency checks (<see cref="ControlBlockCheck.Fatal"/>
/// false) may fail for a moment on a healthy buffer; the fatal ones never do.
/// </remarks>
public readonly record struct ControlBlock
{
    /// <summary>Length of the segment the block was read from (bytes).</summary>
    public long SegmentLength { get; init; }

    /// <summary><c>oieb_size</c>: 128 once initialised, 0 while the reader is still creating the buffer.</summary>
    public uint OiebSize { get; init; }

    /// <summary>Protocol major version byte.</summary>
    public byte VersionMajor { get; init; }

    /// <summary>Protocol minor version byte.</summary>
    public byte VersionMinor { get; init; }

    /// <summary>Protocol patch version byte.</summary>
    public byte VersionPatch { get; init; }

    /// <summary>The fourth version byte (0).</summary>
    public byte VersionReserved { get; init; }

    /// <summary>M.</summary>
    public ulong MetadataSize { get; init; }

    /// <summary><c>metadata_free_bytes</c>.</summary>
    public ulong MetadataFreeBytes { get; init; }

    /// <summary><c>metadata_written_bytes</c>.</summary>
    public ulong MetadataWrittenBytes { get; init; }

    /// <summary>P.</summary>
    public ulong PayloadSize { get; init; }

    /// <summary><c>payload_free_bytes</c>.</summary>
    public ulong PayloadFreeBytes { get; init; }

    /// <summary><c>payload_write_pos</c>.</summary>
    public ulong WritePosition { get; init; }

    /// <summary><c>payload_read_pos</c>.</summary>
    public ulong ReadPosition { get; init; }

    /// <summary><c>payload_written_count</c>.</summary>
    public ulong WrittenCount { get; init; }

    /// <summary><c>payload_read_count</c>.</summary>
    public ulong ReadCount { get; init; }

    /// <summary><c>writer_pid</c>.</summary>
    public ulong WriterPid { get; init; }

    /// <summary><c>reader_pid</c>.</summary>
    public ulong ReaderPid { get; init; }

    /// <summary><c>ext_magic</c> (<see cref="ZeroBufferLayout.ExtensionMagic"/> when extensions are advertised).</summary>
    public uint ExtensionMagic { get; init; }

    /// <summary><c>ext_features</c>.</summary>
    public uint ExtensionFeatures { get; init; }

    /// <summary><c>writer_session</c>, raw.</summary>
    public ulong WriterSession { get; init; }

    /// <summary><c>session_start</c>.</summary>
    public ulong SessionStart { get; init; }

    /// <summary><c>commit_record</c>, raw.</summary>
    public ulong CommitRecord { get; init; }

    /// <summary>Whether the reader advertised extension <paramref name="feature"/> (a <c>ZeroBufferLayout.Feature*</c> bit).</summary>
    public bool Advertises(uint feature) =>
        ExtensionMagic == ZeroBufferLayout.ExtensionMagic && (ExtensionFeatures & feature) == feature;

    /// <summary>The writer session's PID tag (0 without a session).</summary>
    public uint WriterSessionTag => Session.Tag;

    /// <summary>The writer session's generation (0 without a session).</summary>
    public uint WriterGeneration => Session.Generation;

    /// <summary>"none", "connected" or "closed" (or the raw number of an unknown state).</summary>
    public string WriterSessionState => Session.State switch
    {
        ZeroBufferLayout.SessionStateNone => "none",
        ZeroBufferLayout.SessionStateConnected => "connected",
        ZeroBufferLayout.SessionStateClosed => "closed",
        byte other => other.ToString(CultureInfo.InvariantCulture),
    };

    internal WriterSessionWord Session => WriterSessionWord.Unpack(WriterSession);

    internal CommitRecordWord Record => CommitRecordWord.Unpack(CommitRecord);

    /// <summary>
    /// Whether the last session closed on purpose at the current counts (a clean end of stream,
    /// §6.1): closed, and, with the commit record, nobody committed after it.
    /// </summary>
    internal bool SessionClosedAtCurrentCounts =>
        Session.State == ZeroBufferLayout.SessionStateClosed
        && (!Advertises(ZeroBufferLayout.FeatureCommitRecord) || Record.Matches(WritePosition, WrittenCount));

    /// <summary>Protocol 1 (size 128, major 1) and a layout that fits the segment: a buffer, whatever its counters say.</summary>
    public bool IsProtocol1WithLayout =>
        SegmentLength >= ZeroBufferLayout.OiebSize && OiebSize == ZeroBufferLayout.OiebSize && VersionMajor == ZeroBufferLayout.VersionMajor
        && PayloadSize > 0 && LayoutFits;

    private bool LayoutFits
    {
        get
        {
            ulong available = SegmentLength > ZeroBufferLayout.OiebSize ? (ulong)SegmentLength - ZeroBufferLayout.OiebSize : 0;
            return MetadataSize <= available && PayloadSize <= available - MetadataSize;
        }
    }

    /// <summary>Reads a control block from its bytes (at least the 128 bytes of the OIEB, little-endian).</summary>
    /// <param name="oieb">The first bytes of the segment; fewer than 128 read as zeros beyond their end.</param>
    /// <param name="segmentLength">The length of the whole segment.</param>
    public static ControlBlock Parse(ReadOnlySpan<byte> oieb, long segmentLength)
    {
        byte[] b = new byte[ZeroBufferLayout.OiebSize];
        oieb[..Math.Min(oieb.Length, ZeroBufferLayout.OiebSize)].CopyTo(b);
        ulong U64(int offset) => BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(offset));
        uint U32(int offset) => BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(offset));
        return new ControlBlock
        {
            SegmentLength = segmentLength,
            OiebSize = U32(ZeroBufferLayout.OiebSizeOffset),
            VersionMajor = b[ZeroBufferLayout.VersionOffset],
            VersionMinor = b[ZeroBufferLayout.VersionOffset + 1],
            VersionPatch = b[ZeroBufferLayout.VersionOffset + 2],
            VersionReserved = b[ZeroBufferLayout.VersionOffset + 3],
            MetadataSize = U64(ZeroBufferLayout.MetadataSizeOffset),
            MetadataFreeBytes = U64(ZeroBufferLayout.MetadataFreeBytesOffset),
            MetadataWrittenBytes = U64(ZeroBufferLayout.MetadataWrittenBytesOffset),
            PayloadSize = U64(ZeroBufferLayout.PayloadSizeOffset),
            PayloadFreeBytes = U64(ZeroBufferLayout.PayloadFreeBytesOffset),
            WritePosition = U64(ZeroBufferLayout.PayloadWritePosOffset),
            ReadPosition = U64(ZeroBufferLayout.PayloadReadPosOffset),
            WrittenCount = U64(ZeroBufferLayout.PayloadWrittenCountOffset),
            ReadCount = U64(ZeroBufferLayout.PayloadReadCountOffset),
            WriterPid = U64(ZeroBufferLayout.WriterPidOffset),
            ReaderPid = U64(ZeroBufferLayout.ReaderPidOffset),
            ExtensionMagic = U32(ZeroBufferLayout.ExtensionMagicOffset),
            ExtensionFeatures = U32(ZeroBufferLayout.ExtensionFeaturesOffset),
            WriterSession = U64(ZeroBufferLayout.WriterSessionOffset),
            SessionStart = U64(ZeroBufferLayout.SessionStartOffset),
            CommitRecord = U64(ZeroBufferLayout.CommitRecordOffset),
        };
    }

    /// <summary>Reads a mapped control block, each field with a volatile (acquire) load.</summary>
    internal static unsafe ControlBlock Read(Oieb* oieb, long segmentLength)
    {
        if (segmentLength < ZeroBufferLayout.OiebSize)
        {
            return new ControlBlock { SegmentLength = segmentLength };
        }

        return new ControlBlock
        {
            SegmentLength = segmentLength,
            OiebSize = Volatile.Read(ref oieb->OiebSize),
            VersionMajor = oieb->VersionMajor,
            VersionMinor = oieb->VersionMinor,
            VersionPatch = oieb->VersionPatch,
            VersionReserved = oieb->VersionReserved,
            MetadataSize = Volatile.Read(ref oieb->MetadataSize),
            MetadataFreeBytes = Volatile.Read(ref oieb->MetadataFreeBytes),
            MetadataWrittenBytes = Volatile.Read(ref oieb->MetadataWrittenBytes),
            PayloadSize = Volatile.Read(ref oieb->PayloadSize),
            PayloadFreeBytes = Volatile.Read(ref oieb->PayloadFreeBytes),
            WritePosition = Volatile.Read(ref oieb->PayloadWritePos),
            ReadPosition = Volatile.Read(ref oieb->PayloadReadPos),
            WrittenCount = Volatile.Read(ref oieb->PayloadWrittenCount),
            ReadCount = Volatile.Read(ref oieb->PayloadReadCount),
            WriterPid = Volatile.Read(ref oieb->WriterPid),
            ReaderPid = Volatile.Read(ref oieb->ReaderPid),
            ExtensionMagic = Volatile.Read(ref oieb->ExtensionMagic),
            ExtensionFeatures = Volatile.Read(ref oieb->ExtensionFeatures),
            WriterSession = Volatile.Read(ref oieb->WriterSession),
            SessionStart = Volatile.Read(ref oieb->SessionStart),
            CommitRecord = Volatile.Read(ref oieb->CommitRecord),
        };
    }

    /// <summary>The public snapshot type of <see cref="Reader.GetStatus"/> and <see cref="Writer.GetStatus"/>.</summary>
    internal BufferStatus ToStatus(string name) => new()
    {
        Name = name,
        OiebSize = OiebSize,
        ProtocolVersion = new Version(VersionMajor, VersionMinor, VersionPatch),
        MetadataSize = MetadataSize,
        MetadataFreeBytes = MetadataFreeBytes,
        MetadataWrittenBytes = MetadataWrittenBytes,
        PayloadSize = PayloadSize,
        PayloadFreeBytes = PayloadFreeBytes,
        WritePosition = WritePosition,
        ReadPosition = ReadPosition,
        WrittenCount = WrittenCount,
        ReadCount = ReadCount,
        WriterPid = WriterPid,
        ReaderPid = ReaderPid,
    };

    /// <summary>
    /// Checks every rule of the control block. <see cref="ControlBlockStatus.NotInitialized"/>: the
    /// segment is shorter than the OIEB or <c>oieb_size</c> is 0; <see cref="ControlBlockStatus.ProtocolMismatch"/>:
    /// not size 128 and major 1; <see cref="ControlBlockStatus.Corrupted"/>: a fatal rule is broken
    /// (the checks say which); otherwise <see cref="ControlBlockStatus.Ok"/>, possibly with failed
    /// consistency checks (see <see cref="ControlBlockValidation.IsConsistent"/>).
    /// </summary>
    public ControlBlockValidation Validate()
    {
        var checks = new List<ControlBlockCheck>(20);
        ControlBlock s = this;
        void Check(string name, bool fatal, bool ok, string okDetail, string badDetail) =>
            checks.Add(new ControlBlockCheck(name, fatal, ok, ok ? okDetail : badDetail));
        static string N(ulong v) => v.ToString(CultureInfo.InvariantCulture);

        bool truncated = SegmentLength < ZeroBufferLayout.OiebSize;
        Check("segment-holds-oieb", true, !truncated, $"segment is {SegmentLength} bytes",
            $"segment is {SegmentLength} bytes, shorter than the {ZeroBufferLayout.OiebSize}-byte OIEB");
        Check("oieb-size", true, OiebSize == ZeroBufferLayout.OiebSize, $"oieb_size = {OiebSize}",
            OiebSize == 0 ? "oieb_size = 0: the reader has not finished creating the buffer" : $"oieb_size = {OiebSize}, expected {ZeroBufferLayout.OiebSize}");
        Check("protocol-major", true, VersionMajor == ZeroBufferLayout.VersionMajor, $"version {VersionMajor}.{VersionMinor}.{VersionPatch}",
            $"version {VersionMajor}.{VersionMinor}.{VersionPatch}: major {VersionMajor} is not {ZeroBufferLayout.VersionMajor}");
        Check("payload-size-above-header", true, PayloadSize > ZeroBufferLayout.FrameHeaderSize, $"payload_size = {N(PayloadSize)}",
            $"payload_size = {N(PayloadSize)}: a ring must be larger than a {ZeroBufferLayout.FrameHeaderSize}-byte frame header");
        Check("layout-fits-segment", true, LayoutFits, $"128 + {N(MetadataSize)} + {N(PayloadSize)} <= {SegmentLength}",
            $"128 + metadata_size {N(MetadataSize)} + payload_size {N(PayloadSize)} > segment length {SegmentLength}");
        Check("free-within-size", true, PayloadFreeBytes <= PayloadSize, $"payload_free_bytes {N(PayloadFreeBytes)} <= payload_size",
            $"payload_free_bytes {N(PayloadFreeBytes)} > payload_size {N(PayloadSize)}");
        Check("write-pos-in-ring", true, WritePosition <= PayloadSize, $"payload_write_pos {N(WritePosition)} <= payload_size",
            $"payload_write_pos {N(WritePosition)} is outside the ring (payload_size {N(PayloadSize)})");
        Check("read-pos-in-ring", true, ReadPosition <= PayloadSize, $"payload_read_pos {N(ReadPosition)} <= payload_size",
            $"payload_read_pos {N(ReadPosition)} is outside the ring (payload_size {N(PayloadSize)})");

        bool aligned = MetadataSize % ZeroBufferLayout.BlockAlignment == 0 && PayloadSize % ZeroBufferLayout.BlockAlignment == 0;
        Check("blocks-aligned", false, aligned, $"metadata_size {N(MetadataSize)} and payload_size {N(PayloadSize)} are multiples of 64",
            $"metadata_size {N(MetadataSize)} or payload_size {N(PayloadSize)} is not a multiple of 64");
        bool exactLength = LayoutFits && (ulong)ZeroBufferLayout.OiebSize + MetadataSize + PayloadSize == (ulong)SegmentLength;
        Check("segment-length", false, exactLength, $"128 + {N(MetadataSize)} + {N(PayloadSize)} = {SegmentLength}",
            $"128 + metadata_size {N(MetadataSize)} + payload_size {N(PayloadSize)} != segment length {SegmentLength}");
        Check("counts-ordered", false, ReadCount <= WrittenCount, $"payload_read_count {N(ReadCount)} <= payload_written_count {N(WrittenCount)}",
            $"payload_read_count {N(ReadCount)} > payload_written_count {N(WrittenCount)}");

        // Nothing unread implies both positions equal (held frames may still keep space: free bytes are not checked).
        ulong ring = Math.Max(PayloadSize, 1);
        bool drained = ReadCount != WrittenCount || ReadPosition == WritePosition || ReadPosition % ring == WritePosition % ring;
        Check("drained-positions-equal", false, drained,
            ReadCount == WrittenCount ? "every entry read and payload_read_pos = payload_write_pos" : $"{N(WrittenCount - ReadCount)} entries unread",
            $"every entry read (counts {N(ReadCount)}) but payload_read_pos {N(ReadPosition)} != payload_write_pos {N(WritePosition)}");
        bool unreadUsesSpace = ReadCount >= WrittenCount || PayloadFreeBytes < PayloadSize;
        Check("unread-uses-space", false, unreadUsesSpace, "unread frames occupy ring space (or none unread)",
            $"{N(WrittenCount - ReadCount)} entries unread but the ring is entirely free");
        bool metadataAccounted = MetadataWrittenBytes <= MetadataSize && MetadataFreeBytes == MetadataSize - MetadataWrittenBytes;
        Check("metadata-accounting", false, metadataAccounted,
            $"metadata_written_bytes {N(MetadataWrittenBytes)} + metadata_free_bytes {N(MetadataFreeBytes)} = metadata_size",
            $"metadata_written_bytes {N(MetadataWrittenBytes)} + metadata_free_bytes {N(MetadataFreeBytes)} != metadata_size {N(MetadataSize)}");

        // Reserved words: zero (an upstream reader's buffer) or our extensions, advertised by the magic.
        bool extensions = ExtensionMagic == ZeroBufferLayout.ExtensionMagic;
        bool reservedOk = VersionReserved == 0 && (extensions || (ExtensionMagic == 0 && ExtensionFeatures == 0 && WriterSession == 0 && SessionStart == 0 && CommitRecord == 0));
        Check("reserved-words", false, reservedOk,
            extensions ? $"extension words in use (features 0x{ExtensionFeatures:x})" : "reserved words are 0 (no extensions)",
            "reserved words are neither 0 nor extension words (no magic)");
        if (extensions)
        {
            WriterSessionWord session = Session;
            bool sessionOk = session.State <= ZeroBufferLayout.SessionStateClosed && (session.Exists == (session.Generation != 0))
                             && (!session.Exists || SessionStart <= WrittenCount);
            Check("writer-session", false, sessionOk,
                session.Exists ? $"writer session generation {session.Generation}, {WriterSessionState}, tag {session.Tag}, started at count {N(SessionStart)}" : "no writer session yet",
                $"writer session word 0x{WriterSession:x16} (start {N(SessionStart)}, written count {N(WrittenCount)}) is impossible");
        }

        ControlBlockStatus status = truncated || OiebSize == 0
            ? ControlBlockStatus.NotInitialized
            : OiebSize != ZeroBufferLayout.OiebSize || VersionMajor != ZeroBufferLayout.VersionMajor
                ? ControlBlockStatus.ProtocolMismatch
                : checks.Exists(c => c.Fatal && !c.Ok) ? ControlBlockStatus.Corrupted : ControlBlockStatus.Ok;
        return new ControlBlockValidation(status, checks);
    }
}

/// <summary>
/// Where a control block is read from, again and again: a mapping of the segment, or a descriptor
/// of its file (read with <c>pread</c>). Lets a liveness check read the block after it asked for a
/// lock (<see cref="PeerLiveness"/>).
/// </summary>
internal readonly unsafe struct ControlBlockSource
{
    private readonly Oieb* _mapped;
    private readonly int _fd;
    private readonly long _length;

    private ControlBlockSource(Oieb* mapped, int fd, long length)
    {
        _mapped = mapped;
        _fd = fd;
        _length = length;
    }

    /// <summary>A mapped segment of <paramref name="length"/> bytes.</summary>
    internal static ControlBlockSource Mapped(Oieb* oieb, long length) => new(oieb, -1, length);

    /// <summary>A segment file open for reading, <paramref name="length"/> bytes long.</summary>
    internal static ControlBlockSource File(int fd, long length) => new(null, fd, length);

    /// <summary>A fresh snapshot.</summary>
    internal ControlBlock Read()
    {
        if (_mapped is not null)
        {
            return ControlBlock.Read(_mapped, _length);
        }

        byte* oieb = stackalloc byte[ZeroBufferLayout.OiebSize];
        nint got = Interop.LibC.PRead(_fd, oieb, ZeroBufferLayout.OiebSize, 0);
        return ControlBlock.Parse(new ReadOnlySpan<byte>(oieb, (int)Math.Max(got, 0)), _length);
    }
}

/// <summary>What a control block amounts to (<see cref="ControlBlock.Validate"/>).</summary>
public enum ControlBlockStatus
{
    /// <summary>Every fatal rule holds: a writer may connect.</summary>
    Ok,

    /// <summary>The segment is shorter than the OIEB, or <c>oieb_size</c> is still 0: its reader has not finished creating it (or died doing so).</summary>
    NotInitialized,

    /// <summary>Not protocol 1.x: <c>oieb_size</c> is not 128 or the major version is not 1.</summary>
    ProtocolMismatch,

    /// <summary>A fatal rule is broken (sizes, positions, free bytes): using the buffer could overwrite or misread frames.</summary>
    Corrupted,
}

/// <summary>One rule of the control block, checked against a snapshot.</summary>
/// <param name="Name">Short identifier (e.g. <c>free-within-size</c>).</param>
/// <param name="Fatal">Whether breaking it makes the buffer unusable (else a consistency check, which a busy buffer may fail for a moment).</param>
/// <param name="Ok">Whether it holds.</param>
/// <param name="Detail">What was found, in words (the violation when not ok).</param>
public sealed record ControlBlockCheck(string Name, bool Fatal, bool Ok, string Detail);

/// <summary>The outcome of <see cref="ControlBlock.Validate"/>.</summary>
/// <param name="Status">What the block amounts to.</param>
/// <param name="Checks">Every rule checked, in a fixed order.</param>
public sealed record ControlBlockValidation(ControlBlockStatus Status, IReadOnlyList<ControlBlockCheck> Checks)
{
    /// <summary>Whether every check, consistency checks included, holds.</summary>
    public bool IsConsistent => Checks.All(c => c.Ok);

    /// <summary>"rule: detail; rule: detail" of the broken rules (fatal ones only when <paramref name="fatalOnly"/>).</summary>
    public string Describe(bool fatalOnly = true) =>
        string.Join("; ", Checks.Where(c => !c.Ok && (c.Fatal || !fatalOnly)).Select(c => $"{c.Name}: {c.Detail}"));
}
