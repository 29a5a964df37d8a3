"""The OS resources a reader owns for one buffer name (protocol §5.1, §5.4): its lock files, both
semaphores, the initialised segment and the reader lock on it. Creation either completes or
removes everything it created; closing unlinks every name before releasing the locks, so whoever
takes a lock next finds nothing stale."""

from __future__ import annotations

import logging
import threading
from typing import Optional

from .._primitives import liveness, range_lock
from .._primitives.segment import SharedMemorySegment
from .._primitives.semaphore import NamedSemaphore
from ..errors import BufferAccessDeniedError, ReaderAlreadyConnectedError
from . import extension_words as X
from . import layout as L
from . import names
from .name_locks import TRANSIENT_LOCK_WAIT, NameLocks, acquire_for_create  # noqa: F401  (TRANSIENT_LOCK_WAIT re-exported)
from .oieb import Oieb
from .peer_liveness import ReaderState, WriterState, look

_log = logging.getLogger("zerobuffer")


class ReaderResources:
    __slots__ = ("name", "_locks", "data_available", "space_available", "segment", "oieb", "_closed", "_close_lock")

    def __init__(self, name: str, locks: NameLocks, data_available: NamedSemaphore, space_available: NamedSemaphore,
                 segment: SharedMemorySegment) -> None:
        self.name = name
        self._locks = locks
        self.data_available = data_available
        """sem-w: one token per committed frame; the reader waits on it."""
        self.space_available = space_available
        """sem-r: posted when ring space is returned; the writer waits on it."""
        self.segment = segment
        """The mapped segment; its descriptor carries the reader lock."""
        self.oieb = Oieb(segment.address)
        self._closed = False
        self._close_lock = threading.Lock()

    @classmethod
    def create(cls, name: str, metadata_block_size: int, payload_block_size: int, mode: int, extra_features: int = 0) -> "ReaderResources":
        """Creates the buffer with permission bits ``mode``, advertising ``extra_features`` besides
        ours (a duplex client's response reader: FEATURE_DUPLEX_ERRORS); :class:`ReaderAlreadyConnectedError`
        when a live reader (or a live writer of a crashed reader) owns the name."""
        locks = acquire_for_create(name, mode, lambda held_path: _live_reader(name, held_path), lambda held: _remove_if_stale(name))

        data_available: Optional[NamedSemaphore] = None
        space_available: Optional[NamedSemaphore] = None
        segment: Optional[SharedMemorySegment] = None
        try:
            data_available = _create_semaphore(names.data_available_semaphore(name), name, mode)
            space_available = _create_semaphore(names.space_available_semaphore(name), name, mode)
            length = L.segment_length(metadata_block_size, payload_block_size)
            segment = SharedMemorySegment.create_exclusive(names.segment(name), length, name, mode)
            if segment is None:
                raise ReaderAlreadyConnectedError(
                    name, "Buffer '%s' was created concurrently by a reader that does not use the lock files." % name)
            if not range_lock.try_lock(segment.fd, L.READER_LOCK_OFFSET, L.LIVENESS_LOCK_LENGTH):
                raise ReaderAlreadyConnectedError(name, "The reader lock of the new segment of buffer '%s' is already held." % name)
            _initialize(Oieb(segment.address), metadata_block_size, payload_block_size, extra_features)
            locks.drop_name_lock()  # the name has changed hands; the /tmp locks stay held
            return cls(name, locks, data_available, space_available, segment)
        except BaseException:
            # Remove exactly what this attempt created; the locks go last.
            if segment is not None:
                segment.close()
                SharedMemorySegment.unlink(segment.os_name)
            for semaphore in (space_available, data_available):
                if semaphore is not None:
                    semaphore.close()
                    NamedSemaphore.unlink(semaphore.os_name)
            locks.release(delete_all=True)
            raise

    def close(self) -> None:
        """Protocol §5.4: marks the reader closing, unlinks the semaphores then the segment, unmaps
        and closes the segment's descriptor (dropping the reader lock), and only then deletes and
        releases the lock files. Idempotent."""
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        self.oieb.store(L.READER_PID_OFFSET, 0)
        NamedSemaphore.unlink(self.data_available.os_name)
        NamedSemaphore.unlink(self.space_available.os_name)
        SharedMemorySegment.unlink(self.segment.os_name)
        self.data_available.close()
        self.space_available.close()
        self.segment.close()
        self._locks.release_tmp_locks()


def _live_reader(name: str, held_path: str) -> Optional[str]:
    """A lock of ``name`` is held: the message of a live reader that owns it, or None (a transient holder)."""
    seen = look(names.segment_file(name))
    if seen.block is None or seen.reader is not ReaderState.ALIVE:
        return None  # a closing reader, like any other holder, lets go in a moment
    return "Buffer '%s' already has a live reader (PID %d; its lock file '%s' is held)." % (name, seen.block.reader_pid, held_path)


def _initialize(oieb: Oieb, metadata_block_size: int, payload_block_size: int, extra_features: int) -> None:
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
    # The advertisement (§2.4); the writer words stay 0 until a writer of ours connects.
    oieb.store(L.EXTENSION_MAGIC_OFFSET, X.pack_advertisement(X.features_for(payload_block_size) | extra_features))
    oieb.store(L.WRITER_SESSION_OFFSET, 0)
    oieb.store(L.SESSION_START_OFFSET, 0)
    oieb.store(L.COMMIT_RECORD_OFFSET, 0)
    oieb.publish_oieb_size()


def _remove_if_stale(name: str) -> bool:
    """With the locks held (§5.1 step 4): True when the name is free to create (an existing segment
    was stale and is gone), False when its reader is closing (a transient holder). Raises
    :class:`ReaderAlreadyConnectedError` when a live reader or writer owns it (or its path holds
    something that is not a regular file), and :class:`BufferAccessDeniedError` when its segment
    cannot even be read."""
    seen = look(names.segment_file(name))
    if seen.not_a_file:
        raise ReaderAlreadyConnectedError(name, "Buffer '%s' cannot be created: '%s' exists and is not a regular file "
                                                "(not a shared-memory segment)." % (name, names.segment_file(name)))
    if seen.unreadable:
        raise BufferAccessDeniedError(name, names.segment_file(name), seen.owner_uid, seen.mode)
    block = seen.block
    if block is None:
        return True
    if seen.reader is ReaderState.CLOSING:
        return False
    if seen.reader is ReaderState.ALIVE:
        raise ReaderAlreadyConnectedError(name, "Buffer '%s' already has a live reader (PID %d)." % (name, block.reader_pid))
    if seen.writer.state is WriterState.ALIVE:
        raise ReaderAlreadyConnectedError(
            name, "Buffer '%s' is still in use by writer PID %d although its reader (PID %d) is gone; "
                  "it can be recreated once that writer disconnects." % (name, block.writer_pid, block.reader_pid))
    _log.info("Removed stale buffer '%s' (reader PID %d, writer PID %d)", name, block.reader_pid, block.writer_pid)
    remove_names(name)
    return True


def _create_semaphore(os_name: str, buffer_name: str, mode: int) -> NamedSemaphore:
    semaphore = NamedSemaphore.create_exclusive(os_name, buffer_name, mode=mode)
    if semaphore is not None:
        return semaphore
    # We hold the name's locks and no live segment exists: a leftover from a crash.
    _log.info("Removed orphan semaphore '%s' of buffer '%s'", os_name, buffer_name)
    NamedSemaphore.unlink(os_name)
    semaphore = NamedSemaphore.create_exclusive(os_name, buffer_name, mode=mode)
    if semaphore is None:
        raise ReaderAlreadyConnectedError(buffer_name, "Semaphore '%s' was recreated concurrently." % os_name)
    return semaphore


def remove_names(name: str) -> None:
    """Unlinks both semaphores, then the segment of ``name`` (not the lock files): in this order, a
    creator that still finds the segment never takes semaphores for leftovers while they are being removed (§5.4)."""
    NamedSemaphore.unlink(names.data_available_semaphore(name))
    NamedSemaphore.unlink(names.space_available_semaphore(name))
    SharedMemorySegment.unlink(names.segment(name))
