"""Removes buffers abandoned by crashed readers (protocol §5.5): for each lock file nobody holds,
the buffer's resources go if neither PID in its segment is alive. A buffer whose lock is held,
or with any live PID, is never touched."""

from __future__ import annotations

import logging
import os
from typing import Optional

from .._primitives import liveness
from .._primitives.lock_file import LockFile, Outcome
from .._primitives.segment import SharedMemorySegment
from ..errors import ZeroBufferError
from . import layout as L
from . import names
from .reader_resources import remove_names

_log = logging.getLogger("zerobuffer")


def sweep(except_name: Optional[str]) -> int:
    """Sweeps the lock directory, skipping ``except_name``; returns how many buffers went. Never raises."""
    directory = names.lock_directory()
    try:
        entries = os.listdir(directory)
    except OSError:
        return 0
    removed = 0
    for entry in entries:
        if not entry.endswith(names.LOCK_FILE_EXTENSION):
            continue
        name = entry[: -len(names.LOCK_FILE_EXTENSION)]
        if name == except_name or not names.is_valid(name):
            continue
        try:
            removed += 1 if try_remove(name, os.path.join(directory, entry)) else 0
        except (ZeroBufferError, OSError) as ex:
            _log.warning("Stale sweep skipped buffer '%s': %s", name, ex)
    return removed


def try_remove(name: str, lock_path: Optional[str] = None) -> bool:
    """Removes ``name`` if it is abandoned (lock free, no live PID); True when removed."""
    path = lock_path or names.lock_file(name)
    outcome, lock = LockFile.try_acquire(path, False, name)
    if outcome is not Outcome.ACQUIRED or lock is None:
        return False
    try:
        reader_pid, writer_pid = SharedMemorySegment.read_pids(
            names.segment(name), L.READER_PID_OFFSET, L.WRITER_PID_OFFSET, L.OIEB_SIZE)
        if liveness.is_alive(reader_pid) or liveness.is_alive(writer_pid):
            lock.release(delete_file=False)
            return False
        remove_names(name)
        lock.release(delete_file=True)
        _log.info("Removed stale buffer '%s' (reader PID %d, writer PID %d)", name, reader_pid, writer_pid)
        return True
    except BaseException:
        lock.release(delete_file=False)
        raise
