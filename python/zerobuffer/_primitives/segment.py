"""A POSIX shared-memory object (``/dev/shm/N``) mapped read-write into this process.

The descriptor is closed right after mapping. The mapping stays alive while anything still
references it: :meth:`close` unmaps at once unless user code still holds a memoryview into it
(a frame's view kept past its release), in which case the unmap happens when the last such view
goes away; the memory is never unmapped under a live view.
"""

from __future__ import annotations

import ctypes
import errno as _errno
import mmap
import os
from typing import Optional

from .._interop import errno_codes, libc
from ..errors import SystemCallError
from . import file_modes

SHM_DIRECTORY = "/dev/shm"


def segment_file(os_name: str) -> str:
    """``/N`` → ``/dev/shm/N`` (what ``shm_open`` uses on Linux)."""
    return SHM_DIRECTORY + "/" + os_name.lstrip("/")


class SharedMemorySegment:
    """A mapped segment: :attr:`view` is a memoryview of the whole mapping, :attr:`address` its
    start for the atomics. Both are invalid after :meth:`close`."""

    __slots__ = ("os_name", "length", "_map", "view", "_anchor", "address")

    def __init__(self, os_name: str, mapping: Optional[mmap.mmap], length: int) -> None:
        self.os_name = os_name
        self.length = length
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
    def create_exclusive(cls, os_name: str, length: int, buffer_name: str) -> Optional["SharedMemorySegment"]:
        """Creates the object exclusively (EEXIST → None), reserves its memory with
        ``posix_fallocate`` (on tmpfs ``ftruncate`` alone reserves nothing, and a later first touch
        of an unbacked page would kill a process with SIGBUS) and maps it."""
        path = segment_file(os_name)
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR | os.O_CLOEXEC | os.O_NOFOLLOW, file_modes.SHARED)
        except FileExistsError:
            return None
        except OSError as ex:
            raise SystemCallError(buffer_name, 'shm_open("%s", O_CREAT|O_EXCL)' % os_name, ex.errno or 0) from None
        try:
            try:
                os.fchmod(fd, file_modes.SHARED)
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
            return cls(os_name, cls._map_fd(fd, length, os_name, buffer_name), length)
        except BaseException:
            try:
                os.unlink(path)
            except OSError:
                pass
            raise
        finally:
            os.close(fd)

    @classmethod
    def open_existing(cls, os_name: str, buffer_name: str) -> Optional["SharedMemorySegment"]:
        """Opens and maps an existing object; None when there is none. An object of length 0
        (its creator has not sized it yet) is returned unmapped."""
        try:
            fd = os.open(segment_file(os_name), os.O_RDWR | os.O_CLOEXEC | os.O_NOFOLLOW)
        except FileNotFoundError:
            return None
        except OSError as ex:
            raise SystemCallError(buffer_name, 'shm_open("%s")' % os_name, ex.errno or 0) from None
        try:
            length = os.lseek(fd, 0, os.SEEK_END)
            if length == 0:
                return cls(os_name, None, 0)
            return cls(os_name, cls._map_fd(fd, length, os_name, buffer_name), length)
        finally:
            os.close(fd)

    @staticmethod
    def read_pids(os_name: str, reader_pid_offset: int, writer_pid_offset: int, minimum_length: int) -> tuple[int, int]:
        """(reader_pid, writer_pid) of an existing segment without mapping it; (0, 0) when it is
        missing or shorter than ``minimum_length``."""
        try:
            fd = os.open(segment_file(os_name), os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
        except OSError:
            return (0, 0)
        try:
            if os.fstat(fd).st_size < minimum_length:
                return (0, 0)
            reader = int.from_bytes(os.pread(fd, 8, reader_pid_offset), "little")
            writer = int.from_bytes(os.pread(fd, 8, writer_pid_offset), "little")
            return (reader, writer)
        finally:
            os.close(fd)

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

    @staticmethod
    def _map_fd(fd: int, length: int, os_name: str, buffer_name: str) -> mmap.mmap:
        try:
            return mmap.mmap(fd, length, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        except OSError as ex:
            raise SystemCallError(buffer_name, 'mmap("%s", %d)' % (os_name, length), ex.errno or 0) from None

    def close(self) -> None:
        """Drops this object's references to the mapping and unmaps it when no user view remains."""
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
