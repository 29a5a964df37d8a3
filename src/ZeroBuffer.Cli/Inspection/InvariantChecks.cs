using System.Globalization;
using ZeroBuffer.Protocol;

namespace ZeroBuffer.Cli.Inspection;

/// <summary>One invariant of the control block, checked against a snapshot.</summary>
/// <param name="Name">Short identifier (e.g. <c>free-within-size</c>).</param>
/// <param name="Ok">Whether it holds.</param>
/// <param name="Detail">What was found, in words (the violation when not ok).</param>
internal sealed record InvariantCheck(string Name, bool Ok, string Detail);

/// <summary>
/// The protocol-1 invariants of a control block (protocol §2): sizes, version, free bytes within
/// the ring, positions inside the ring, counts consistent, metadata prefix inside its block.
/// Pure arithmetic over a <see cref="SegmentSnapshot"/>: never throws, whatever the bytes.
/// </summary>
internal static class InvariantChecks
{
    internal static IReadOnlyList<InvariantCheck> Run(SegmentSnapshot s)
    {
        var checks = new List<InvariantCheck>();
        void Check(string name, bool ok, string okDetail, string badDetail) => checks.Add(new InvariantCheck(name, ok, ok ? okDetail : badDetail));
        string N(ulong v) => v.ToString(CultureInfo.InvariantCulture);

        Check("segment-holds-oieb", !s.Truncated, $"segment is {s.SegmentLength} bytes",
            $"segment is {s.SegmentLength} bytes, shorter than the {ZeroBufferLayout.OiebSize}-byte OIEB");
        Check("oieb-size", s.OiebSize == ZeroBufferLayout.OiebSize, $"oieb_size = {s.OiebSize}",
            $"oieb_size = {s.OiebSize}, expected {ZeroBufferLayout.OiebSize}");
        Check("protocol-major", s.Major == ZeroBufferLayout.VersionMajor, $"version {s.Major}.{s.Minor}.{s.Patch}",
            $"version {s.Major}.{s.Minor}.{s.Patch}: major {s.Major} is not {ZeroBufferLayout.VersionMajor}");
        bool aligned = s.MetadataSize % ZeroBufferLayout.BlockAlignment == 0 && s.PayloadSize % ZeroBufferLayout.BlockAlignment == 0;
        Check("blocks-aligned", aligned, $"metadata_size {N(s.MetadataSize)} and payload_size {N(s.PayloadSize)} are multiples of 64",
            $"metadata_size {N(s.MetadataSize)} or payload_size {N(s.PayloadSize)} is not a multiple of 64");
        Check("payload-size-positive", s.PayloadSize > 0, $"payload_size = {N(s.PayloadSize)}", "payload_size is 0");

        bool lengthMatches = s.MetadataSize <= (ulong)long.MaxValue && s.PayloadSize <= (ulong)long.MaxValue
            && (ulong)ZeroBufferLayout.OiebSize + s.MetadataSize + s.PayloadSize == (ulong)s.SegmentLength;
        Check("segment-length", lengthMatches, $"128 + {N(s.MetadataSize)} + {N(s.PayloadSize)} = {s.SegmentLength}",
            $"128 + metadata_size {N(s.MetadataSize)} + payload_size {N(s.PayloadSize)} != segment length {s.SegmentLength}");

        Check("free-within-size", s.PayloadFreeBytes <= s.PayloadSize, $"payload_free_bytes {N(s.PayloadFreeBytes)} <= payload_size",
            $"payload_free_bytes {N(s.PayloadFreeBytes)} > payload_size {N(s.PayloadSize)}");
        Check("write-pos-in-ring", s.WritePosition <= s.PayloadSize, $"payload_write_pos {N(s.WritePosition)} <= payload_size",
            $"payload_write_pos {N(s.WritePosition)} is outside the ring (payload_size {N(s.PayloadSize)})");
        Check("read-pos-in-ring", s.ReadPosition <= s.PayloadSize, $"payload_read_pos {N(s.ReadPosition)} <= payload_size",
            $"payload_read_pos {N(s.ReadPosition)} is outside the ring (payload_size {N(s.PayloadSize)})");
        Check("counts-ordered", s.ReadCount <= s.WrittenCount, $"payload_read_count {N(s.ReadCount)} <= payload_written_count {N(s.WrittenCount)}",
            $"payload_read_count {N(s.ReadCount)} > payload_written_count {N(s.WrittenCount)}");

        // Nothing unread implies both positions equal (held frames may still keep space: free bytes are not checked).
        bool drained = s.ReadCount != s.WrittenCount || s.ReadPosition == s.WritePosition
            || (s.ReadPosition % Math.Max(s.PayloadSize, 1) == s.WritePosition % Math.Max(s.PayloadSize, 1));
        Check("drained-positions-equal", drained,
            s.ReadCount == s.WrittenCount ? "every entry read and payload_read_pos = payload_write_pos" : $"{N(s.WrittenCount - s.ReadCount)} entries unread",
            $"every entry read (counts {N(s.ReadCount)}) but payload_read_pos {N(s.ReadPosition)} != payload_write_pos {N(s.WritePosition)}");
        bool unreadUsesSpace = s.ReadCount >= s.WrittenCount || s.PayloadFreeBytes < s.PayloadSize;
        Check("unread-uses-space", unreadUsesSpace, "unread frames occupy ring space (or none unread)",
            $"{N(s.WrittenCount - s.ReadCount)} entries unread but the ring is entirely free");

        bool metadataAccounted = s.MetadataWrittenBytes <= s.MetadataSize && s.MetadataFreeBytes == s.MetadataSize - s.MetadataWrittenBytes;
        Check("metadata-accounting", metadataAccounted,
            $"metadata_written_bytes {N(s.MetadataWrittenBytes)} + metadata_free_bytes {N(s.MetadataFreeBytes)} = metadata_size",
            $"metadata_written_bytes {N(s.MetadataWrittenBytes)} + metadata_free_bytes {N(s.MetadataFreeBytes)} != metadata_size {N(s.MetadataSize)}");
        bool prefixFits = s.MetadataWrittenBytes == 0
            || (s.MetadataWrittenBytes >= ZeroBufferLayout.MetadataPrefixSize && s.MetadataContentLength <= s.MetadataSize - Math.Min(s.MetadataSize, ZeroBufferLayout.MetadataPrefixSize)
                && s.MetadataContentLength + ZeroBufferLayout.MetadataPrefixSize == s.MetadataWrittenBytes);
        Check("metadata-prefix-fits", prefixFits,
            s.MetadataWrittenBytes == 0 ? "no metadata written" : $"prefix {N(s.MetadataContentLength)} + 8 = metadata_written_bytes, within the block",
            $"metadata prefix says {N(s.MetadataContentLength)} bytes; metadata_written_bytes {N(s.MetadataWrittenBytes)}, block {N(s.MetadataSize)}");
        bool reservedZero = Array.TrueForAll(s.Reserved, r => r == 0) && s.VersionReserved == 0;
        Check("reserved-zero", reservedZero, "reserved fields are 0", "reserved fields are not 0");
        return checks;
    }
}
