"""Packing of the extension words (protocol §2.4): the advertisement at offset 96, the
``writer_session`` word and the ``commit_record`` word. Pure arithmetic, tested without shared memory.

``writer_session`` = tag | generation << 32 | state << 56, stored with one release store so an
observer reads the three parts of one session together. ``commit_record`` = count bits |
write_pos << 24: the low 24 bits of the ``payload_written_count`` a commit publishes and the
``payload_write_pos`` it publishes (0 after an exact fit, never P); a session begins with the
current ones, as found.
"""

from __future__ import annotations

from typing import NamedTuple

from . import layout as L

_TAG_MASK = (1 << L.SESSION_GENERATION_SHIFT) - 1
_GENERATION_MASK = (1 << L.SESSION_GENERATION_BITS) - 1
_STATE_MASK = 0xFF
COUNT_MASK = (1 << L.COMMIT_RECORD_COUNT_BITS) - 1
"""The count bits of a commit record (2^24 - 1)."""
_POSITION_MASK = (1 << (64 - L.COMMIT_RECORD_POSITION_SHIFT)) - 1

OUR_FEATURES = L.FEATURE_READER_LOCK | L.FEATURE_WRITER_SESSIONS
"""What our reader always advertises; FEATURE_COMMIT_RECORD is added when the ring allows it."""


def features_for(payload_size: int) -> int:
    """The ext_features our reader stores for a ring of ``payload_size`` bytes."""
    return OUR_FEATURES | (L.FEATURE_COMMIT_RECORD if payload_size < L.COMMIT_RECORD_RING_LIMIT else 0)


def pack_advertisement(features: int) -> int:
    """The u64 at offset 96: ext_magic in its low half, ext_features in its high half."""
    return L.EXTENSION_MAGIC | (features << 32)


class Session(NamedTuple):
    """One writer session as the word stores it."""

    tag: int
    """The PID the writer stored in writer_pid (its PID in its own PID namespace); 0 = no session yet."""
    generation: int
    """1 more than the previous session's, modulo 2^24, skipping 0 (0 = no session yet)."""
    state: int
    """SESSION_STATE_NONE, SESSION_STATE_CONNECTED or SESSION_STATE_CLOSED."""

    @property
    def is_connected(self) -> bool:
        return self.state == L.SESSION_STATE_CONNECTED

    @property
    def is_closed(self) -> bool:
        return self.state == L.SESSION_STATE_CLOSED

    def pack(self) -> int:
        return pack_session(self.tag, self.generation, self.state)


def pack_session(tag: int, generation: int, state: int) -> int:
    return ((tag & _TAG_MASK) | ((generation & _GENERATION_MASK) << L.SESSION_GENERATION_SHIFT)
            | ((state & _STATE_MASK) << L.SESSION_STATE_SHIFT))


def unpack_session(word: int) -> Session:
    return Session(word & _TAG_MASK, (word >> L.SESSION_GENERATION_SHIFT) & _GENERATION_MASK,
                   (word >> L.SESSION_STATE_SHIFT) & _STATE_MASK)


def next_generation(generation: int) -> int:
    """The generation after ``generation``: + 1 modulo 2^24, with 0 skipped."""
    following = (generation + 1) & _GENERATION_MASK
    return following if following != 0 else 1


class CommitRecord(NamedTuple):
    write_pos: int
    """The payload_write_pos the commit publishes (bits 24-63)."""
    count_bits: int
    """The low 24 bits of the payload_written_count the commit publishes (bits 0-23)."""


def pack_commit_record(write_pos: int, written_count: int) -> int:
    return ((write_pos & _POSITION_MASK) << L.COMMIT_RECORD_POSITION_SHIFT) | (written_count & COUNT_MASK)


def unpack_commit_record(word: int) -> CommitRecord:
    return CommitRecord(word >> L.COMMIT_RECORD_POSITION_SHIFT, word & COUNT_MASK)


def count_ahead(record: CommitRecord, written_count: int) -> int:
    """How many items (0 .. 2^24 - 1) the record's count is ahead of ``written_count``, modulo 2^24."""
    return (record.count_bits - written_count) & COUNT_MASK


def record_matches(word: int, write_pos: int, written_count: int) -> bool:
    """Whether the record says "nothing in flight" for these positions: its position is exactly
    ``write_pos`` and its count bits are those of ``written_count``."""
    record = unpack_commit_record(word)
    return record.write_pos == write_pos and record.count_bits == (written_count & COUNT_MASK)


def record_end(word: int, written_count: int) -> int:
    """The full count a record's 24 count bits stand for: the one at or below ``written_count``
    (a closed session's record ends where the count stopped)."""
    return written_count - ((written_count - (word & COUNT_MASK)) & COUNT_MASK)

