namespace ZeroBuffer.Protocol;

/// <summary>
/// The byte layout of protocol 1.0 (protocol-v1 §2), and nothing else: every offset and size the
/// implementation uses is a constant here. All integers are little-endian.
/// </summary>
/// <remarks>
/// Segment = [OIEB: 128][metadata block: M = round64(metadata size)][payload ring: P = round64(payload size)].
/// Metadata = [u64 n][n bytes]. Frame = [u64 length][u64 sequence][length bytes], packed, no padding;
/// length 0 is the wrap marker.
/// </remarks>
public static class ZeroBufferLayout
{
    /// <summary>Size of the Operation Info Exchange Block at offset 0.</summary>
    public const int OiebSize = 128;

    /// <summary>Block sizes are rounded up to a multiple of this.</summary>
    public const int BlockAlignment = 64;

    /// <summary>Protocol major version; a different major is incompatible.</summary>
    public const byte VersionMajor = 1;

    /// <summary>Protocol minor version written by this implementation.</summary>
    public const byte VersionMinor = 0;

    /// <summary>Protocol patch version written by this implementation.</summary>
    public const byte VersionPatch = 0;

    /// <summary>u32 <c>oieb_size</c> (= 128).</summary>
    public const int OiebSizeOffset = 0;

    /// <summary>4 × u8: major, minor, patch, reserved.</summary>
    public const int VersionOffset = 4;

    /// <summary>u64 <c>metadata_size</c> = M. Reader, at create.</summary>
    public const int MetadataSizeOffset = 8;

    /// <summary>u64 <c>metadata_free_bytes</c>: M, then M − (8 + n). Writer.</summary>
    public const int MetadataFreeBytesOffset = 16;

    /// <summary>u64 <c>metadata_written_bytes</c>: 0, then 8 + n. Writer.</summary>
    public const int MetadataWrittenBytesOffset = 24;

    /// <summary>u64 <c>payload_size</c> = P. Reader, at create.</summary>
    public const int PayloadSizeOffset = 32;

    /// <summary>u64 <c>payload_free_bytes</c>. Writer subtracts, reader adds, always atomically.</summary>
    public const int PayloadFreeBytesOffset = 40;

    /// <summary>u64 <c>payload_write_pos</c>. Writer.</summary>
    public const int PayloadWritePosOffset = 48;

    /// <summary>u64 <c>payload_read_pos</c>. Reader.</summary>
    public const int PayloadReadPosOffset = 56;

    /// <summary>u64 <c>payload_written_count</c>: frames plus explicit wrap markers. Writer.</summary>
    public const int PayloadWrittenCountOffset = 64;

    /// <summary>u64 <c>payload_read_count</c>: frames plus explicit wrap markers. Reader.</summary>
    public const int PayloadReadCountOffset = 72;

    /// <summary>u64 <c>writer_pid</c>, 0 = none. Writer.</summary>
    public const int WriterPidOffset = 80;

    /// <summary>u64 <c>reader_pid</c>, 0 = none. Reader.</summary>
    public const int ReaderPidOffset = 88;

    /// <summary>4 × u64 reserved, always 0.</summary>
    public const int ReservedOffset = 96;

    /// <summary>Offset of the metadata block in the segment.</summary>
    public const int MetadataBlockOffset = OiebSize;

    /// <summary>The u64 length prefix in front of the metadata content.</summary>
    public const int MetadataPrefixSize = 8;

    /// <summary>Size of a frame header: u64 length + u64 sequence.</summary>
    public const int FrameHeaderSize = 16;

    /// <summary>Offset of the length field in a frame header.</summary>
    public const int FrameLengthOffset = 0;

    /// <summary>Offset of the sequence field in a frame header.</summary>
    public const int FrameSequenceOffset = 8;

    /// <summary>The length a wrap marker carries (its sequence is 0 as well).</summary>
    public const ulong WrapMarkerLength = 0;

    /// <summary>The first sequence number of every writer connection.</summary>
    public const ulong FirstSequence = 1;

    /// <summary><c>(x + 63) / 64 * 64</c>.</summary>
    public static long Round64(long size) => checked((size + (BlockAlignment - 1)) / BlockAlignment * BlockAlignment);

    /// <summary>Offset of the payload ring for a rounded metadata block size.</summary>
    public static long PayloadOffset(long metadataBlockSize) => OiebSize + metadataBlockSize;

    /// <summary>Total segment length for rounded block sizes.</summary>
    public static long SegmentLength(long metadataBlockSize, long payloadBlockSize) =>
        checked(OiebSize + metadataBlockSize + payloadBlockSize);
}
