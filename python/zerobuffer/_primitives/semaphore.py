"""A POSIX named semaphore (``sem_open``), the protocol's wake-up signal."""

from __future__ import annotations

import ctypes
import os
import threading
import time
from typing import Optional

from .._interop import errno_codes, libc
from ..errors import BufferAccessDeniedError, SystemCallError
from . import file_modes

MAX_VALUE = 2**31 - 1
"""SEM_VALUE_MAX of glibc: a post beyond it fails with EOVERFLOW."""


def resource_file(os_name: str) -> str:
    """The file glibc keeps a named semaphore in: ``/dev/shm/sem.<name without slash>``."""
    return "/dev/shm/sem." + os_name.lstrip("/")


class NamedSemaphore:
    """An open ``sem_t*``. :meth:`close` is idempotent; callers make sure no other thread is
    still waiting on it (the reader's and writer's usage gates do)."""

    __slots__ = ("os_name", "_handle", "_lock")

    def __init__(self, os_name: str, handle: int) -> None:
        self.os_name = os_name
        self._handle: Optional[int] = handle
        self._lock = threading.Lock()

    @classmethod
    def create_exclusive(cls, os_name: str, buffer_name: str, initial_value: int = 0,
                         mode: int = file_modes.OWNER_ONLY) -> Optional["NamedSemaphore"]:
        """Creates the semaphore (``O_CREAT | O_EXCL``, ``mode`` applied again whatever the umask);
        None when it already exists."""
        handle = libc.sem_open_create(os_name.encode(), libc.O_CREAT | libc.O_EXCL, mode, initial_value)
        if libc.is_sem_failed(handle):
            errno = libc.last_errno()
            if errno == errno_codes.EEXIST:
                return None
            raise SystemCallError(buffer_name, 'sem_open("%s", O_CREAT|O_EXCL)' % os_name, errno)
        try:
            os.chmod(resource_file(os_name), mode)  # whatever the umask
        except OSError:
            pass
        return cls(os_name, handle)

    @classmethod
    def open_existing(cls, os_name: str, buffer_name: str) -> Optional["NamedSemaphore"]:
        """Opens an existing semaphore; None when there is none; :class:`BufferAccessDeniedError`
        when this process may not open it."""
        handle = libc.sem_open_existing(os_name.encode(), 0)
        if libc.is_sem_failed(handle):
            errno = libc.last_errno()
            if errno == errno_codes.ENOENT:
                return None
            if errno in (errno_codes.EACCES, errno_codes.EPERM):
                raise BufferAccessDeniedError.for_path(buffer_name, resource_file(os_name))
            raise SystemCallError(buffer_name, 'sem_open("%s")' % os_name, errno)
        return cls(os_name, handle)

    @staticmethod
    def unlink(os_name: str) -> bool:
        """Removes the name (open handles stay usable); False when it did not exist."""
        return libc.sem_unlink(os_name.encode()) == 0

    def _pointer(self) -> int:
        handle = self._handle
        if handle is None:
            raise SystemCallError(None, 'sem_t "%s"' % self.os_name, errno_codes.EINVAL)
        return handle

    def post(self) -> None:
        """Adds one token. EOVERFLOW (already SEM_VALUE_MAX tokens) is ignored: no wake-up can be lost then."""
        if libc.sem_post(self._pointer()) != 0:
            errno = libc.last_errno()
            if errno != errno_codes.EOVERFLOW:
                raise SystemCallError(None, 'sem_post("%s")' % self.os_name, errno)

    def try_wait(self) -> bool:
        """Takes a token if one is there, without blocking."""
        pointer = self._pointer()
        while True:
            if libc.sem_trywait(pointer) == 0:
                return True
            errno = libc.last_errno()
            if errno == errno_codes.EAGAIN:
                return False
            if errno != errno_codes.EINTR:
                raise SystemCallError(None, 'sem_trywait("%s")' % self.os_name, errno)

    def wait(self, milliseconds: int) -> bool:
        """Takes a token, blocking at most ``milliseconds`` (0 = try only); EINTR is retried.
        The limit is an absolute CLOCK_MONOTONIC time for ``sem_clockwait`` where the C library
        has it (glibc >= 2.30), so a wall-clock step cannot stretch the wait; elsewhere an
        absolute CLOCK_REALTIME time for ``sem_timedwait``."""
        if milliseconds <= 0:
            return self.try_wait()
        pointer = self._pointer()
        clockwait = libc.sem_clockwait
        clock = time.CLOCK_MONOTONIC if clockwait is not None else time.CLOCK_REALTIME
        until_ns = time.clock_gettime_ns(clock) + milliseconds * 1_000_000
        until = libc.Timespec(until_ns // 1_000_000_000, until_ns % 1_000_000_000)
        reference = ctypes.byref(until)
        while True:
            if clockwait is not None:
                result = clockwait(pointer, libc.CLOCK_MONOTONIC, reference)
            else:
                result = libc.sem_timedwait(pointer, reference)
            if result == 0:
                return True
            errno = libc.last_errno()
            if errno == errno_codes.ETIMEDOUT:
                return False
            if errno != errno_codes.EINTR:
                raise SystemCallError(None, '%s("%s")' % ("sem_clockwait" if clockwait is not None else "sem_timedwait",
                                                          self.os_name), errno)

    def drain(self) -> int:
        """Takes every token currently there; returns how many."""
        drained = 0
        while self.try_wait():
            drained += 1
        return drained

    @property
    def value(self) -> int:
        """The current count (diagnostics only: it may change at once); -1 when unknown."""
        out = ctypes.c_int()
        return out.value if libc.sem_getvalue(self._pointer(), ctypes.byref(out)) == 0 else -1

    def close(self) -> None:
        with self._lock:
            handle, self._handle = self._handle, None
        if handle is not None:
            libc.sem_close(handle)
