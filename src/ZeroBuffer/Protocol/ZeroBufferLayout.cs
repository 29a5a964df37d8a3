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

    /// <summary>4 × u64 reserved by protocol 1.0 (0 in buffers of upstream readers); our extension words (§2.4).</summary>
    public const int ReservedOffset = 96;

    /// <summary>u32 <c>ext_magic</c>: <see cref="ExtensionMagic"/> when the reader advertises extensions. Reader, at create.</summary>
    public const int ExtensionMagicOffset = 96;

    /// <summary>u32 <c>ext_features</c>: the <c>Feature*</c> bits in use. Reader, at create.</summary>
    public const int ExtensionFeaturesOffset = 100;

    /// <summary>u64 <c>writer_session</c>: PID tag, generation, state. A writer that knows the extensions.</summary>
    public const int WriterSessionOffset = 104;

    /// <summary>u64 <c>session_start</c>: the written count when the session began.</summary>
    public const int SessionStartOffset = 112;

    /// <summary>u64 <c>commit_record</c>: position and count a commit in progress will publish.</summary>
    public const int CommitRecordOffset = 120;

    /// <summary>The bytes <c>Z B X 1</c> read as a little-endian u32.</summary>
    public const uint ExtensionMagic = 0x3158425A;

    /// <summary>The reader holds an OFD write lock on its PID's bytes while alive.</summary>
    public const uint FeatureReaderLock = 1;

    /// <summary>Writers that know the extensions lock the writer PID's bytes and keep a writer session.</summary>
    public const uint FeatureWriterSessions = 2;

    /// <summary>Writers that know the extensions keep the commit record (only when P &lt; <see cref="CommitRecordRingLimit"/>).</summary>
    public const uint FeatureCommitRecord = 4;

    /// <summary>
    /// The reader is a duplex client that understands error responses (docs/protocol.md §8):
    /// a response whose sequence has <see cref="DuplexErrorFlag"/> set carries a handler's failure.
    /// </summary>
    public const uint FeatureDuplexErrors = 8;

    /// <summary>Bit 63 of a duplex response's sequence: the response is an error (§8), for clients that advertise <see cref="FeatureDuplexErrors"/>.</summary>
    public const ulong DuplexErrorFlag = 1UL << 63;

    /// <summary>First byte of the writer's liveness lock (the bytes of <c>writer_pid</c>).</summary>
    public const int WriterLockOffset = WriterPidOffset;

    /// <summary>First byte of the reader's liveness lock (the bytes of <c>reader_pid</c>).</summary>
    public const int ReaderLockOffset = ReaderPidOffset;

    /// <summary>Bytes covered by each liveness lock.</summary>
    public const int LivenessLockLength = 8;

    /// <summary>Where the generation starts in <c>writer_session</c> (bits 0-31 are the PID tag).</summary>
    public const int SessionGenerationShift = 32;

    /// <summary>Width of the generation in <c>writer_session</c>.</summary>
    public const int SessionGenerationBits = 24;

    /// <summary>Where the state starts in <c>writer_session</c>.</summary>
    public const int SessionStateShift = 56;

    /// <summary>Session state: no session yet.</summary>
    public const byte SessionStateNone = 0;

    /// <summary>Session state: the writer is connected (or died connected).</summary>
    public const byte SessionStateConnected = 1;

    /// <summary>Session state: the writer closed on purpose; everything it committed is final.</summary>
    public const byte SessionStateClosed = 2;

    /// <summary>Width of the count part of <c>commit_record</c> (its low bits).</summary>
    public const int CommitRecordCountBits = 24;

    /// <summary>Where the position starts in <c>commit_record</c>.</summary>
    public const int CommitRecordPositionShift = 24;

    /// <summary>Rings of this size or more keep no commit record (a position must fit in 40 bits).</summary>
    public const long CommitRecordRingLimit = 1L << 40;

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
