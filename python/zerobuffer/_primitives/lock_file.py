"""An exclusive ``flock`` on a lock file, which the kernel releases when its holder dies
(protocol §1, §5.6): a reader holds its ``/tmp`` lock files for its lifetime (excluding the other
implementations), and creators and cleaners hold a name's locks while the name changes hands.

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
from .._interop import errno_codes
from ..errors import BufferAccessDeniedError, SystemCallError, ZeroBufferError
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
    def try_acquire(path: str, create: bool, buffer_name: Optional[str],
                    mode: int = file_modes.OWNER_ONLY) -> tuple[Outcome, Optional["LockFile"]]:
        """Takes the lock on ``path``, creating the file (and its directory, mode 01777) with
        ``mode`` when ``create``. The returned lock's :attr:`created` tells whether this call
        created the file it locked (``O_EXCL``): a cleaner deletes a lock file it created only to
        check a name. A file this process may not open: :class:`BufferAccessDeniedError`."""
        if create:
            _ensure_directory(os.path.dirname(path), buffer_name)
        # O_NOFOLLOW: a symlink planted at the lock path is refused (ELOOP), never followed.
        flags = os.O_RDWR | os.O_CLOEXEC | libc.O_NOFOLLOW
        while True:
            fd = -1
            if create:
                try:
                    fd = os.open(path, flags | os.O_CREAT | os.O_EXCL, mode)
                except FileExistsError:
                    fd = -1
                except InterruptedError:
                    continue
                except OSError as ex:
                    raise _open_error(buffer_name, path, ex) from None
            created = fd >= 0
            if not created:
                try:
                    fd = os.open(path, flags)
                except FileNotFoundError:
                    if create:
                        continue  # deleted between the exclusive create and the open: create it
                    return (Outcome.MISSING, None)
                except InterruptedError:
                    continue
                except OSError as ex:
                    raise _open_error(buffer_name, path, ex) from None
            if created:
                # Only a file this call created: never change the mode of someone else's file.
                try:
                    os.fchmod(fd, mode)  # whatever the umask
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
        """Whether a live process holds the lock on ``path`` (False when the file is missing).
        :class:`BufferAccessDeniedError` when the file cannot be opened."""
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


def _open_error(buffer_name: Optional[str], path: str, ex: OSError) -> ZeroBufferError:
    if ex.errno in (errno_codes.EACCES, errno_codes.EPERM):
        return BufferAccessDeniedError.for_path(buffer_name, path)
    return SystemCallError(buffer_name, 'open("%s")' % path, ex.errno or 0)


def _ensure_directory(directory: str, buffer_name: Optional[str]) -> None:
    """Creates the lock directory (and its parent) when missing, mode 01777 like /tmp: every user's
    readers put their locks there, only a file's owner may delete it."""
    if os.path.isdir(directory):
        return
    parent = os.path.dirname(directory)
    if parent and parent != directory and not os.path.isdir(parent):
        _ensure_directory(parent, buffer_name)
    try:
        os.mkdir(directory, file_modes.SHARED_DIRECTORY)
    except FileExistsError:
        return  # created by someone else meanwhile: theirs to set up
    except OSError as ex:
        raise ZeroBufferError(buffer_name, "Cannot create the lock directory '%s': %s" % (directory, ex)) from ex
    try:
        os.chmod(directory, file_modes.SHARED_DIRECTORY)  # whatever the umask
    except OSError:
        pass
