"""A POSIX shared-memory object (``/dev/shm/N``) mapped read-write into this process.

The segment keeps a descriptor of its own open file description (:attr:`fd`) for its lifetime:
the liveness locks of protocol §2.4 live on it, and closing it (in :meth:`close`) drops them. The
mapping is made from a second description of the same file, because a mapping keeps its
description alive: a lock taken on it would outlive :meth:`close` for as long as a user view of
the memory survives.

The mapping stays alive while anything still references it: :meth:`close` unmaps at once unless
user code still holds a memoryview into it (a frame's view kept past its release), in which case
the unmap happens when the last such view goes away; the memory is never unmapped under a live view.
"""

from __future__ import annotations

import ctypes
import errno as _errno
import mmap
import os
from typing import Optional

from .._interop import errno_codes, libc
from ..errors import BufferAccessDeniedError, SystemCallError
from . import file_modes

SHM_DIRECTORY = "/dev/shm"


def segment_file(os_name: str) -> str:
    """``/N`` → ``/dev/shm/N`` (what ``shm_open`` uses on Linux)."""
    return SHM_DIRECTORY + "/" + os_name.lstrip("/")


class SharedMemorySegment:
    """A mapped segment: :attr:`view` is a memoryview of the whole mapping, :attr:`address` its
    start for the atomics, :attr:`fd` the descriptor that carries this process's liveness locks.
    All are invalid after :meth:`close`."""

    __slots__ = ("os_name", "length", "fd", "_map", "view", "_anchor", "address")

    def __init__(self, os_name: str, fd: int, mapping: Optional[mmap.mmap], length: int) -> None:
        self.os_name = os_name
        self.length = length
        self.fd = fd
        self._map = mapping
        if mapping is not None:
            self.view: Optional[memoryview] = memoryview(mapping)
            self._anchor: Optional[ctypes.Array[ctypes.c_ubyte]] = (ctypes.c_ubyte * length).from_buffer(mapping)
            self.address = ctypes.addressof(self._anchor)
        else:
            self.view = None
            self._anchor = None
            self.address = 0

    @classmethod
    def create_exclusive(cls, os_name: str, length: int, buffer_name: str,
                         mode: int = file_modes.OWNER_ONLY) -> Optional["SharedMemorySegment"]:
        """Creates the object exclusively (EEXIST → None) with ``mode`` (applied again with
        ``fchmod``, whatever the umask), reserves its memory with ``posix_fallocate`` (on tmpfs
        ``ftruncate`` alone reserves nothing, and a later first touch of an unbacked page would
        kill a process with SIGBUS) and maps it. None as well when the name was replaced under us
        between the create and the mapping (a creator that ignores the lock files)."""
        path = segment_file(os_name)
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR | os.O_CLOEXEC | os.O_NOFOLLOW, mode)
        except FileExistsError:
            return None
        except OSError as ex:
            raise SystemCallError(buffer_name, 'shm_open("%s", O_CREAT|O_EXCL)' % os_name, ex.errno or 0) from None
        try:
            try:
                os.fchmod(fd, mode)
            except OSError:
                pass
            try:
                os.ftruncate(fd, length)
            except OSError as ex:
                raise SystemCallError(buffer_name, 'ftruncate("%s", %d)' % (os_name, length), ex.errno or 0) from None
            try:
                os.posix_fallocate(fd, 0, length)
            except OSError as ex:
                if ex.errno != errno_codes.EINVAL:
                    raise SystemCallError(buffer_name, 'posix_fallocate("%s", %d)' % (os_name, length), ex.errno or 0) from None
            mapping = _map_same_file(path, fd, length, os_name, buffer_name)
            if mapping is None:
                os.close(fd)  # not unlinked: the name is someone else's now
                return None
            return cls(os_name, fd, mapping, length)
        except BaseException:
            if _same_file(path, fd):
                try:
                    os.unlink(path)
                except OSError:
                    pass
            try:
                os.close(fd)
            except OSError:
                pass
            raise

    @classmethod
    def open_existing(cls, os_name: str, buffer_name: str) -> Optional["SharedMemorySegment"]:
        """Opens and maps an existing object; None when there is none. An object of length 0 (its
        creator has not sized it yet) is returned unmapped. :class:`BufferAccessDeniedError` when
        this process may not open it."""
        path = segment_file(os_name)
        for _ in range(8):  # the name may be replaced between the two opens: open again
            fd = _open_read_write(path, os_name, buffer_name)
            if fd is None:
                return None
            try:
                try:
                    length = os.lseek(fd, 0, os.SEEK_END)
                except OSError as ex:  # not a file of ours at all (a FIFO someone put there: ESPIPE)
                    raise SystemCallError(buffer_name, 'lseek("%s")' % os_name, ex.errno or 0) from None
                if length == 0:
                    return cls(os_name, fd, None, 0)
                mapping = _map_same_file(path, fd, length, os_name, buffer_name)
            except BaseException:
                os.close(fd)
                raise
            if mapping is not None:
                return cls(os_name, fd, mapping, length)
            os.close(fd)
        return None

    @staticmethod
    def unlink(os_name: str) -> bool:
        """Removes the name; mappings stay valid. False when it did not exist."""
        try:
            os.unlink(segment_file(os_name))
            return True
        except FileNotFoundError:
            return False
        except OSError as ex:
            if ex.errno == _errno.ENOENT:
                return False
            raise

    def populate(self, buffer_name: str) -> None:
        """Maps every page of the segment into this process now, writable
        (``madvise(MADV_POPULATE_WRITE)``), so first touches take no page faults. Contents are
        not changed. Kernels before 5.14 lack MADV_POPULATE_WRITE (EINVAL): pages are then read
        once each, which maps them (a first write may still take a cheap minor fault)."""
        view = self.view
        if view is None or self.address == 0 or self.length == 0:
            return
        if libc.madvise(self.address, self.length, libc.MADV_POPULATE_WRITE) == 0:
            return
        errno = libc.last_errno()
        if errno != errno_codes.EINVAL:
            raise SystemCallError(buffer_name, 'madvise("%s", MADV_POPULATE_WRITE)' % self.os_name, errno)
        touched = 0
        for offset in range(0, self.length, mmap.PAGESIZE):
            touched ^= view[offset]
        del touched

    def close(self) -> None:
        """Drops this object's references to the mapping (unmapped when no user view remains), then
        closes :attr:`fd`, which drops this process's liveness locks. Idempotent."""
        self._unmap()
        fd, self.fd = self.fd, -1
        if fd >= 0:
            os.close(fd)

    def _unmap(self) -> None:
        mapping, self._map = self._map, None
        if mapping is None:
            return
        view, self.view = self.view, None
        self._anchor = None
        self.address = 0
        if view is not None:
            try:
                view.release()
            except BufferError:
                pass
        try:
            mapping.close()
        except BufferError:
            # A caller still holds a view (e.g. a frame's memoryview): the mapping goes with it.
            pass


def _same_file(path: str, fd: int) -> bool:
    """Whether ``path`` still names the file open as ``fd`` (device and inode)."""
    try:
        opened = os.fstat(fd)
        named = os.stat(path, follow_symlinks=False)
    except OSError:
        return False
    return opened.st_dev == named.st_dev and opened.st_ino == named.st_ino


def _open_read_write(path: str, os_name: str, buffer_name: str) -> Optional[int]:
    """Opens an existing segment file read-write; None when it does not exist; the typed error when
    this process may not open it (another user's buffer) or the OS refuses."""
    try:
        return os.open(path, os.O_RDWR | os.O_CLOEXEC | os.O_NOFOLLOW)
    except FileNotFoundError:
        return None
    except OSError as ex:
        if ex.errno in (errno_codes.EACCES, errno_codes.EPERM):
            raise BufferAccessDeniedError.for_path(buffer_name, path) from None
        raise SystemCallError(buffer_name, 'shm_open("%s")' % os_name, ex.errno or 0) from None


def _map_same_file(path: str, fd: int, length: int, os_name: str, buffer_name: str) -> Optional[mmap.mmap]:
    """Maps the file open as ``fd`` through a second open file description of it (so the mapping
    never keeps ``fd``'s locks alive); None when ``path`` no longer names that file."""
    second = _open_read_write(path, os_name, buffer_name)
    if second is None:
        return None
    try:
        first, other = os.fstat(fd), os.fstat(second)
        if (first.st_dev, first.st_ino) != (other.st_dev, other.st_ino):
            return None
        try:
            return mmap.mmap(second, length, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        except OSError as ex:
            raise SystemCallError(buffer_name, 'mmap("%s", %d)' % (os_name, length), ex.errno or 0) from None
    finally:
        os.close(second)
