"""One snapshot of a segment's control block (OIEB, protocol §2.1 and the extension words of
§2.4), read from a mapping or from the file's bytes, and the one validator every part of the SDK
judges a control block by: writer connect, the buffer census, duplex readiness (and, in C#, the
CLI's ``inspect``, whose rules these are, with the same names).

:meth:`ControlBlock.validate` checks every rule and says whether the block can be used at all (not
initialised yet, another protocol, corrupted with every broken fatal rule, or ok). A snapshot of a
live buffer is read field by field, so it is not atomic as a whole: the fatal rules hold for each
field on its own, the consistency checks may fail for a moment while peers run.
"""

from __future__ import annotations

import dataclasses
import enum
import os
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


class ControlBlockCheck(NamedTuple):
    """One rule of the control block, checked against a snapshot (C#'s ``ControlBlockCheck``)."""

    name: str
    """Short identifier, e.g. ``free-within-size`` (the same names as C#'s)."""
    fatal: bool
    """Whether breaking it makes the buffer unusable (else a consistency check, which a busy
    buffer may fail for a moment: the snapshot is read field by field)."""
    ok: bool
    detail: str
    """What was found, in words (the violation when not ok)."""


class Validation(NamedTuple):
    status: BlockStatus
    checks: tuple[ControlBlockCheck, ...]
    """Every rule checked, in a fixed order."""

    @property
    def violations(self) -> tuple[ControlBlockCheck, ...]:
        """The broken fatal rules (what makes the status CORRUPTED)."""
        return tuple(check for check in self.checks if check.fatal and not check.ok)

    @property
    def is_consistent(self) -> bool:
        """Whether every check, consistency checks included, holds."""
        return all(check.ok for check in self.checks)

    def describe(self, fatal_only: bool = True) -> str:
        """"rule: detail; rule: detail" of the broken rules (fatal ones only when ``fatal_only``)."""
        return "; ".join("%s: %s" % (c.name, c.detail) for c in self.checks if not c.ok and (c.fatal or not fatal_only))


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

    # ------------------------------------------------------------------------- reading

    @classmethod
    def from_bytes(cls, data: bytes, segment_length: Optional[int] = None) -> "ControlBlock":
        """From the first bytes of a segment (at least the 128 of the OIEB)."""
        length = len(data) if segment_length is None else segment_length
        if len(data) < L.OIEB_SIZE or length < L.OIEB_SIZE:
            return cls(segment_length=length)

        def u64(offset: int) -> int:
            return int.from_bytes(data[offset:offset + 8], "little")

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
        return X.record_matches(self.commit_record, self.write_pos, self.written_count)

    # ------------------------------------------------------------------------- validation

    @property
    def is_initialised(self) -> bool:
        return self.segment_length >= L.OIEB_SIZE and self.oieb_size != 0

    @property
    def is_protocol1_segment(self) -> bool:
        """What the census accepts as a buffer's segment (§5.5): oieb_size 128, major 1, a ring,
        and 128 + M + P within the file."""
        return (self.is_initialised and self.oieb_size == L.OIEB_SIZE and self.version[0] == L.VERSION_MAJOR
                and self.payload_size > 0 and self._layout_fits)

    @property
    def _layout_fits(self) -> bool:
        available = self.segment_length - L.OIEB_SIZE if self.segment_length > L.OIEB_SIZE else 0
        return self.metadata_size <= available and self.payload_size <= available - self.metadata_size

    def validate(self) -> Validation:
        """Checks every rule (protocol §2.1, §2.4, §5.2 step 2). NOT_INITIALISED: shorter than the
        OIEB or oieb_size 0; PROTOCOL_MISMATCH: not size 128 and major 1; CORRUPTED: a fatal rule
        is broken (:attr:`Validation.violations` says which); otherwise OK, possibly with failed
        consistency checks. The same rules, names and order as C#'s ``ControlBlock.Validate``."""
        checks: list[ControlBlockCheck] = []

        def check(name: str, fatal: bool, ok: bool, good: str, bad: str) -> None:
            checks.append(ControlBlockCheck(name, fatal, ok, good if ok else bad))

        n, p, m = self.segment_length, self.payload_size, self.metadata_size
        major, minor, patch, reserved = self.version
        truncated = n < L.OIEB_SIZE
        check("segment-holds-oieb", True, not truncated, "segment is %d bytes" % n,
              "segment is %d bytes, shorter than the %d-byte OIEB" % (n, L.OIEB_SIZE))
        check("oieb-size", True, self.oieb_size == L.OIEB_SIZE, "oieb_size = %d" % self.oieb_size,
              "oieb_size = 0: the reader has not finished creating the buffer" if self.oieb_size == 0
              else "oieb_size = %d, expected %d" % (self.oieb_size, L.OIEB_SIZE))
        check("protocol-major", True, major == L.VERSION_MAJOR, "version %d.%d.%d" % (major, minor, patch),
              "version %d.%d.%d: major %d is not %d" % (major, minor, patch, major, L.VERSION_MAJOR))
        check("payload-size-above-header", True, p > L.FRAME_HEADER_SIZE, "payload_size = %d" % p,
              "payload_size = %d: a ring must be larger than a %d-byte frame header" % (p, L.FRAME_HEADER_SIZE))
        check("layout-fits-segment", True, self._layout_fits, "128 + %d + %d <= %d" % (m, p, n),
              "128 + metadata_size %d + payload_size %d > segment length %d" % (m, p, n))
        check("free-within-size", True, self.payload_free_bytes <= p, "payload_free_bytes %d <= payload_size" % self.payload_free_bytes,
              "payload_free_bytes %d > payload_size %d" % (self.payload_free_bytes, p))
        check("write-pos-in-ring", True, self.write_pos <= p, "payload_write_pos %d <= payload_size" % self.write_pos,
              "payload_write_pos %d is outside the ring (payload_size %d)" % (self.write_pos, p))
        check("read-pos-in-ring", True, self.read_pos <= p, "payload_read_pos %d <= payload_size" % self.read_pos,
              "payload_read_pos %d is outside the ring (payload_size %d)" % (self.read_pos, p))

        check("blocks-aligned", False, m % L.BLOCK_ALIGNMENT == 0 and p % L.BLOCK_ALIGNMENT == 0,
              "metadata_size %d and payload_size %d are multiples of 64" % (m, p),
              "metadata_size %d or payload_size %d is not a multiple of 64" % (m, p))
        check("segment-length", False, self._layout_fits and L.OIEB_SIZE + m + p == n, "128 + %d + %d = %d" % (m, p, n),
              "128 + metadata_size %d + payload_size %d != segment length %d" % (m, p, n))
        check("counts-ordered", False, self.read_count <= self.written_count,
              "payload_read_count %d <= payload_written_count %d" % (self.read_count, self.written_count),
              "payload_read_count %d > payload_written_count %d" % (self.read_count, self.written_count))
        # Nothing unread implies both positions equal (held frames may still keep space: free bytes are not checked).
        ring = max(p, 1)
        drained = (self.read_count != self.written_count or self.read_pos == self.write_pos
                   or self.read_pos % ring == self.write_pos % ring)
        check("drained-positions-equal", False, drained,
              "every entry read and payload_read_pos = payload_write_pos" if self.read_count == self.written_count
              else "%d entries unread" % (self.written_count - self.read_count),
              "every entry read (counts %d) but payload_read_pos %d != payload_write_pos %d"
              % (self.read_count, self.read_pos, self.write_pos))
        check("unread-uses-space", False, self.read_count >= self.written_count or self.payload_free_bytes < p,
              "unread frames occupy ring space (or none unread)",
              "%d entries unread but the ring is entirely free" % (self.written_count - self.read_count))
        written, free = self.metadata_written_bytes, self.metadata_free_bytes
        check("metadata-accounting", False, written <= m and free == m - written,
              "metadata_written_bytes %d + metadata_free_bytes %d = metadata_size" % (written, free),
              "metadata_written_bytes %d + metadata_free_bytes %d != metadata_size %d" % (written, free, m))
        # Reserved words: zero (an upstream reader's buffer) or our extensions, advertised by the magic.
        extensions = self.has_extensions
        words_zero = (self.ext_magic == 0 and self.ext_features == 0 and self.writer_session == 0 and self.session_start == 0
                      and self.commit_record == 0)
        check("reserved-words", False, reserved == 0 and (extensions or words_zero),
              "extension words in use (features 0x%x)" % self.ext_features if extensions else "reserved words are 0 (no extensions)",
              "reserved words are neither 0 nor extension words (no magic)")
        if extensions:
            session = self.session
            exists = session.tag != 0 or session.generation != 0 or session.state != L.SESSION_STATE_NONE
            session_ok = (session.state <= L.SESSION_STATE_CLOSED and exists == (session.generation != 0)
                          and (not exists or self.session_start <= self.written_count))
            state = {L.SESSION_STATE_NONE: "none", L.SESSION_STATE_CONNECTED: "connected",
                     L.SESSION_STATE_CLOSED: "closed"}.get(session.state, str(session.state))
            check("writer-session", False, session_ok,
                  "writer session generation %d, %s, tag %d, started at count %d" % (session.generation, state, session.tag, self.session_start)
                  if exists else "no writer session yet",
                  "writer session word 0x%016x (start %d, written count %d) is impossible"
                  % (self.writer_session, self.session_start, self.written_count))

        if truncated or self.oieb_size == 0:
            status = BlockStatus.NOT_INITIALISED
        elif self.oieb_size != L.OIEB_SIZE or major != L.VERSION_MAJOR:
            status = BlockStatus.PROTOCOL_MISMATCH
        elif any(c.fatal and not c.ok for c in checks):
            status = BlockStatus.CORRUPTED
        else:
            status = BlockStatus.OK
        return Validation(status, tuple(checks))


class ControlBlockSource:
    """Where a control block is read from, again and again: a mapping of the segment, or a
    descriptor of its file (read with ``pread``). Lets a liveness check read the block after it
    asked for a lock (:class:`~zerobuffer._protocol.peer_liveness.PeerLiveness`), as C#'s
    ``ControlBlockSource`` does."""

    __slots__ = ("_oieb", "_view", "_fd", "_length")

    def __init__(self, oieb: Optional[Oieb], view: Optional[memoryview], fd: int, length: int) -> None:
        self._oieb = oieb
        self._view = view
        self._fd = fd
        self._length = length

    @classmethod
    def mapped(cls, oieb: Oieb, view: memoryview, length: int) -> "ControlBlockSource":
        """A mapped segment of ``length`` bytes."""
        return cls(oieb, view, -1, length)

    @classmethod
    def file(cls, fd: int, length: int) -> "ControlBlockSource":
        """A segment file open for reading, ``length`` bytes long."""
        return cls(None, None, fd, length)

    def read(self) -> ControlBlock:
        """A fresh snapshot."""
        if self._oieb is not None:
            return ControlBlock.from_mapping(self._oieb, self._view, self._length)  # type: ignore[arg-type]
        data = os.pread(self._fd, L.OIEB_SIZE, 0) if self._length >= L.OIEB_SIZE else b""
        return ControlBlock.from_bytes(data, self._length)
