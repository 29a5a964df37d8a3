using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using ZeroBuffer.Protocol;

namespace ZeroBuffer.Cli.Inspection;

/// <summary>
/// A segment's control block (parsed and validated by the library's <see cref="ControlBlock"/>)
/// and the first bytes of its metadata, read through its file <c>/dev/shm/N</c> (read-only, no
/// mapping, no connection as reader or writer), so a buffer whose control block is corrupted can
/// still be described. The OIEB is read in one <c>pread</c> of 128 bytes; a busy buffer's snapshot
/// is not atomic across fields.
/// </summary>
internal sealed record SegmentSnapshot(string Name, ControlBlock Block, byte[] MetadataPrefixAndPreview)
{
    /// <summary>How many metadata content bytes are kept for the preview.</summary>
    internal const int PreviewBytes = 64;

    /// <summary>
    /// Reads the segment of <paramref name="name"/>; null when it does not exist. Something at its
    /// path that is not a segment file we can read (another user's, a FIFO someone planted) is a
    /// <see cref="ZeroBufferException"/> that says so, never a hang in <c>open</c>.
    /// </summary>
    internal static SegmentSnapshot? Read(string name)
    {
        string path = ResourceNames.SegmentFile(name);
        BufferInfo? info = Lifecycle.BufferCatalog.Inspect(name); // looks without blocking (O_NONBLOCK, regular files only)
        if (info is null || !info.Resources.HasFlag(BufferResources.Segment))
        {
            return null;
        }

        if (info.ControlBlock is null)
        {
            throw new ZeroBufferException(ZeroBufferErrorKind.SystemError, name, $"Buffer '{name}' cannot be inspected: {info.Reason}.");
        }

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

            // The metadata block's length prefix and the first bytes of its content, whatever the OIEB says.
            int metaRead = (int)Math.Clamp(length - ZeroBufferLayout.MetadataBlockOffset, 0, ZeroBufferLayout.MetadataPrefixSize + PreviewBytes);
            byte[] meta = new byte[metaRead];
            if (metaRead > 0)
            {
                metaRead = RandomAccess.Read(file, meta, ZeroBufferLayout.MetadataBlockOffset);
                meta = meta[..metaRead];
            }

            return new SegmentSnapshot(name, ControlBlock.Parse(oieb.AsSpan(0, got), length), meta);
        }
    }

    internal long SegmentLength => Block.SegmentLength;

    internal ulong PayloadSize => Block.PayloadSize;

    internal ulong WrittenCount => Block.WrittenCount;

    internal ulong ReadCount => Block.ReadCount;

    internal ulong ReaderPid => Block.ReaderPid;

    internal ulong WriterPid => Block.WriterPid;

    /// <summary>The four reserved words as stored (our extension words, or zeros).</summary>
    internal ulong[] Reserved =>
        [Block.ExtensionMagic | ((ulong)Block.ExtensionFeatures << 32), Block.WriterSession, Block.SessionStart, Block.CommitRecord];

    /// <summary>Entries (frames and wrap markers) written and not yet read (0 when the counts are out of order).</summary>
    internal ulong UnreadEntries => WrittenCount >= ReadCount ? WrittenCount - ReadCount : 0;

    /// <summary>Used bytes of the ring (0 when the free count is out of range).</summary>
    internal ulong UsedBytes => Block.PayloadFreeBytes <= Block.PayloadSize ? Block.PayloadSize - Block.PayloadFreeBytes : 0;

    /// <summary>Used fraction of the ring, 0..1.</summary>
    internal double Utilization => Block.PayloadSize == 0 ? 0 : (double)UsedBytes / Block.PayloadSize;

    /// <summary>The metadata content length stored in the block's prefix (0 without one).</summary>
    internal ulong MetadataContentLength =>
        MetadataPrefixAndPreview.Length >= ZeroBufferLayout.MetadataPrefixSize ? BinaryPrimitives.ReadUInt64LittleEndian(MetadataPrefixAndPreview) : 0;

    /// <summary>Up to <see cref="PreviewBytes"/> bytes of metadata content (empty when none is written).</summary>
    internal ReadOnlySpan<byte> MetadataPreview
    {
        get
        {
            if (Block.MetadataWrittenBytes == 0 || MetadataPrefixAndPreview.Length <= ZeroBufferLayout.MetadataPrefixSize)
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

    /// <summary>The colour a view shows <paramref name="health"/> in.</summary>
    internal static string HealthColor(string health) => health switch { "healthy" => "green", "degraded" => "yellow", _ => "red" };
}
