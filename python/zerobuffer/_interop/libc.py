"""ctypes bindings to the POSIX named-semaphore calls of the C library (protocol §1), and
``madvise`` for prefaulting a segment.

Every function is loaded with ``use_errno=True``; callers read ``ctypes.get_errno()`` right
after a failing call. Calls release the GIL, so a thread blocked in ``sem_timedwait`` does not
stop the others. Shared memory, ``flock`` and ``kill`` need no bindings: the ``os`` and
``fcntl`` modules cover them.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform
from typing import Any

O_CREAT = 0o100
O_EXCL = 0o200
CLOCK_REALTIME = 0
CLOCK_MONOTONIC = 1


def _o_nofollow(machine: str) -> int:
    """O_NOFOLLOW differs by architecture: 0x20000 on x86 / x86-64, 0x8000 on arm64 (the generic value)."""
    return 0x20000 if machine.lower() in ("x86_64", "amd64", "i386", "i486", "i586", "i686", "x86") else 0x8000


O_NOFOLLOW = getattr(os, "O_NOFOLLOW", None) or _o_nofollow(platform.machine())
"""Refuse a symbolic link at the last path component (ELOOP) instead of following it."""


class Timespec(ctypes.Structure):
    """``struct timespec`` on 64-bit Linux."""

    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


def _load_library() -> ctypes.CDLL:
    # glibc >= 2.34 has the semaphore calls in libc itself; older ones keep them in libpthread/librt.
    candidates = ["libc.so.6", ctypes.util.find_library("c"), "libpthread.so.0", "librt.so.1"]
    errors = []
    for candidate in candidates:
        if not candidate:
            continue
        try:
            library = ctypes.CDLL(candidate, use_errno=True)
        except OSError as ex:  # pragma: no cover - depends on the platform
            errors.append("%s: %s" % (candidate, ex))
            continue
        if hasattr(library, "sem_timedwait") and hasattr(library, "sem_open"):
            return library
    raise ImportError(
        "zerobuffer needs the POSIX named-semaphore calls (sem_open, sem_timedwait, ...) of the C library; "
        "none of %s provides them (%s)" % (candidates, "; ".join(errors) or "symbols missing")
    )


_lib = _load_library()


def _bind(name: str, restype: Any, argtypes: list[Any]) -> Any:
    function = getattr(_lib, name)
    function.restype = restype
    function.argtypes = argtypes
    return function


sem_open_create = _lib["sem_open"]
sem_open_create.restype = ctypes.c_void_p
sem_open_create.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_uint, ctypes.c_uint]

# The same symbol bound a second time with the two-argument signature (opening an existing one).
sem_open_existing = _lib["sem_open"]
sem_open_existing.restype = ctypes.c_void_p
sem_open_existing.argtypes = [ctypes.c_char_p, ctypes.c_int]

sem_close = _bind("sem_close", ctypes.c_int, [ctypes.c_void_p])
sem_unlink = _bind("sem_unlink", ctypes.c_int, [ctypes.c_char_p])
sem_post = _bind("sem_post", ctypes.c_int, [ctypes.c_void_p])
sem_trywait = _bind("sem_trywait", ctypes.c_int, [ctypes.c_void_p])
sem_timedwait = _bind("sem_timedwait", ctypes.c_int, [ctypes.c_void_p, ctypes.POINTER(Timespec)])
# glibc >= 2.30: sem_timedwait against a chosen clock (None where the C library lacks it).
sem_clockwait = (_bind("sem_clockwait", ctypes.c_int, [ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(Timespec)])
                 if hasattr(_lib, "sem_clockwait") else None)
sem_getvalue = _bind("sem_getvalue", ctypes.c_int, [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int)])

MADV_POPULATE_WRITE = 23
"""Linux >= 5.14: fault in every page of a range, writable, without changing its contents."""
madvise = _bind("madvise", ctypes.c_int, [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int])


# futex_waitv (Linux >= 5.16) and futex, for the asyncio waits' watcher thread (_primitives/semaphore_watcher.py).
# Both syscall numbers are those of the generic table, shared by x86-64 and arm64 (futex differs: 202 / 98).
syscall = _bind("syscall", ctypes.c_long, [ctypes.c_long, ctypes.c_void_p, ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_long])
SYS_FUTEX_WAITV = 449
SYS_FUTEX = {"x86_64": 202, "aarch64": 98}.get(__import__("platform").machine(), -1)
FUTEX_WAKE_PRIVATE = 1 | 128
FUTEX2_SIZE_U32 = 0x02
FUTEX2_PRIVATE = 128


def last_errno() -> int:
    """errno of the last call made through these bindings on this thread."""
    return ctypes.get_errno()


def is_sem_failed(pointer: int | None) -> bool:
    """``SEM_FAILED`` is a null pointer in glibc and ``(sem_t *) -1`` elsewhere: both mean failure."""
    return pointer is None or pointer == 0 or pointer == ctypes.c_void_p(-1).value
