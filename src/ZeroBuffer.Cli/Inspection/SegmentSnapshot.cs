using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using ZeroBuffer.Protocol;

namespace ZeroBuffer.Cli.Inspection;

/// <summary>
/// The raw OIEB fields and metadata of a segment, read through its file <c>/dev/shm/N</c>
/// (read-only, no mapping, no connection as reader or writer), so a buffer whose control block
/// is corrupted can still be described. Fields are read in one <c>pread</c> of 128 bytes; a busy
/// buffer's snapshot is not atomic across fields.
/// </summary>
internal sealed record SegmentSnapshot(
    string Name,
    long SegmentLength,
    uint OiebSize,
    byte Major,
    byte Minor,
    byte Patch,
    byte VersionReserved,
    ulong MetadataSize,
    ulong MetadataFreeBytes,
    ulong MetadataWrittenBytes,
    ulong PayloadSize,
    ulong PayloadFreeBytes,
    ulong WritePosition,
    ulong ReadPosition,
    ulong WrittenCount,
    ulong ReadCount,
    ulong WriterPid,
    ulong ReaderPid,
    ulong[] Reserved,
    byte[] MetadataPrefixAndPreview)
{
    /// <summary>How many metadata content bytes are kept for the preview.</summary>
    internal const int PreviewBytes = 64;

    /// <summary>The OIEB size when the segment is shorter than that.</summary>
    internal bool Truncated => SegmentLength < ZeroBufferLayout.OiebSize;

    /// <summary>Reads the segment of <paramref name="name"/>; null when it does not exist.</summary>
    internal static SegmentSnapshot? Read(string name)
    {
        string path = ResourceNames.SegmentFile(name);
        SafeFileHandle file;
        try
        {
            file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        }
        catch (FileNotFoundException)
        {
            return null;
        }

        using (file)
        {
            long length = RandomAccess.GetLength(file);
            byte[] oieb = new byte[ZeroBufferLayout.OiebSize];
            int got = RandomAccess.Read(file, oieb, 0);
            if (got < oieb.Length)
            {
                Array.Clear(oieb, got, oieb.Length - got);
            }

            // The metadata block's length prefix and the first bytes of its content, whatever the OIEB says.
            int metaRead = (int)Math.Clamp(length - ZeroBufferLayout.MetadataBlockOffset, 0, ZeroBufferLayout.MetadataPrefixSize + PreviewBytes);
            byte[] meta = new byte[metaRead];
            if (metaRead > 0)
            {
                metaRead = RandomAccess.Read(file, meta, ZeroBufferLayout.MetadataBlockOffset);
                meta = meta[..metaRead];
            }

            byte[] b = oieb;
            ulong U64(int offset) => BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(offset));
            ulong[] reserved = [U64(96), U64(104), U64(112), U64(120)];
            return new SegmentSnapshot(
                name,
                length,
                BinaryPrimitives.ReadUInt32LittleEndian(b),
                b[ZeroBufferLayout.VersionOffset],
                b[ZeroBufferLayout.VersionOffset + 1],
                b[ZeroBufferLayout.VersionOffset + 2],
                b[ZeroBufferLayout.VersionOffset + 3],
                U64(ZeroBufferLayout.MetadataSizeOffset),
                U64(ZeroBufferLayout.MetadataFreeBytesOffset),
                U64(ZeroBufferLayout.MetadataWrittenBytesOffset),
                U64(ZeroBufferLayout.PayloadSizeOffset),
                U64(ZeroBufferLayout.PayloadFreeBytesOffset),
                U64(ZeroBufferLayout.PayloadWritePosOffset),
                U64(ZeroBufferLayout.PayloadReadPosOffset),
                U64(ZeroBufferLayout.PayloadWrittenCountOffset),
                U64(ZeroBufferLayout.PayloadReadCountOffset),
                U64(ZeroBufferLayout.WriterPidOffset),
                U64(ZeroBufferLayout.ReaderPidOffset),
                reserved,
                meta);
        }
    }

    /// <summary>Used bytes of the ring (0 when the free count is out of range).</summary>
    internal ulong UsedBytes => PayloadFreeBytes <= PayloadSize ? PayloadSize - PayloadFreeBytes : 0;

    /// <summary>Used fraction of the ring, 0..1.</summary>
    internal double Utilization => PayloadSize == 0 ? 0 : (double)UsedBytes / PayloadSize;

    /// <summary>The metadata content length stored in the block's prefix (0 without one).</summary>
    internal ulong MetadataContentLength =>
        MetadataPrefixAndPreview.Length >= ZeroBufferLayout.MetadataPrefixSize ? BinaryPrimitives.ReadUInt64LittleEndian(MetadataPrefixAndPreview) : 0;

    /// <summary>Up to <see cref="PreviewBytes"/> bytes of metadata content (empty when none is written).</summary>
    internal ReadOnlySpan<byte> MetadataPreview
    {
        get
        {
            if (MetadataWrittenBytes == 0 || MetadataPrefixAndPreview.Length <= ZeroBufferLayout.MetadataPrefixSize)
            {
                return [];
            }

            int available = MetadataPrefixAndPreview.Length - ZeroBufferLayout.MetadataPrefixSize;
            int count = (int)Math.Min((ulong)available, MetadataContentLength);
            return MetadataPrefixAndPreview.AsSpan(ZeroBufferLayout.MetadataPrefixSize, count);
        }
    }

    /// <summary>The ring health by utilization: healthy below 80 %, degraded up to 95 %, critical above.</summary>
    internal static string Health(double utilization) => utilization switch
    {
        < 0.80 => "healthy",
        <= 0.95 => "degraded",
        _ => "critical",
    };
}
