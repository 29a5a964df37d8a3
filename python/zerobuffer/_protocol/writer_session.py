"""A writer's claim on a buffer (protocol §5.2, §5.3): ``writer_pid``, and with writer sessions
(§2.4) the writer lock on the segment and the session word, whose generation every connect bumps.

:meth:`WriterSession.connect` takes the writer lock, decides whether ``writer_pid`` can be claimed,
finishes the commit of a predecessor of ours that died half-way (the commit record), stores the
new session and claims ``writer_pid`` by compare-and-swap. :meth:`close` ends the stream on purpose
(state "closed", then the PID, then the lock); :meth:`give_up` lets go of a buffer whose reader is gone.
"""

from __future__ import annotations

import logging
import struct
from typing import Optional

from .._primitives import liveness, range_lock
from .._primitives.semaphore import NamedSemaphore
from ..errors import WriterAlreadyConnectedError
from . import extension_words as X
from . import layout as L
from .control_block import ControlBlock
from .oieb import Oieb

_log = logging.getLogger("zerobuffer")
_HEADER = struct.Struct("<QQ")  # a frame header: length, sequence (unaligned, in the ring)


class WriterSession:
    """The claim of one connected writer. Not thread-safe: the writer serialises its calls."""

    __slots__ = ("name", "_oieb", "_fd", "pid", "uses_sessions", "keeps_commit_record", "_session", "_claimed", "_locked")

    def __init__(self, name: str, oieb: Oieb, fd: int, pid: int, uses_sessions: bool, keeps_commit_record: bool,
                 session: Optional[X.Session]) -> None:
        self.name = name
        self._oieb = oieb
        self._fd = fd
        self.pid = pid
        """The PID stored in writer_pid (and the session's tag)."""
        self.uses_sessions = uses_sessions
        """The buffer advertises writer sessions: this writer holds the writer lock and keeps the session words."""
        self.keeps_commit_record = keeps_commit_record
        """The buffer advertises the commit record: every commit stores it (§3.5 step 3)."""
        self._session = session
        self._claimed = True
        self._locked = uses_sessions

    @property
    def session(self) -> Optional[X.Session]:
        return self._session

    @property
    def is_claimed(self) -> bool:
        """Whether this writer still holds its claim (not closed, not given up)."""
        return self._claimed

    @classmethod
    def connect(cls, name: str, oieb: Oieb, block: ControlBlock, fd: int, data_available: NamedSemaphore,
                view: memoryview) -> "WriterSession":
        """Steps 5 to 9 of §5.2 on a validated control block whose reader is alive. ``fd`` is the
        segment descriptor that will carry the writer lock (one not used for the mapping); ``view``
        the mapped segment (to find a predecessor's interrupted frame in the ring)."""
        pid = liveness.self_pid()
        sessions = block.advertises_writer_sessions
        record = sessions and block.advertises_commit_record
        if sessions and not range_lock.try_lock(fd, L.WRITER_LOCK_OFFSET, L.LIVENESS_LOCK_LENGTH):
            raise WriterAlreadyConnectedError(name, "Buffer '%s' already has a live writer (PID %d in its own PID namespace; "
                                                    "it holds the writer lock)." % (name, oieb.writer_pid()))
        try:
            while True:
                found = oieb.writer_pid()
                session = X.unpack_session(oieb.load(L.WRITER_SESSION_OFFSET))
                ours_died = False
                if found == 0:
                    pass
                elif sessions and session.tag == found and session.state in (L.SESSION_STATE_CONNECTED, L.SESSION_STATE_CLOSED):
                    # One of ours, and its lock was free: gone, whatever its PID names in this namespace.
                    ours_died = session.is_connected
                elif liveness.is_alive(found):
                    raise WriterAlreadyConnectedError(name, "Buffer '%s' already has a live writer (PID %d)." % (name, found))
                new_session: Optional[X.Session] = None
                if sessions:
                    if record and ours_died:
                        _finish_commit(name, oieb, view, block.payload_size, block.metadata_size, data_available)
                    write_pos = oieb.load(L.PAYLOAD_WRITE_POS_OFFSET)
                    count = oieb.written_count()
                    new_session = X.Session(pid, X.next_generation(session.generation), L.SESSION_STATE_CONNECTED)
                    if record:
                        oieb.store(L.COMMIT_RECORD_OFFSET, X.pack_commit_record(write_pos, count))  # "nothing in flight"
                    oieb.store(L.SESSION_START_OFFSET, count)
                    oieb.store(L.WRITER_SESSION_OFFSET, new_session.pack())
                if oieb.compare_exchange_writer_pid(found, pid) == found:
                    return cls(name, oieb, fd, pid, sessions, record, new_session)
                # Only a writer that ignores the writer lock can have changed it meanwhile: decide again.
        except BaseException:
            if sessions:
                range_lock.unlock(fd, L.WRITER_LOCK_OFFSET, L.LIVENESS_LOCK_LENGTH)
            raise

    def record_commit(self, write_pos: int, written_count: int) -> None:
        """§3.5 step 4: the position and count the commit in flight publishes (``write_pos``
        already 0 after an exact fit), stored right before the count."""
        self._oieb.store(L.COMMIT_RECORD_OFFSET, X.pack_commit_record(write_pos, written_count))

    def close(self) -> None:
        """Dispose (§5.3): state "closed" first, then ``writer_pid`` from our PID to 0 (only while
        the claim is ours), then the writer lock is dropped, explicitly: a mapping of the segment
        keeps its open file description, and with it any lock taken on it, alive after the
        descriptor is closed (ours is taken on a description that is not mapped, and released here
        all the same). Idempotent."""
        if self._claimed:
            self._claimed = False
            session = self._session
            if session is not None:
                self._oieb.store(L.WRITER_SESSION_OFFSET, session._replace(state=L.SESSION_STATE_CLOSED).pack())
            self._oieb.compare_exchange_writer_pid(self.pid, 0)
        self._unlock()

    def give_up(self) -> None:
        """The reader is gone (§5.3): ``writer_pid`` from our PID to 0 and the writer lock released,
        so the name is stale and a new reader can recreate it. The session stays "connected"."""
        if self._claimed:
            self._claimed = False
            self._oieb.compare_exchange_writer_pid(self.pid, 0)
        self._unlock()

    def abandon_claim(self) -> None:
        """A failed connect after the claim: only our own PID is ever cleared."""
        self.give_up()

    def _unlock(self) -> None:
        if self._locked:
            self._locked = False
            try:
                range_lock.unlock(self._fd, L.WRITER_LOCK_OFFSET, L.LIVENESS_LOCK_LENGTH)
            except Exception:  # the descriptor's close drops it anyway
                pass


def _finish_commit(name: str, oieb: Oieb, view: memoryview, ring_size: int, metadata_size: int, data_available: NamedSemaphore) -> None:
    """§5.2 step 7: a predecessor of ours died in the middle of a commit, after it charged free bytes and stored its
    position, before it published its count. Its frame is complete (header and data come before the charge): publish
    it, once. Either the record already names the commit (it died between record and count), or the record still
    names the previous commit while the position moved on (it died between position and record): then the frame is
    found in the ring at the record's position and must end exactly at the stored one."""
    count = oieb.written_count()
    write_pos = oieb.load(L.PAYLOAD_WRITE_POS_OFFSET)
    record = X.unpack_commit_record(oieb.load(L.COMMIT_RECORD_OFFSET))
    items = X.count_ahead(record, count)
    if items not in (1, 2):
        items = 0
        if X.count_ahead(record, count) == 0 and record.write_pos != write_pos:
            items = _items_of_the_frame_at(view, ring_size, metadata_size, record.write_pos, write_pos)
    if items == 0 or record.write_pos > ring_size:
        return
    published = count + items
    oieb.store(L.COMMIT_RECORD_OFFSET, X.pack_commit_record(write_pos, published))
    oieb.store(L.PAYLOAD_WRITTEN_COUNT_OFFSET, published)  # release: the predecessor's header and data first
    data_available.post()
    _log.warning("Buffer '%s': finished the commit of a previous writer that died in the middle of it (written count now %d)",
                 name, published)


def _items_of_the_frame_at(view: memoryview, ring_size: int, metadata_size: int, start: int, write_pos: int) -> int:
    """How many items (1, or 2 with a wrap marker) a commit placed at ``start`` wrote, when the frame the ring holds
    there ends exactly at ``write_pos``; 0 otherwise. The placement rules of §3.1: an implicit wrap over a tail under
    16 bytes, or a marker {0, 0} (never at 0) with the frame at 0 behind it."""
    ring = L.payload_offset(metadata_size)
    position = 0 if start >= ring_size else start
    items = 1
    if ring_size - position < L.FRAME_HEADER_SIZE:
        position = 0
    elif _HEADER.unpack_from(view, ring + position)[0] == L.WRAP_MARKER_LENGTH:
        if _HEADER.unpack_from(view, ring + position)[1] != 0 or position == 0:
            return 0
        items = 2
        position = 0
    length, sequence = _HEADER.unpack_from(view, ring + position)
    if length == 0 or sequence == 0 or position + L.FRAME_HEADER_SIZE + length > ring_size:
        return 0
    end = position + L.FRAME_HEADER_SIZE + length
    return items if _normal(end, ring_size) == write_pos else 0


def _normal(position: int, ring_size: int) -> int:
    return 0 if position == ring_size else position
