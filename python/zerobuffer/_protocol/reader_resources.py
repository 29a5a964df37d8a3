"""The OS resources a reader owns for one buffer name (protocol §5.1, §5.4): the lock file, both
semaphores and the initialised segment. Creation either completes or removes everything it
created; closing unlinks every name before releasing the lock, so whoever takes the lock next
finds nothing stale."""

from __future__ import annotations

import logging
import threading
import time
from typing import Optional

from .._primitives import liveness
from .._primitives.lock_file import LockFile, Outcome
from .._primitives.segment import SharedMemorySegment
from .._primitives.semaphore import NamedSemaphore
from ..errors import ReaderAlreadyConnectedError
from . import layout as L
from . import names
from .oieb import Oieb

_log = logging.getLogger("zerobuffer")


class ReaderResources:
    __slots__ = ("name", "_lock", "data_available", "space_available", "segment", "oieb", "_closed", "_close_lock")

    def __init__(self, name: str, lock: LockFile, data_available: NamedSemaphore, space_available: NamedSemaphore,
                 segment: SharedMemorySegment) -> None:
        self.name = name
        self._lock = lock
        self.data_available = data_available
        """sem-w: one token per committed frame; the reader waits on it."""
        self.space_available = space_available
        """sem-r: posted when ring space is returned; the writer waits on it."""
        self.segment = segment
        self.oieb = Oieb(segment.address)
        self._closed = False
        self._close_lock = threading.Lock()

    @classmethod
    def create(cls, name: str, metadata_block_size: int, payload_block_size: int) -> "ReaderResources":
        """Creates the buffer; :class:`ReaderAlreadyConnectedError` when a live reader (or a live
        writer of a crashed reader) owns the name."""
        lock_path = names.lock_file(name)
        lock = _acquire_lock(name, lock_path)

        data_available: Optional[NamedSemaphore] = None
        space_available: Optional[NamedSemaphore] = None
        segment: Optional[SharedMemorySegment] = None
        try:
            _remove_if_stale(name)
            data_available = _create_semaphore(names.data_available_semaphore(name), name)
            space_available = _create_semaphore(names.space_available_semaphore(name), name)
            length = L.segment_length(metadata_block_size, payload_block_size)
            segment = SharedMemorySegment.create_exclusive(names.segment(name), length, name)
            if segment is None:
                raise ReaderAlreadyConnectedError(
                    name, "Buffer '%s' was created concurrently by a reader that does not use the lock file '%s'." % (name, lock_path))
            _initialize(Oieb(segment.address), metadata_block_size, payload_block_size)
            return cls(name, lock, data_available, space_available, segment)
        except BaseException:
            # Remove exactly what this attempt created; the lock goes last.
            if segment is not None:
                segment.close()
                SharedMemorySegment.unlink(segment.os_name)
            for semaphore in (space_available, data_available):
                if semaphore is not None:
                    semaphore.close()
                    NamedSemaphore.unlink(semaphore.os_name)
            lock.release(delete_file=True)
            raise

    def close(self) -> None:
        """Marks the reader gone, unlinks every name, unmaps, and finally drops the lock. Idempotent."""
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        self.oieb.store(L.READER_PID_OFFSET, 0)
        remove_names(self.name)
        self.segment.close()
        self.data_available.close()
        self.space_available.close()
        self._lock.release(delete_file=True)


TRANSIENT_LOCK_WAIT = 1.0
"""Seconds a creator waits for a lock held by something other than a live reader."""


def _acquire_lock(name: str, lock_path: str) -> LockFile:
    """Takes the name's lock. A lock held by a live reader (its PID is in the segment) means the
    name is taken. A lock held by anyone else is transient: a cleaner or another reader's stale
    sweep checking the name, or a reader still creating it. Wait for it briefly (at most
    :data:`TRANSIENT_LOCK_WAIT`) instead of failing with a spurious "already connected"."""
    give_up = time.monotonic() + TRANSIENT_LOCK_WAIT
    pause_ms = 1
    while True:
        outcome, lock = LockFile.try_acquire(lock_path, True, name)
        if outcome is Outcome.ACQUIRED and lock is not None:
            return lock
        reader_pid = _peek_reader_pid(name)
        reader_alive = liveness.is_alive(reader_pid)
        if reader_alive or time.monotonic() > give_up:
            raise ReaderAlreadyConnectedError(
                name,
                "Buffer '%s' already has a live reader (PID %d; its lock file '%s' is held)." % (name, reader_pid, lock_path)
                if reader_alive else "Buffer '%s' already has a reader: its lock file '%s' is held." % (name, lock_path))
        time.sleep(pause_ms / 1000.0)  # back-off while another process holds the lock for a moment
        pause_ms = min(pause_ms * 2, 20)


def _peek_reader_pid(name: str) -> int:
    """The reader PID in the segment of ``name``, read without locking (0 when unknown)."""
    reader_pid, _ = SharedMemorySegment.read_pids(names.segment(name), L.READER_PID_OFFSET, L.WRITER_PID_OFFSET, L.OIEB_SIZE)
    return reader_pid


def _initialize(oieb: Oieb, metadata_block_size: int, payload_block_size: int) -> None:
    # The new object reads as zeros; store every field, then oieb_size last with a release store.
    base_version = L.VERSION_MAJOR | (L.VERSION_MINOR << 8) | (L.VERSION_PATCH << 16)
    oieb.store(L.OIEB_SIZE_OFFSET, base_version << 32)  # u32 oieb_size stays 0; version bytes at 4..7
    oieb.store(L.METADATA_SIZE_OFFSET, metadata_block_size)
    oieb.store(L.METADATA_FREE_BYTES_OFFSET, metadata_block_size)
    oieb.store(L.METADATA_WRITTEN_BYTES_OFFSET, 0)
    oieb.store(L.PAYLOAD_SIZE_OFFSET, payload_block_size)
    oieb.store(L.PAYLOAD_FREE_BYTES_OFFSET, payload_block_size)
    oieb.store(L.PAYLOAD_WRITE_POS_OFFSET, 0)
    oieb.store(L.PAYLOAD_READ_POS_OFFSET, 0)
    oieb.store(L.PAYLOAD_WRITTEN_COUNT_OFFSET, 0)
    oieb.store(L.PAYLOAD_READ_COUNT_OFFSET, 0)
    oieb.store(L.WRITER_PID_OFFSET, 0)
    oieb.store(L.READER_PID_OFFSET, liveness.self_pid())
    oieb.publish_oieb_size()


def _remove_if_stale(name: str) -> None:
    """With our lock held: an existing segment is stale only if neither PID in it is alive; then
    every resource of the name goes. Otherwise the name is in use."""
    existing = SharedMemorySegment.open_existing(names.segment(name), name)
    if existing is None:
        return
    try:
        if existing.length >= L.OIEB_SIZE:
            oieb = Oieb(existing.address)
            reader_pid, writer_pid = oieb.reader_pid(), oieb.writer_pid()
        else:
            reader_pid = writer_pid = 0
    finally:
        existing.close()
    reader_alive, writer_alive = liveness.is_alive(reader_pid), liveness.is_alive(writer_pid)
    if reader_alive or writer_alive:
        raise ReaderAlreadyConnectedError(
            name,
            "Buffer '%s' already has a live reader (PID %d)." % (name, reader_pid) if reader_alive else
            "Buffer '%s' is still in use by writer PID %d although its reader (PID %d) is gone; "
            "it can be recreated once that writer disconnects." % (name, writer_pid, reader_pid))
    _log.info("Removed stale buffer '%s' (reader PID %d, writer PID %d)", name, reader_pid, writer_pid)
    remove_names(name)


def _create_semaphore(os_name: str, buffer_name: str) -> NamedSemaphore:
    semaphore = NamedSemaphore.create_exclusive(os_name, buffer_name)
    if semaphore is not None:
        return semaphore
    # We hold the name's lock and no live segment exists: a leftover from a crash.
    _log.info("Removed orphan semaphore '%s' of buffer '%s'", os_name, buffer_name)
    NamedSemaphore.unlink(os_name)
    semaphore = NamedSemaphore.create_exclusive(os_name, buffer_name)
    if semaphore is None:
        raise ReaderAlreadyConnectedError(buffer_name, "Semaphore '%s' was recreated concurrently." % os_name)
    return semaphore


def remove_names(name: str) -> None:
    """Unlinks the segment and both semaphores of ``name`` (not the lock file)."""
    SharedMemorySegment.unlink(names.segment(name))
    NamedSemaphore.unlink(names.data_available_semaphore(name))
    NamedSemaphore.unlink(names.space_available_semaphore(name))
