"""One snapshot of a segment's control block (OIEB, protocol §2.1 and the extension words of
§2.4), read from a mapping or from the file's bytes, and the one validator every part of the SDK
judges a control block by: writer connect, the buffer census, duplex readiness, and the inspect
invariants.

:meth:`ControlBlock.validate` says whether the block can be used at all (not initialised yet,
another protocol, corrupted with every violated rule, or ok); :meth:`ControlBlock.invariants` is
the full list of protocol invariants, for diagnostics (the C# CLI's ``inspect`` runs the same list).
A snapshot of a live buffer is read field by field, so it is not atomic as a whole: the rules that
decide the status hold for each field on its own, the diagnostic ones may not while peers run.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import NamedTuple, Optional

from . import extension_words as X
from . import layout as L
from .oieb import Oieb


class BlockStatus(enum.Enum):
    NOT_INITIALISED = "NotInitialised"
    """Shorter than the OIEB, or oieb_size still 0: the reader is creating it (or died doing so)."""
    PROTOCOL_MISMATCH = "ProtocolMismatch"
    """oieb_size is not 128 or the major version is not 1."""
    CORRUPTED = "Corrupted"
    """Sizes or positions that cannot be right; :attr:`Validation.violations` lists them."""
    OK = "Ok"


class InvariantCheck(NamedTuple):
    """One rule checked against a snapshot."""

    name: str
    """Short identifier, e.g. ``free-within-size`` (the names of C#'s ``inspect``)."""
    ok: bool
    detail: str
    """What was found, in words (the violation when not ok)."""


class Validation(NamedTuple):
    status: BlockStatus
    violations: tuple[InvariantCheck, ...]
    """The violated rules when :attr:`status` is CORRUPTED (empty otherwise)."""

    def describe(self) -> str:
        return "; ".join(check.detail for check in self.violations)


@dataclasses.dataclass(frozen=True)
class ControlBlock:
    """The OIEB's fields as found, plus the segment length they were found in."""

    segment_length: int
    oieb_size: int = 0
    version: tuple[int, int, int, int] = (0, 0, 0, 0)
    """major, minor, patch, reserved."""
    metadata_size: int = 0
    metadata_free_bytes: int = 0
    metadata_written_bytes: int = 0
    payload_size: int = 0
    payload_free_bytes: int = 0
    write_pos: int = 0
    read_pos: int = 0
    written_count: int = 0
    read_count: int = 0
    writer_pid: int = 0
    reader_pid: int = 0
    ext_magic: int = 0
    ext_features: int = 0
    writer_session: int = 0
    session_start: int = 0
    commit_record: int = 0
    metadata_content_length: Optional[int] = None
    """The u64 prefix of the metadata block, when it was read (the bytes reached that far)."""

    # ------------------------------------------------------------------------- reading

    @classmethod
    def from_bytes(cls, data: bytes, segment_length: Optional[int] = None) -> "ControlBlock":
        """From the first bytes of a segment (128 for the OIEB, 136 to include the metadata prefix)."""
        length = len(data) if segment_length is None else segment_length
        if len(data) < L.OIEB_SIZE or length < L.OIEB_SIZE:
            return cls(segment_length=length)

        def u64(offset: int) -> int:
            return int.from_bytes(data[offset:offset + 8], "little")

        prefix = None
        end = L.METADATA_BLOCK_OFFSET + L.METADATA_PREFIX_SIZE
        if len(data) >= end and u64(L.METADATA_SIZE_OFFSET) >= L.METADATA_PREFIX_SIZE:
            prefix = u64(L.METADATA_BLOCK_OFFSET)
        return cls(
            segment_length=length,
            oieb_size=int.from_bytes(data[L.OIEB_SIZE_OFFSET:L.OIEB_SIZE_OFFSET + 4], "little"),
            version=(data[L.VERSION_OFFSET], data[L.VERSION_OFFSET + 1], data[L.VERSION_OFFSET + 2], data[L.VERSION_OFFSET + 3]),
            metadata_size=u64(L.METADATA_SIZE_OFFSET),
            metadata_free_bytes=u64(L.METADATA_FREE_BYTES_OFFSET),
            metadata_written_bytes=u64(L.METADATA_WRITTEN_BYTES_OFFSET),
            payload_size=u64(L.PAYLOAD_SIZE_OFFSET),
            payload_free_bytes=u64(L.PAYLOAD_FREE_BYTES_OFFSET),
            write_pos=u64(L.PAYLOAD_WRITE_POS_OFFSET),
            read_pos=u64(L.PAYLOAD_READ_POS_OFFSET),
            written_count=u64(L.PAYLOAD_WRITTEN_COUNT_OFFSET),
            read_count=u64(L.PAYLOAD_READ_COUNT_OFFSET),
            writer_pid=u64(L.WRITER_PID_OFFSET),
            reader_pid=u64(L.READER_PID_OFFSET),
            ext_magic=int.from_bytes(data[L.EXTENSION_MAGIC_OFFSET:L.EXTENSION_MAGIC_OFFSET + 4], "little"),
            ext_features=int.from_bytes(data[L.EXTENSION_FEATURES_OFFSET:L.EXTENSION_FEATURES_OFFSET + 4], "little"),
            writer_session=u64(L.WRITER_SESSION_OFFSET),
            session_start=u64(L.SESSION_START_OFFSET),
            commit_record=u64(L.COMMIT_RECORD_OFFSET),
            metadata_content_length=prefix,
        )

    @classmethod
    def from_mapping(cls, oieb: Oieb, view: memoryview, segment_length: int) -> "ControlBlock":
        """From a mapped segment, every u64 with an acquire load. ``writer_pid`` is loaded before
        the session words: a writer stores its session before it claims ``writer_pid`` (§2.4), so
        a ``writer_pid`` equal to the tag comes with that session's start and record."""
        if segment_length < L.OIEB_SIZE:
            return cls(segment_length=segment_length)
        load = oieb.load
        writer_pid = load(L.WRITER_PID_OFFSET)
        advertisement = load(L.EXTENSION_MAGIC_OFFSET)
        version = bytes(view[L.VERSION_OFFSET:L.VERSION_OFFSET + 4])
        return cls(
            segment_length=segment_length,
            oieb_size=oieb.oieb_size,
            version=(version[0], version[1], version[2], version[3]),
            metadata_size=load(L.METADATA_SIZE_OFFSET),
            metadata_free_bytes=load(L.METADATA_FREE_BYTES_OFFSET),
            metadata_written_bytes=load(L.METADATA_WRITTEN_BYTES_OFFSET),
            payload_size=load(L.PAYLOAD_SIZE_OFFSET),
            payload_free_bytes=load(L.PAYLOAD_FREE_BYTES_OFFSET),
            write_pos=load(L.PAYLOAD_WRITE_POS_OFFSET),
            read_pos=load(L.PAYLOAD_READ_POS_OFFSET),
            written_count=load(L.PAYLOAD_WRITTEN_COUNT_OFFSET),
            read_count=load(L.PAYLOAD_READ_COUNT_OFFSET),
            writer_pid=writer_pid,
            reader_pid=load(L.READER_PID_OFFSET),
            ext_magic=advertisement & 0xFFFFFFFF,
            ext_features=advertisement >> 32,
            writer_session=load(L.WRITER_SESSION_OFFSET),
            session_start=load(L.SESSION_START_OFFSET),
            commit_record=load(L.COMMIT_RECORD_OFFSET),
        )

    # ------------------------------------------------------------------------- extensions

    @property
    def has_extensions(self) -> bool:
        """Whether the reader that created it advertises the extension words (ext_magic = "ZBX1")."""
        return self.ext_magic == L.EXTENSION_MAGIC

    def _feature(self, bit: int) -> bool:
        return self.ext_magic == L.EXTENSION_MAGIC and (self.ext_features & bit) != 0

    @property
    def advertises_reader_lock(self) -> bool:
        return self._feature(L.FEATURE_READER_LOCK)

    @property
    def advertises_writer_sessions(self) -> bool:
        return self._feature(L.FEATURE_WRITER_SESSIONS)

    @property
    def advertises_commit_record(self) -> bool:
        return self._feature(L.FEATURE_COMMIT_RECORD) and self.payload_size < L.COMMIT_RECORD_RING_LIMIT

    @property
    def session(self) -> X.Session:
        return X.unpack_session(self.writer_session)

    @property
    def session_describes_writer(self) -> bool:
        """Whether ``writer_pid`` names the writer of the session (a writer of ours), not one that
        ignores the extension words."""
        session = self.session
        return (self.advertises_writer_sessions and self.writer_pid != 0 and session.tag == self.writer_pid
                and session.state in (L.SESSION_STATE_CONNECTED, L.SESSION_STATE_CLOSED))

    @property
    def commit_record_matches(self) -> bool:
        """Whether no commit is in flight by the record: it names the current write_pos and count.
        True when the buffer keeps no record (nothing can be in flight that the record would show)."""
        if not self.advertises_commit_record:
            return True
        return X.record_matches(self.commit_record, self.write_pos, self.written_count, self.payload_size)

    # ------------------------------------------------------------------------- validation

    @property
    def is_initialised(self) -> bool:
        return self.segment_length >= L.OIEB_SIZE and self.oieb_size != 0

    @property
    def is_protocol1_segment(self) -> bool:
        """What the census accepts as a buffer's segment (§5.5): oieb_size 128, major 1, a ring,
        and 128 + M + P within the file."""
        return (self.is_initialised and self.oieb_size == L.OIEB_SIZE and self.version[0] == L.VERSION_MAJOR
                and self.payload_size > 0 and L.OIEB_SIZE + self.metadata_size + self.payload_size <= self.segment_length)

    def validate(self) -> Validation:
        """Not initialised, protocol mismatch, corrupted (with the violated rules) or ok (§5.2 step 2)."""
        if not self.is_initialised:
            return Validation(BlockStatus.NOT_INITIALISED, ())
        if self.oieb_size != L.OIEB_SIZE or self.version[0] != L.VERSION_MAJOR:
            return Validation(BlockStatus.PROTOCOL_MISMATCH, ())
        violations = tuple(check for check in self._structure() if not check.ok)
        return Validation(BlockStatus.CORRUPTED if violations else BlockStatus.OK, violations)

    def _structure(self) -> list[InvariantCheck]:
        """The rules a usable block must meet: each holds for every single field of a healthy buffer
        at any moment, so a non-atomic snapshot of a live one passes them."""
        p, m, n = self.payload_size, self.metadata_size, self.segment_length
        return [
            _check("payload-holds-frame", p > L.FRAME_HEADER_SIZE, "payload_size = %d" % p,
                   "payload_size %d cannot hold a frame (it must exceed %d)" % (p, L.FRAME_HEADER_SIZE)),
            _check("blocks-fit-segment", L.OIEB_SIZE + m + p <= n, "128 + %d + %d <= segment length %d" % (m, p, n),
                   "128 + metadata_size %d + payload_size %d exceeds the segment length %d" % (m, p, n)),
            _check("free-within-size", self.payload_free_bytes <= p, "payload_free_bytes %d <= payload_size" % self.payload_free_bytes,
                   "payload_free_bytes %d > payload_size %d" % (self.payload_free_bytes, p)),
            _check("write-pos-in-ring", self.write_pos <= p, "payload_write_pos %d <= payload_size" % self.write_pos,
                   "payload_write_pos %d is outside the ring (payload_size %d)" % (self.write_pos, p)),
            _check("read-pos-in-ring", self.read_pos <= p, "payload_read_pos %d <= payload_size" % self.read_pos,
                   "payload_read_pos %d is outside the ring (payload_size %d)" % (self.read_pos, p)),
        ]

    def invariants(self) -> list[InvariantCheck]:
        """Every protocol invariant (protocol §2.1), the list C#'s ``zerobuffer inspect`` reports."""
        checks: list[InvariantCheck] = []

        def check(name: str, ok: bool, good: str, bad: str) -> None:
            checks.append(_check(name, ok, good, bad))

        n, p, m = self.segment_length, self.payload_size, self.metadata_size
        major, minor, patch, reserved = self.version
        check("segment-holds-oieb", n >= L.OIEB_SIZE, "segment is %d bytes" % n,
              "segment is %d bytes, shorter than the %d-byte OIEB" % (n, L.OIEB_SIZE))
        check("oieb-size", self.oieb_size == L.OIEB_SIZE, "oieb_size = %d" % self.oieb_size,
              "oieb_size = %d, expected %d" % (self.oieb_size, L.OIEB_SIZE))
        check("protocol-major", major == L.VERSION_MAJOR, "version %d.%d.%d" % (major, minor, patch),
              "version %d.%d.%d: major %d is not %d" % (major, minor, patch, major, L.VERSION_MAJOR))
        check("blocks-aligned", m % L.BLOCK_ALIGNMENT == 0 and p % L.BLOCK_ALIGNMENT == 0,
              "metadata_size %d and payload_size %d are multiples of 64" % (m, p),
              "metadata_size %d or payload_size %d is not a multiple of 64" % (m, p))
        check("payload-size-positive", p > 0, "payload_size = %d" % p, "payload_size is 0")
        check("segment-length", L.OIEB_SIZE + m + p == n, "128 + %d + %d = %d" % (m, p, n),
              "128 + metadata_size %d + payload_size %d != segment length %d" % (m, p, n))
        check("free-within-size", self.payload_free_bytes <= p, "payload_free_bytes %d <= payload_size" % self.payload_free_bytes,
              "payload_free_bytes %d > payload_size %d" % (self.payload_free_bytes, p))
        check("write-pos-in-ring", self.write_pos <= p, "payload_write_pos %d <= payload_size" % self.write_pos,
              "payload_write_pos %d is outside the ring (payload_size %d)" % (self.write_pos, p))
        check("read-pos-in-ring", self.read_pos <= p, "payload_read_pos %d <= payload_size" % self.read_pos,
              "payload_read_pos %d is outside the ring (payload_size %d)" % (self.read_pos, p))
        check("counts-ordered", self.read_count <= self.written_count,
              "payload_read_count %d <= payload_written_count %d" % (self.read_count, self.written_count),
              "payload_read_count %d > payload_written_count %d" % (self.read_count, self.written_count))
        ring = max(p, 1)
        drained = (self.read_count != self.written_count or self.read_pos == self.write_pos
                   or self.read_pos % ring == self.write_pos % ring)
        check("drained-positions-equal", drained,
              "every entry read and payload_read_pos = payload_write_pos" if self.read_count == self.written_count
              else "%d entries unread" % (self.written_count - self.read_count),
              "every entry read (counts %d) but payload_read_pos %d != payload_write_pos %d"
              % (self.read_count, self.read_pos, self.write_pos))
        check("unread-uses-space", self.read_count >= self.written_count or self.payload_free_bytes < p,
              "unread frames occupy ring space (or none unread)",
              "%d entries unread but the ring is entirely free" % (self.written_count - self.read_count))
        written, free = self.metadata_written_bytes, self.metadata_free_bytes
        check("metadata-accounting", written <= m and free == m - written,
              "metadata_written_bytes %d + metadata_free_bytes %d = metadata_size" % (written, free),
              "metadata_written_bytes %d + metadata_free_bytes %d != metadata_size %d" % (written, free, m))
        content = self.metadata_content_length
        prefix_fits = written == 0 or (content is not None and written >= L.METADATA_PREFIX_SIZE
                                       and content <= m - min(m, L.METADATA_PREFIX_SIZE)
                                       and content + L.METADATA_PREFIX_SIZE == written)
        check("metadata-prefix-fits", prefix_fits,
              "no metadata written" if written == 0 else "prefix %s + 8 = metadata_written_bytes, within the block" % content,
              "metadata prefix says %s bytes; metadata_written_bytes %d, block %d" % (content, written, m))
        words_zero = self.ext_magic == 0 and self.ext_features == 0 and self.writer_session == 0 and self.session_start == 0 \
            and self.commit_record == 0
        check("reserved-words", reserved == 0 and (words_zero or self.has_extensions),
              "reserved words are 0 (a protocol 1.0 creator)" if words_zero else
              "extension words in use (ZBX1, features 0x%x)" % self.ext_features,
              "the version's reserved byte is %d, or the reserved words are neither 0 nor extension words (magic 0x%08x)"
              % (reserved, self.ext_magic))
        return checks


def _check(name: str, ok: bool, good: str, bad: str) -> InvariantCheck:
    return InvariantCheck(name, ok, good if ok else bad)
