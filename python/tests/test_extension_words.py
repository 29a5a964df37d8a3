"""The extension words of protocol §2.4 (packing, generations, the commit record) and the one
control-block validator, as pure functions over bytes: no shared memory needed."""

from __future__ import annotations

import pytest

from zerobuffer._protocol import extension_words as X
from zerobuffer._protocol import layout as L
from zerobuffer._protocol.control_block import BlockStatus, ControlBlock

from .support import GOLDEN_UPSTREAM_OIEB


def test_layout_constants_of_the_extension_words():
    assert (L.EXTENSION_MAGIC_OFFSET, L.EXTENSION_FEATURES_OFFSET, L.WRITER_SESSION_OFFSET, L.SESSION_START_OFFSET,
            L.COMMIT_RECORD_OFFSET) == (96, 100, 104, 112, 120)
    assert L.RESERVED_OFFSET == 96
    assert L.EXTENSION_MAGIC.to_bytes(4, "little") == b"ZBX1"
    assert (L.FEATURE_READER_LOCK, L.FEATURE_WRITER_SESSIONS, L.FEATURE_COMMIT_RECORD) == (1, 2, 4)
    assert (L.WRITER_LOCK_OFFSET, L.READER_LOCK_OFFSET, L.LIVENESS_LOCK_LENGTH) == (80, 88, 8)
    assert (L.SESSION_GENERATION_SHIFT, L.SESSION_GENERATION_BITS, L.SESSION_STATE_SHIFT) == (32, 24, 56)
    assert (L.SESSION_STATE_NONE, L.SESSION_STATE_CONNECTED, L.SESSION_STATE_CLOSED) == (0, 1, 2)
    assert (L.COMMIT_RECORD_COUNT_BITS, L.COMMIT_RECORD_POSITION_SHIFT, L.COMMIT_RECORD_RING_LIMIT) == (24, 24, 1 << 40)
    for name in ("ExtensionMagicOffset", "ExtensionFeaturesOffset", "WriterSessionOffset", "SessionStartOffset",
                 "CommitRecordOffset", "ExtensionMagic", "FeatureReaderLock", "FeatureWriterSessions", "FeatureCommitRecord",
                 "WriterLockOffset", "ReaderLockOffset", "LivenessLockLength", "SessionGenerationShift",
                 "SessionGenerationBits", "SessionStateShift", "SessionStateNone", "SessionStateConnected",
                 "SessionStateClosed", "CommitRecordCountBits", "CommitRecordPositionShift", "CommitRecordRingLimit"):
        assert name in L.CONSTANTS


def test_writer_session_word_byte_by_byte():
    word = X.pack_session(0x01020304, 0xABCDEF, L.SESSION_STATE_CLOSED)
    assert word.to_bytes(8, "little") == bytes([0x04, 0x03, 0x02, 0x01, 0xEF, 0xCD, 0xAB, 0x02])
    assert X.unpack_session(word) == X.Session(0x01020304, 0xABCDEF, L.SESSION_STATE_CLOSED)
    assert X.unpack_session(0) == X.Session(0, 0, L.SESSION_STATE_NONE)


def test_generation_skips_zero():
    assert X.next_generation(0) == 1
    assert X.next_generation(1) == 2
    assert X.next_generation((1 << 24) - 2) == (1 << 24) - 1
    assert X.next_generation((1 << 24) - 1) == 1  # 2^24 wraps to 0, which means "no session yet"


def test_commit_record_word_byte_by_byte():
    word = X.pack_commit_record(0x0102030405, 0xAABBCCDD)
    # count bits: the low 24 bits of the count; position: bits 24-63.
    assert word.to_bytes(8, "little") == bytes([0xDD, 0xCC, 0xBB, 0x05, 0x04, 0x03, 0x02, 0x01])
    assert X.unpack_commit_record(word) == X.CommitRecord(0x0102030405, 0xBBCCDD)
    assert X.record_matches(word, 0x0102030405, 0xAABBCCDD)
    assert X.record_matches(word, 0x0102030405, 0xBBCCDD)  # only the low 24 bits of the count are kept
    assert not X.record_matches(word, 0x0102030405, 0xAABBCCDE)
    assert not X.record_matches(word, 0x0102030406, 0xAABBCCDD)


def test_commit_record_count_ahead_and_end_wrap_modulo_2_24():
    record = X.unpack_commit_record(X.pack_commit_record(100, (1 << 24) + 1))  # count bits 1
    assert X.count_ahead(record, (1 << 24) - 1) == 2  # ...FFFFFF → 1 is two items ahead
    assert X.count_ahead(record, (1 << 24) + 1) == 0
    assert X.record_end(X.pack_commit_record(0, 5), (1 << 24) + 9) == (1 << 24) + 5
    assert X.record_end(X.pack_commit_record(0, 0xFFFFFF), (1 << 24) + 2) == 0xFFFFFF


def test_advertisement_and_features():
    assert X.features_for(1024) == 7
    assert X.features_for(1 << 40) == 3  # no commit record: a position would not fit 40 bits
    assert X.pack_advertisement(7).to_bytes(8, "little") == b"ZBX1" + bytes([7, 0, 0, 0])


def _block(**fields) -> ControlBlock:
    golden = ControlBlock.from_bytes(GOLDEN_UPSTREAM_OIEB, 128 + 1024)
    return ControlBlock(**{**golden.__dict__, **fields})


def test_golden_upstream_block_is_valid_and_advertises_nothing():
    block = ControlBlock.from_bytes(GOLDEN_UPSTREAM_OIEB, 128 + 1024)
    assert block.validate().status is BlockStatus.OK
    assert not block.has_extensions and not block.advertises_reader_lock and not block.advertises_writer_sessions
    validation = block.validate()
    assert validation.is_consistent, validation.describe(fatal_only=False)
    assert [c.name for c in validation.checks] == [
        "segment-holds-oieb", "oieb-size", "protocol-major", "payload-size-above-header", "layout-fits-segment",
        "free-within-size", "write-pos-in-ring", "read-pos-in-ring", "blocks-aligned", "segment-length", "counts-ordered",
        "drained-positions-equal", "unread-uses-space", "metadata-accounting", "reserved-words"]


def test_writer_session_check_appears_with_the_extensions():
    ours = _block(ext_magic=L.EXTENSION_MAGIC, ext_features=7, writer_session=X.pack_session(42, 3, 2), written_count=9,
                  session_start=9)
    session = next(c for c in ours.validate().checks if c.name == "writer-session")
    assert session.ok and "generation 3, closed, tag 42" in session.detail
    broken = _block(ext_magic=L.EXTENSION_MAGIC, ext_features=7, writer_session=X.pack_session(42, 0, 1))
    assert not next(c for c in broken.validate().checks if c.name == "writer-session").ok
    assert broken.validate().status is BlockStatus.OK  # a consistency check, not a fatal one


def test_validator_statuses():
    assert ControlBlock.from_bytes(b"\x00" * 64, 64).validate().status is BlockStatus.NOT_INITIALISED
    assert _block(oieb_size=0).validate().status is BlockStatus.NOT_INITIALISED
    assert _block(oieb_size=64).validate().status is BlockStatus.PROTOCOL_MISMATCH
    assert _block(version=(2, 0, 0, 0)).validate().status is BlockStatus.PROTOCOL_MISMATCH
    corrupted = _block(payload_free_bytes=1025, write_pos=2000, payload_size=1024).validate()
    assert corrupted.status is BlockStatus.CORRUPTED
    assert [check.name for check in corrupted.violations] == ["free-within-size", "write-pos-in-ring"]
    assert corrupted.describe().startswith("free-within-size: payload_free_bytes 1025 > payload_size 1024; write-pos-in-ring:")
    assert _block(payload_size=16, payload_free_bytes=16).validate().status is BlockStatus.CORRUPTED  # no frame fits
    assert _block(segment_length=1000).validate().status is BlockStatus.CORRUPTED  # 128 + 1024 > 1000


@pytest.mark.parametrize("fields, ok", [
    ({}, True),  # all zero: an upstream creator
    ({"ext_magic": L.EXTENSION_MAGIC, "ext_features": 7, "writer_session": 5}, True),  # ours
    ({"writer_session": 5}, False),  # words in use without the magic
    ({"version": (1, 0, 0, 9)}, False),  # the version's reserved byte
])
def test_reserved_words_are_zero_or_start_with_the_magic(fields, ok):
    check = next(c for c in _block(**fields).validate().checks if c.name == "reserved-words")
    assert not check.fatal
    assert check.ok is ok, check.detail
