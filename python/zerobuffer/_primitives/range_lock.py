"""Open-file-description byte-range locks (``F_OFD_SETLK`` / ``F_OFD_GETLK``, Linux 3.15+): the
liveness locks of protocol §2.4.

Such a lock belongs to the open file description, not to the process: the kernel drops it when the
last descriptor of that description closes, whatever the reason (a SIGKILL included), so a dead
holder never looks alive and a process that reuses its PID does not hold it. Two descriptions
conflict even inside one process, and closing another descriptor of the same file does not drop
it (it would with classic ``F_SETLK`` locks). Locks are advisory: they change nothing about access
to the bytes. They live on the inode, so every process that shares ``/dev/shm`` sees them, from
any PID or mount namespace.

A mapping of the file holds a reference to the description it was made from (and Python's ``mmap``
a duplicate of its descriptor), so a lock must be taken on a description that is not mapped, or it
would outlive the holder's close for as long as a view of the mapping survives.
"""

from __future__ import annotations

import errno as _errno
import fcntl
import os
import struct

from ..errors import SystemCallError

F_OFD_GETLK = 36
F_OFD_SETLK = 37

_FLOCK = struct.Struct("hhxxxxqqixxxx")
"""``struct flock`` on 64-bit Linux: l_type, l_whence, (pad), l_start, l_len, l_pid, (pad); 32 bytes."""


def _request(kind: int, start: int, length: int) -> bytes:
    # l_pid must be 0 for the OFD commands.
    return _FLOCK.pack(kind, os.SEEK_SET, start, length, 0)


def try_lock(fd: int, start: int, length: int) -> bool:
    """Takes a write lock on ``[start, start + length)`` for the description of ``fd`` (opened
    read-write); False when another description holds a conflicting lock."""
    while True:
        try:
            fcntl.fcntl(fd, F_OFD_SETLK, _request(fcntl.F_WRLCK, start, length))
            return True
        except InterruptedError:
            continue
        except OSError as ex:
            if ex.errno in (_errno.EAGAIN, _errno.EACCES):
                return False
            raise SystemCallError(None, "fcntl(F_OFD_SETLK, %d+%d)" % (start, length), ex.errno or 0) from None


def unlock(fd: int, start: int, length: int) -> None:
    """Drops this description's lock on the range (nothing happens when it holds none)."""
    try:
        fcntl.fcntl(fd, F_OFD_SETLK, _request(fcntl.F_UNLCK, start, length))
    except OSError as ex:
        raise SystemCallError(None, "fcntl(F_OFD_SETLK, F_UNLCK, %d+%d)" % (start, length), ex.errno or 0) from None


def is_locked_by_other(fd: int, start: int, length: int) -> bool:
    """Whether a description other than that of ``fd`` holds a lock on part of the range. ``fd`` may
    be read-only; a lock held by ``fd``'s own description does not count."""
    try:
        answer = fcntl.fcntl(fd, F_OFD_GETLK, _request(fcntl.F_WRLCK, start, length))
    except OSError as ex:
        raise SystemCallError(None, "fcntl(F_OFD_GETLK, %d+%d)" % (start, length), ex.errno or 0) from None
    return _FLOCK.unpack(answer)[0] != fcntl.F_UNLCK
