"""64-bit atomic operations on shared memory, through libatomic's ``__atomic_*`` functions.

``payload_free_bytes`` is changed by both processes and must be updated with one atomic add
(protocol §2.1); ``writer_pid`` is claimed by compare-and-swap; the publication points
(``payload_written_count``, ``metadata_written_bytes``, ``oieb_size``) are release stores paired
with acquire loads. Python has no atomic primitive for foreign memory, so these go through
libatomic. When it cannot be loaded, or is not lock-free for 8 bytes (a lock-based fallback would
only be atomic inside one process), importing the SDK fails: a racy update is never used instead.
"""

from __future__ import annotations

import ctypes
import ctypes.util

RELAXED = 0
ACQUIRE = 2
RELEASE = 3
SEQ_CST = 5


def _load() -> ctypes.CDLL:
    names = ["libatomic.so.1", ctypes.util.find_library("atomic")]
    for name in names:
        if not name:
            continue
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    raise ImportError(
        "zerobuffer needs libatomic (libatomic.so.1, e.g. Debian package libatomic1) for the protocol's "
        "64-bit atomic add and compare-and-swap on shared memory; it could not be loaded. There is no "
        "non-atomic fallback, because it would corrupt payload_free_bytes under concurrent updates."
    )


_lib = _load()
try:
    load_u64 = _lib.__atomic_load_8
    load_u64.restype = ctypes.c_uint64
    load_u64.argtypes = [ctypes.c_void_p, ctypes.c_int]

    store_u64 = _lib.__atomic_store_8
    store_u64.restype = None
    store_u64.argtypes = [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_int]

    fetch_add_u64 = _lib.__atomic_fetch_add_8
    fetch_add_u64.restype = ctypes.c_uint64
    fetch_add_u64.argtypes = [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_int]

    _compare_exchange_u64 = _lib.__atomic_compare_exchange_8
    _compare_exchange_u64.restype = ctypes.c_bool
    _compare_exchange_u64.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint64), ctypes.c_uint64, ctypes.c_int, ctypes.c_int]

    load_u32 = _lib.__atomic_load_4
    load_u32.restype = ctypes.c_uint32
    load_u32.argtypes = [ctypes.c_void_p, ctypes.c_int]

    store_u32 = _lib.__atomic_store_4
    store_u32.restype = None
    store_u32.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int]

    _is_lock_free = _lib.__atomic_is_lock_free
    _is_lock_free.restype = ctypes.c_bool
    _is_lock_free.argtypes = [ctypes.c_size_t, ctypes.c_void_p]
except AttributeError as _missing:  # pragma: no cover - depends on the platform
    raise ImportError("libatomic lacks a 64-bit atomic primitive zerobuffer needs: %s" % _missing) from None

if not _is_lock_free(8, None) or not _is_lock_free(4, None):  # pragma: no cover - depends on the CPU
    raise ImportError(
        "libatomic's 8-byte atomics are not lock-free on this CPU: they would be atomic only inside one "
        "process, not across the processes sharing a buffer; zerobuffer refuses to run."
    )


def add_u64(address: int, delta: int) -> int:
    """Atomically adds ``delta`` (may be negative, two's complement) at ``address``; returns the old value."""
    return int(fetch_add_u64(address, delta & 0xFFFFFFFFFFFFFFFF, SEQ_CST))


def compare_exchange_u64(address: int, expected: int, desired: int) -> int:
    """Atomically replaces ``expected`` by ``desired``; returns the value found (== expected on success)."""
    found = ctypes.c_uint64(expected)
    _compare_exchange_u64(address, ctypes.byref(found), desired, SEQ_CST, SEQ_CST)
    return int(found.value)
