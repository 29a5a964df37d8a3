"""An exclusive ``flock`` the kernel releases when its holder dies: the reader's liveness signal
that PID reuse cannot fool (protocol §1, §5.6).

Lock files are deleted only by a holder of the lock. After taking a lock, the taker checks that
the path still names the file it locked (device and inode); if the file was deleted (and maybe
recreated) in between, the lock is worthless and it tries again.
"""

from __future__ import annotations

import enum
import fcntl
import os
from typing import Optional

from .._interop import libc
from ..errors import SystemCallError, ZeroBufferError
from . import file_modes


class Outcome(enum.Enum):
    ACQUIRED = "acquired"
    HELD = "held"
    MISSING = "missing"


class LockFile:
    """A held lock. :meth:`release` is idempotent."""

    __slots__ = ("path", "_fd", "created")

    def __init__(self, path: str, fd: int, created: bool = False) -> None:
        self.path = path
        self._fd = fd
        self.created = created
        """Whether the call that took this lock created the file (``O_CREAT | O_EXCL`` succeeded)."""

    @staticmethod
    def try_acquire(path: str, create: bool, buffer_name: Optional[str]) -> tuple[Outcome, Optional["LockFile"]]:
        """Takes the lock on ``path``, creating the file (mode 0666) when ``create``. The returned
        lock's :attr:`created` tells whether this call created the file it locked (``O_EXCL``): a
        cleaner deletes a lock file it created only to check a name."""
        if create:
            _ensure_directory(os.path.dirname(path), buffer_name)
        # O_NOFOLLOW: a symlink planted at the lock path is refused (ELOOP), never followed.
        flags = os.O_RDWR | os.O_CLOEXEC | libc.O_NOFOLLOW
        while True:
            fd = -1
            if create:
                try:
                    fd = os.open(path, flags | os.O_CREAT | os.O_EXCL, file_modes.SHARED)
                except FileExistsError:
                    fd = -1
                except InterruptedError:
                    continue
                except OSError as ex:
                    raise SystemCallError(buffer_name, 'open("%s")' % path, ex.errno or 0) from None
            created = fd >= 0
            if not created:
                try:
                    fd = os.open(path, flags, file_modes.SHARED)
                except FileNotFoundError:
                    if create:
                        continue  # deleted between the exclusive create and the open: create it
                    return (Outcome.MISSING, None)
                except InterruptedError:
                    continue
                except OSError as ex:
                    raise SystemCallError(buffer_name, 'open("%s")' % path, ex.errno or 0) from None
            if created:
                # Only a file this call created: never change the mode of someone else's file.
                try:
                    os.fchmod(fd, file_modes.SHARED)
                except OSError:
                    pass
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return (Outcome.HELD, None)
            except InterruptedError:
                os.close(fd)
                continue
            except OSError as ex:
                os.close(fd)
                raise SystemCallError(buffer_name, 'flock("%s")' % path, ex.errno or 0) from None
            if _still_names(path, fd):
                return (Outcome.ACQUIRED, LockFile(path, fd, created))
            # The file we locked was deleted (and maybe recreated) by its previous holder: retry.
            os.close(fd)
            if not create and not os.path.exists(path):
                return (Outcome.MISSING, None)

    @staticmethod
    def is_held(path: str) -> bool:
        """Whether a live process holds the lock on ``path`` (False when the file is missing)."""
        outcome, probe = LockFile.try_acquire(path, False, None)
        if probe is not None:
            probe.release(delete_file=False)
        return outcome is Outcome.HELD

    def release(self, delete_file: bool) -> None:
        """Releases the lock, first deleting the file when ``delete_file`` (safe: we hold it)."""
        fd, self._fd = self._fd, -1
        if fd < 0:
            return
        if delete_file:
            try:
                os.unlink(self.path)
            except OSError:
                pass
        os.close(fd)  # closing drops the flock


def _still_names(path: str, fd: int) -> bool:
    try:
        opened = os.fstat(fd)
        named = os.stat(path)
    except OSError:
        return False
    return opened.st_dev == named.st_dev and opened.st_ino == named.st_ino


def _ensure_directory(directory: str, buffer_name: Optional[str]) -> None:
    if os.path.isdir(directory):
        return
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as ex:
        raise ZeroBufferError(buffer_name, "Cannot create the lock directory '%s': %s" % (directory, ex)) from ex
    try:
        os.chmod(directory, file_modes.SHARED_DIRECTORY)  # every user's readers put their locks here
    except OSError:
        pass
