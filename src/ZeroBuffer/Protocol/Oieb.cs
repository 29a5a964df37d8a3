using System.Runtime.InteropServices;

namespace ZeroBuffer.Protocol;

/// <summary>
/// The Operation Info Exchange Block, overlaid on offset 0 of the segment. Each field's offset
/// comes from <see cref="ZeroBufferLayout"/>; each field's comment says who writes it and how
/// the write is published.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = ZeroBufferLayout.OiebSize)]
internal struct Oieb
{
    /// <summary>128. Written by the reader at create, last, with a release store: a non-zero value means "initialised".</summary>
    [FieldOffset(ZeroBufferLayout.OiebSizeOffset)] public uint OiebSize;

    /// <summary>Major version byte (1). Reader at create.</summary>
    [FieldOffset(ZeroBufferLayout.VersionOffset)] public byte VersionMajor;

    /// <summary>Minor version byte. Reader at create.</summary>
    [FieldOffset(ZeroBufferLayout.VersionOffset + 1)] public byte VersionMinor;

    /// <summary>Patch version byte. Reader at create.</summary>
    [FieldOffset(ZeroBufferLayout.VersionOffset + 2)] public byte VersionPatch;

    /// <summary>Reserved version byte, 0.</summary>
    [FieldOffset(ZeroBufferLayout.VersionOffset + 3)] public byte VersionReserved;

    /// <summary>M, bytes in the metadata block. Reader at create; never changes.</summary>
    [FieldOffset(ZeroBufferLayout.MetadataSizeOffset)] public ulong MetadataSize;

    /// <summary>M − (8 + n) once metadata is committed. Writer, before <see cref="MetadataWrittenBytes"/>.</summary>
    [FieldOffset(ZeroBufferLayout.MetadataFreeBytesOffset)] public ulong MetadataFreeBytes;

    /// <summary>8 + n once metadata is committed. Writer, release store after the content (the reader's acquire load pairs with it).</summary>
    [FieldOffset(ZeroBufferLayout.MetadataWrittenBytesOffset)] public ulong MetadataWrittenBytes;

    /// <summary>P, bytes in the payload ring. Reader at create; never changes.</summary>
    [FieldOffset(ZeroBufferLayout.PayloadSizeOffset)] public ulong PayloadSize;

    /// <summary>Bytes the writer may still fill. Writer subtracts at commit, reader adds at release: only <c>Interlocked.Add</c>.</summary>
    [FieldOffset(ZeroBufferLayout.PayloadFreeBytesOffset)] public ulong PayloadFreeBytes;

    /// <summary>Where the next frame goes, in [0, P]. Writer only, release store at commit.</summary>
    [FieldOffset(ZeroBufferLayout.PayloadWritePosOffset)] public ulong PayloadWritePos;

    /// <summary>Where the next frame is read, in [0, P]. Reader only, release store per frame.</summary>
    [FieldOffset(ZeroBufferLayout.PayloadReadPosOffset)] public ulong PayloadReadPos;

    /// <summary>Frames plus explicit wrap markers committed. Writer only, release store after header and data; the reader's acquire load pairs with it.</summary>
    [FieldOffset(ZeroBufferLayout.PayloadWrittenCountOffset)] public ulong PayloadWrittenCount;

    /// <summary>Frames plus explicit wrap markers consumed. Reader only.</summary>
    [FieldOffset(ZeroBufferLayout.PayloadReadCountOffset)] public ulong PayloadReadCount;

    /// <summary>PID of the connected writer, 0 = none. Claimed by compare-and-swap.</summary>
    [FieldOffset(ZeroBufferLayout.WriterPidOffset)] public ulong WriterPid;

    /// <summary>PID of the reader, 0 = none. Reader. Its bytes carry the reader's liveness lock (§2.4).</summary>
    [FieldOffset(ZeroBufferLayout.ReaderPidOffset)] public ulong ReaderPid;

    /// <summary><see cref="ZeroBufferLayout.ExtensionMagic"/> when the reader advertises extensions. Reader at create, before <see cref="OiebSize"/>.</summary>
    [FieldOffset(ZeroBufferLayout.ExtensionMagicOffset)] public uint ExtensionMagic;

    /// <summary>The extensions in use (<c>ZeroBufferLayout.Feature*</c>). Reader at create, before <see cref="OiebSize"/>.</summary>
    [FieldOffset(ZeroBufferLayout.ExtensionFeaturesOffset)] public uint ExtensionFeatures;

    /// <summary>PID tag, generation and state of the last writer session (<see cref="WriterSessionWord"/>). Writer, holding the writer lock, one release store.</summary>
    [FieldOffset(ZeroBufferLayout.WriterSessionOffset)] public ulong WriterSession;

    /// <summary>The written count when the session began. Writer, before <see cref="WriterSession"/>.</summary>
    [FieldOffset(ZeroBufferLayout.SessionStartOffset)] public ulong SessionStart;

    /// <summary>Position and count the commit in progress will publish (<see cref="CommitRecordWord"/>). Writer, after the free-bytes subtraction, before the position store.</summary>
    [FieldOffset(ZeroBufferLayout.CommitRecordOffset)] public ulong CommitRecord;
}
