"""Whether a buffer's reader and writer are alive, closed on purpose, dead or absent: the tables
of protocol §6.1, in one place, for every side that asks (reader, writer, creator, census).

Between our peers the answer comes from the liveness locks on the segment (§2.4), which the
kernel drops when the holder's descriptor closes, however the holder ends: it holds across PID
and mount namespaces and cannot be fooled by a reused PID. A buffer without the advertisement (an
upstream reader created it), and a writer that does not take the writer lock, are judged by the
PID rule (:func:`zerobuffer._primitives.liveness.is_alive`), as in protocol 1.0.
"""

from __future__ import annotations

import dataclasses
import enum
import os
import stat
from typing import NamedTuple, Optional

from .._interop import errno_codes
from .._primitives import liveness, range_lock
from .._primitives.deadline import LIVENESS_SLICE_MS
from ..errors import ZeroBufferError
from . import layout as L
from .control_block import ControlBlock, ControlBlockSource

LIVENESS_INTERVAL = LIVENESS_SLICE_MS / 1000.0
"""Seconds between two looks at a peer while waiting or polling, for every check of every side
(protocol §6.1, the liveness interval): the one cadence, equal to the longest wait slice (as C#'s
``PeerLiveness.CheckInterval`` is ``Deadline.LivenessSlice``)."""


class ReaderState(enum.Enum):
    ALIVE = "Alive"
    """Its reader lock is held and reader_pid set, or, without the lock, its PID is alive."""
    CLOSING = "Closing"
    """Its reader lock is held but reader_pid is already 0: it is disposing (§5.4). Present (the name
    is in use), but it reads nothing more: a writer reports it as closed."""
    CLOSED = "Closed"
    """It disposed the buffer on purpose: reader_pid 0 and its lock free."""
    DEAD = "Dead"
    """It died: reader_pid set and its lock free, or (without the lock) its PID is dead."""
    ABSENT = "Absent"
    """An upstream reader's reader_pid 0: closed, or never there."""


class WriterState(enum.Enum):
    ALIVE = "Alive"
    CLOSED = "Closed"
    """It ended the stream on purpose (a clean end of stream, protocol §6.2)."""
    DEAD = "Dead"
    ABSENT = "Absent"
    """No writer: none yet, one that gave up its claim, or one that does not know the extensions and left."""


class WriterStatus(NamedTuple):
    state: WriterState
    ours: bool
    """The writer knows the extension words (it holds the writer lock, or the session describes it):
    it charges free bytes before it publishes a count."""


def pid_state(pid: int) -> ReaderState:
    """The PID rule: ABSENT for 0, else ALIVE or DEAD (the same three names serve the writer)."""
    if pid == 0:
        return ReaderState.ABSENT
    return ReaderState.ALIVE if liveness.is_alive(pid) else ReaderState.DEAD


_WRITER_BY_PID = {ReaderState.ALIVE: WriterState.ALIVE, ReaderState.DEAD: WriterState.DEAD, ReaderState.ABSENT: WriterState.ABSENT}


class PeerLiveness:
    """Judges the peers of one segment through ``fd``, any descriptor of it (read-only will do).
    A lock held by ``fd``'s own open file description does not count, so a side never asks about
    its own lock."""

    __slots__ = ("_fd",)

    def __init__(self, fd: int) -> None:
        self._fd = fd

    def reader_lock_held(self) -> bool:
        return range_lock.is_locked_by_other(self._fd, L.READER_LOCK_OFFSET, L.LIVENESS_LOCK_LENGTH)

    def writer_lock_held(self) -> bool:
        return range_lock.is_locked_by_other(self._fd, L.WRITER_LOCK_OFFSET, L.LIVENESS_LOCK_LENGTH)

    def reader(self, source: ControlBlockSource) -> tuple[ReaderState, ControlBlock]:
        """Protocol §6.1, "Is the reader alive?", with the snapshot the verdict rests on: read
        after the lock was asked about, so everything the reader stored before its lock went (its
        PID back to 0 when it closed) is in it, and a reader that closes meanwhile is seen closed,
        never dead."""
        block = source.read()
        if not block.advertises_reader_lock:
            return pid_state(block.reader_pid), block
        held = self.reader_lock_held()
        block = source.read()
        if held:
            return (ReaderState.CLOSING if block.reader_pid == 0 else ReaderState.ALIVE), block
        return (ReaderState.CLOSED if block.reader_pid == 0 else ReaderState.DEAD), block

    def writer(self, source: ControlBlockSource) -> tuple[WriterStatus, ControlBlock]:
        """Protocol §6.1, "Is the writer alive?", with the snapshot the verdict rests on. The lock
        is asked first and the block read after it, so a writer that closed in between is seen
        closed, not dead; and asked once more before a verdict of "gone", so a writer that
        connected in between is seen alive."""
        block = source.read()
        if not block.advertises_writer_sessions:
            return WriterStatus(_WRITER_BY_PID[pid_state(block.writer_pid)], False), block
        if self.writer_lock_held():
            return WriterStatus(WriterState.ALIVE, True), block
        block = source.read()
        status = _writer_without_its_lock(block)
        if status.state is not WriterState.ALIVE and self.writer_lock_held():
            return WriterStatus(WriterState.ALIVE, True), source.read()
        return status, block


def _writer_without_its_lock(block: ControlBlock) -> WriterStatus:
    """The writer's state when its lock was free when asked, from a block read after that."""
    pid = block.writer_pid
    session = block.session
    if pid == 0:
        if session.is_closed and block.commit_record_matches:
            return WriterStatus(WriterState.CLOSED, True)
        return WriterStatus(WriterState.ABSENT, False)
    if session.tag == pid and session.is_connected:
        return WriterStatus(WriterState.DEAD, True)  # one of ours, whatever its PID names now
    if session.tag == pid and session.is_closed:
        return WriterStatus(WriterState.CLOSED, True)  # it died after finishing its close
    return WriterStatus(_WRITER_BY_PID[pid_state(pid)], False)  # a writer that does not take the lock (upstream)


def is_present(state: ReaderState) -> bool:
    """Whether a reader still holds the name: alive, or closing."""
    return state is ReaderState.ALIVE or state is ReaderState.CLOSING


@dataclasses.dataclass(frozen=True)
class SegmentLook:
    """What a look at ``/dev/shm/N`` through the file (no mapping) found."""

    exists: bool
    unreadable: bool = False
    """It exists but could not be read (another user's, or not a regular file): its owners cannot be checked."""
    block: Optional[ControlBlock] = None
    """None when missing or unreadable; a short or uninitialised one otherwise tells by its status."""
    reader: ReaderState = ReaderState.ABSENT
    writer: WriterStatus = WriterStatus(WriterState.ABSENT, False)
    owner_uid: int = -1
    mode: int = 0
    not_a_file: bool = False
    """It exists but is not a regular file (a FIFO, a directory...): no segment at all."""

    @property
    def reader_closing(self) -> bool:
        return self.reader is ReaderState.CLOSING




def look(path: str) -> SegmentLook:
    """Reads the control block of the segment at ``path`` and judges its peers, through a
    read-only descriptor (the locks are asked with ``F_OFD_GETLK``, which takes nothing). Opened
    ``O_NONBLOCK``, and only a regular file is read: anyone can plant a FIFO in ``/dev/shm``, and
    opening one for reading would wait for a writer for ever."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return SegmentLook(exists=False)
    except OSError as ex:
        owner, mode = _owner(path)
        return SegmentLook(exists=ex.errno != errno_codes.ENOENT, unreadable=True, owner_uid=owner, mode=mode)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return SegmentLook(exists=True, unreadable=True, owner_uid=info.st_uid, mode=info.st_mode & 0o7777, not_a_file=True)
        source = ControlBlockSource.file(fd, info.st_size)
        block = source.read()
        peers = PeerLiveness(fd)
        if not block.is_initialised:
            # Not initialised: its creator may still be at work (a reader takes its lock before oieb_size).
            creating = peers.reader_lock_held()
            return SegmentLook(True, False, block, ReaderState.ALIVE if creating else ReaderState.ABSENT,
                               owner_uid=info.st_uid, mode=info.st_mode & 0o7777)
        reader, _ = peers.reader(source)
        writer, block = peers.writer(source)
        return SegmentLook(True, False, block, reader, writer, info.st_uid, info.st_mode & 0o7777)
    except (OSError, ZeroBufferError):
        owner, mode = _owner(path)
        return SegmentLook(exists=True, unreadable=True, owner_uid=owner, mode=mode)
    finally:
        os.close(fd)


def _owner(path: str) -> tuple[int, int]:
    try:
        info = os.stat(path, follow_symlinks=False)
        return info.st_uid, info.st_mode & 0o7777
    except OSError:
        return -1, 0
