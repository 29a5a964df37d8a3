"""The byte layout of protocol 1.0 (protocol §2), and nothing else: every offset and size the
SDK uses is a constant here, with the same names and values as C#'s ``ZeroBufferLayout``
(compared with ``zerobuffer layout --json`` by the interop tests). All integers are little-endian.

Segment = [OIEB: 128][metadata block: M = round64(metadata size)][payload ring: P = round64(payload size)].
Metadata = [u64 n][n bytes]. Frame = [u64 length][u64 sequence][length bytes], packed, no padding;
length 0 is the wrap marker.
"""

from __future__ import annotations

OIEB_SIZE = 128
"""Size of the Operation Info Exchange Block at offset 0."""
BLOCK_ALIGNMENT = 64
"""Block sizes are rounded up to a multiple of this."""
VERSION_MAJOR = 1
VERSION_MINOR = 0
VERSION_PATCH = 0

OIEB_SIZE_OFFSET = 0
"""u32 oieb_size (= 128): written last by the reader at create, 0 = not initialised yet."""
VERSION_OFFSET = 4
"""4 × u8: major, minor, patch, reserved."""
METADATA_SIZE_OFFSET = 8
"""u64 metadata_size = M. Reader, at create."""
METADATA_FREE_BYTES_OFFSET = 16
"""u64 metadata_free_bytes: M, then M − (8 + n). Writer."""
METADATA_WRITTEN_BYTES_OFFSET = 24
"""u64 metadata_written_bytes: 0, then 8 + n (release store). Writer."""
PAYLOAD_SIZE_OFFSET = 32
"""u64 payload_size = P. Reader, at create."""
PAYLOAD_FREE_BYTES_OFFSET = 40
"""u64 payload_free_bytes. Writer subtracts, reader adds, always atomically."""
PAYLOAD_WRITE_POS_OFFSET = 48
"""u64 payload_write_pos, in [0, P]. Writer."""
PAYLOAD_READ_POS_OFFSET = 56
"""u64 payload_read_pos, in [0, P]. Reader."""
PAYLOAD_WRITTEN_COUNT_OFFSET = 64
"""u64 payload_written_count: frames plus explicit markers (release store = publication). Writer."""
PAYLOAD_READ_COUNT_OFFSET = 72
"""u64 payload_read_count: frames plus explicit markers. Reader."""
WRITER_PID_OFFSET = 80
"""u64 writer_pid, 0 = none; claimed by compare-and-swap. Writer."""
READER_PID_OFFSET = 88
"""u64 reader_pid, 0 = none. Reader."""
RESERVED_OFFSET = 96
"""4 × u64 reserved in protocol 1.0: 0 in a buffer an upstream reader created, the extension words
(below) in one ours created (protocol §2.4)."""

# The extension words (protocol §2.4): a compatible extension of 1.0 in the reserved area.
EXTENSION_MAGIC_OFFSET = 96
"""u32 ext_magic = :data:`EXTENSION_MAGIC` ("ZBX1"). Reader, at create, before oieb_size."""
EXTENSION_FEATURES_OFFSET = 100
"""u32 ext_features: the FEATURE_* bits in use. Reader, at create, before oieb_size."""
WRITER_SESSION_OFFSET = 104
"""u64 writer_session: bits 0-31 PID tag, 32-55 generation, 56-63 state. A writer of ours, under its writer lock."""
SESSION_START_OFFSET = 112
"""u64 session_start: payload_written_count when that session began. Same writer."""
COMMIT_RECORD_OFFSET = 120
"""u64 commit_record: bits 0-23 the low 24 bits of the count the commit in flight publishes, 24-63 its write_pos. Same writer."""
EXTENSION_MAGIC = 0x3158425A
"""The bytes 5A 42 58 31 ("ZBX1") as a little-endian u32."""
FEATURE_READER_LOCK = 1
"""The reader holds an OFD write lock on segment bytes [READER_LOCK_OFFSET, +8) while it lives."""
FEATURE_WRITER_SESSIONS = 2
"""A writer of ours holds an OFD write lock on [WRITER_LOCK_OFFSET, +8) with its claim, and keeps writer_session and session_start."""
FEATURE_COMMIT_RECORD = 4
"""Such a writer keeps commit_record (only when P < COMMIT_RECORD_RING_LIMIT)."""
FEATURE_DUPLEX_ERRORS = 8
"""The reader is a duplex client's response reader that understands error responses (protocol §8)."""
DUPLEX_ERROR_FLAG = 1 << 63
"""Bit 63 of a duplex response's sequence: the response is an error response to the request numbered by the other bits (§8)."""
WRITER_LOCK_OFFSET = 80
"""Start of the writer's liveness lock: the bytes of writer_pid."""
READER_LOCK_OFFSET = 88
"""Start of the reader's liveness lock: the bytes of reader_pid."""
LIVENESS_LOCK_LENGTH = 8
"""Length of either liveness lock."""
SESSION_GENERATION_SHIFT = 32
SESSION_GENERATION_BITS = 24
SESSION_STATE_SHIFT = 56
SESSION_STATE_NONE = 0
SESSION_STATE_CONNECTED = 1
SESSION_STATE_CLOSED = 2
COMMIT_RECORD_COUNT_BITS = 24
COMMIT_RECORD_POSITION_SHIFT = 24
COMMIT_RECORD_RING_LIMIT = 1 << 40
"""P must be below this for FEATURE_COMMIT_RECORD: a position then fits in 40 bits."""

METADATA_BLOCK_OFFSET = OIEB_SIZE
"""Offset of the metadata block in the segment."""
METADATA_PREFIX_SIZE = 8
"""The u64 length prefix in front of the metadata content."""
FRAME_HEADER_SIZE = 16
"""Size of a frame header: u64 length + u64 sequence."""
FRAME_LENGTH_OFFSET = 0
FRAME_SEQUENCE_OFFSET = 8
WRAP_MARKER_LENGTH = 0
"""The length a wrap marker carries (its sequence is 0 as well)."""
FIRST_SEQUENCE = 1
"""The first sequence number of every writer connection."""


def round64(size: int) -> int:
    """``(x + 63) // 64 * 64``."""
    return (size + (BLOCK_ALIGNMENT - 1)) // BLOCK_ALIGNMENT * BLOCK_ALIGNMENT


def payload_offset(metadata_block_size: int) -> int:
    """Offset of the payload ring for a rounded metadata block size."""
    return OIEB_SIZE + metadata_block_size


def segment_length(metadata_block_size: int, payload_block_size: int) -> int:
    """Total segment length for rounded block sizes: 128 + M + P."""
    return OIEB_SIZE + metadata_block_size + payload_block_size


CONSTANTS = {
    "OiebSize": OIEB_SIZE,
    "BlockAlignment": BLOCK_ALIGNMENT,
    "VersionMajor": VERSION_MAJOR,
    "VersionMinor": VERSION_MINOR,
    "VersionPatch": VERSION_PATCH,
    "OiebSizeOffset": OIEB_SIZE_OFFSET,
    "VersionOffset": VERSION_OFFSET,
    "MetadataSizeOffset": METADATA_SIZE_OFFSET,
    "MetadataFreeBytesOffset": METADATA_FREE_BYTES_OFFSET,
    "MetadataWrittenBytesOffset": METADATA_WRITTEN_BYTES_OFFSET,
    "PayloadSizeOffset": PAYLOAD_SIZE_OFFSET,
    "PayloadFreeBytesOffset": PAYLOAD_FREE_BYTES_OFFSET,
    "PayloadWritePosOffset": PAYLOAD_WRITE_POS_OFFSET,
    "PayloadReadPosOffset": PAYLOAD_READ_POS_OFFSET,
    "PayloadWrittenCountOffset": PAYLOAD_WRITTEN_COUNT_OFFSET,
    "PayloadReadCountOffset": PAYLOAD_READ_COUNT_OFFSET,
    "WriterPidOffset": WRITER_PID_OFFSET,
    "ReaderPidOffset": READER_PID_OFFSET,
    "ReservedOffset": RESERVED_OFFSET,
    "ExtensionMagicOffset": EXTENSION_MAGIC_OFFSET,
    "ExtensionFeaturesOffset": EXTENSION_FEATURES_OFFSET,
    "WriterSessionOffset": WRITER_SESSION_OFFSET,
    "SessionStartOffset": SESSION_START_OFFSET,
    "CommitRecordOffset": COMMIT_RECORD_OFFSET,
    "ExtensionMagic": EXTENSION_MAGIC,
    "FeatureReaderLock": FEATURE_READER_LOCK,
    "FeatureWriterSessions": FEATURE_WRITER_SESSIONS,
    "FeatureCommitRecord": FEATURE_COMMIT_RECORD,
    "FeatureDuplexErrors": FEATURE_DUPLEX_ERRORS,
    "DuplexErrorFlag": DUPLEX_ERROR_FLAG,
    "WriterLockOffset": WRITER_LOCK_OFFSET,
    "ReaderLockOffset": READER_LOCK_OFFSET,
    "LivenessLockLength": LIVENESS_LOCK_LENGTH,
    "SessionGenerationShift": SESSION_GENERATION_SHIFT,
    "SessionGenerationBits": SESSION_GENERATION_BITS,
    "SessionStateShift": SESSION_STATE_SHIFT,
    "SessionStateNone": SESSION_STATE_NONE,
    "SessionStateConnected": SESSION_STATE_CONNECTED,
    "SessionStateClosed": SESSION_STATE_CLOSED,
    "CommitRecordCountBits": COMMIT_RECORD_COUNT_BITS,
    "CommitRecordPositionShift": COMMIT_RECORD_POSITION_SHIFT,
    "CommitRecordRingLimit": COMMIT_RECORD_RING_LIMIT,
    "MetadataBlockOffset": METADATA_BLOCK_OFFSET,
    "MetadataPrefixSize": METADATA_PREFIX_SIZE,
    "FrameHeaderSize": FRAME_HEADER_SIZE,
    "FrameLengthOffset": FRAME_LENGTH_OFFSET,
    "FrameSequenceOffset": FRAME_SEQUENCE_OFFSET,
    "WrapMarkerLength": WRAP_MARKER_LENGTH,
    "FirstSequence": FIRST_SEQUENCE,
}
"""Every constant under its C# name, for the cross-language layout comparison."""
