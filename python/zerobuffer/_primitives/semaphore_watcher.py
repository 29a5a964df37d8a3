"""The asyncio waits' sleeper: one thread per 127 waits watches the count words of the semaphores
they wait on with one ``futex_waitv`` call (Linux >= 5.16), so an idle async reader or writer
costs no thread of its own. It mirrors the C# ``SemaphoreWatcher`` (docs/async.md).

A glibc semaphore (``struct new_sem`` on 64-bit) is one u64: the count in its low half (the futex
word), the number of sleepers in its high half. ``sem_post`` adds one to the count and issues
``FUTEX_WAKE`` only when the sleeper count is not zero, so a watched semaphore is marked with one
sleeper (an atomic add on the high half) for as long as it is watched. The watcher never takes a
token: it reports that the count is not zero, and the awaiting code takes the token itself
(``sem_trywait``), exactly as a blocking waiter would after waking.

Where ``futex_waitv`` is missing (older kernels, other architectures) the watcher looks at the
words every millisecond while waits exist, and sleeps otherwise.
"""

from __future__ import annotations

import asyncio
import ctypes
import threading
import time
from typing import Optional

from .._interop import atomics, libc
from .semaphore import NamedSemaphore

_SLEEPER = 1 << 32
_REMOVE_SLEEPER = (1 << 64) - _SLEEPER  # adding it subtracts one sleeper (u64 wrap-around)
_WORDS_PER_CALL = 128  # FUTEX_WAITV_MAX: the watcher's own word and 127 semaphores
_POLL_SECONDS = 0.001


class _FutexWaitV(ctypes.Structure):
    _fields_ = [("val", ctypes.c_uint64), ("uaddr", ctypes.c_uint64), ("flags", ctypes.c_uint32), ("reserved", ctypes.c_uint32)]


def _has_futex_waitv() -> bool:
    if libc.SYS_FUTEX < 0:
        return False
    # Zero waiters: EINVAL where the call exists, ENOSYS where it does not.
    return libc.syscall(libc.SYS_FUTEX_WAITV, None, 0, 0, None, 0) != -1 or libc.last_errno() != 38


class _Wait:
    __slots__ = ("address", "deadline_ns", "loop", "future", "settled")

    def __init__(self, address: int, deadline_ns: int, loop: asyncio.AbstractEventLoop, future: "asyncio.Future[bool]") -> None:
        self.settled = False  # its outcome is on the way to its loop: no longer slept on
        self.address = address
        self.deadline_ns = deadline_ns
        self.loop = loop
        self.future = future


def _resolve(future: "asyncio.Future[bool]", signalled: bool) -> None:
    if not future.done():
        future.set_result(signalled)


class SemaphoreWatcher:
    """One watcher thread and up to 127 waits."""

    _all: list["SemaphoreWatcher"] = []
    _all_lock = threading.Lock()
    kernel_waits = _has_futex_waitv()
    """Whether waits sleep in the kernel (``futex_waitv``) rather than poll every millisecond."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waits: list[_Wait] = []
        self._control = ctypes.c_uint32(0)  # bumped (and woken) when the set of waits changes
        self._vector = (_FutexWaitV * _WORDS_PER_CALL)()
        self._idle = threading.Event()
        self._thread = threading.Thread(target=self._run, name="zerobuffer-watcher", daemon=True)
        self._thread.start()

    @classmethod
    def wait(cls, semaphore: NamedSemaphore, milliseconds: int) -> "asyncio.Future[bool]":
        """A future of the running loop: True once ``semaphore``'s count is not zero (a token may be
        there: take it with ``try_wait``), False after ``milliseconds``. Cancel it to stop watching."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        wait = _Wait(semaphore._pointer(), time.monotonic_ns() + max(0, milliseconds) * 1_000_000, loop, future)
        with cls._all_lock:
            watcher = next((w for w in cls._all if w._has_room()), None)
            if watcher is None:
                watcher = SemaphoreWatcher()
                cls._all.append(watcher)
            watcher._add(wait)
        future.add_done_callback(lambda _: watcher._remove(wait))
        return future

    def _has_room(self) -> bool:
        with self._lock:
            return len(self._waits) < _WORDS_PER_CALL - 1

    def _add(self, wait: _Wait) -> None:
        atomics.fetch_add_u64(wait.address, _SLEEPER, atomics.SEQ_CST)  # posts wake the futex from now on
        with self._lock:
            self._waits.append(wait)
        self._wake()

    def _remove(self, wait: _Wait) -> None:
        with self._lock:
            try:
                self._waits.remove(wait)
            except ValueError:
                return  # removed by the watcher already
        atomics.fetch_add_u64(wait.address, _REMOVE_SLEEPER, atomics.SEQ_CST)
        self._wake()

    def _wake(self) -> None:
        self._control.value += 1
        self._idle.set()
        if self.kernel_waits:
            libc.syscall(libc.SYS_FUTEX, ctypes.addressof(self._control), libc.FUTEX_WAKE_PRIVATE, 1, None, 0)

    def _run(self) -> None:
        while True:
            with self._lock:
                waits = [w for w in self._waits if not w.settled]
                control = self._control.value
                if not waits:
                    self._idle.clear()
            if not waits:
                self._idle.wait()
                continue
            self._sleep(waits, control)
            self._settle(waits)

    def _sleep(self, waits: list[_Wait], control: int) -> None:
        """Until a count word is not zero, the set of waits changes, or the earliest deadline."""
        earliest = min(w.deadline_ns for w in waits)
        if not self.kernel_waits:
            time.sleep(min(_POLL_SECONDS, max(0.0, (earliest - time.monotonic_ns()) / 1e9)))
            return
        vector = self._vector
        vector[0].val = control
        vector[0].uaddr = ctypes.addressof(self._control)
        vector[0].flags = libc.FUTEX2_SIZE_U32 | libc.FUTEX2_PRIVATE
        for i, wait in enumerate(waits, 1):
            vector[i].val = 0  # sleep while the count is 0 (the word is the count: its low half)
            vector[i].uaddr = wait.address
            vector[i].flags = libc.FUTEX2_SIZE_U32  # a named semaphore is shared between processes
        until = libc.Timespec(earliest // 1_000_000_000, earliest % 1_000_000_000)
        libc.syscall(libc.SYS_FUTEX_WAITV, ctypes.addressof(vector), len(waits) + 1, 0, ctypes.addressof(until),
                     libc.CLOCK_MONOTONIC)

    @staticmethod
    def _settle(waits: list[_Wait]) -> None:
        """Resolves every wait whose count is not zero (True) or whose time is up (False), on its loop."""
        now = time.monotonic_ns()
        for wait in waits:
            if wait.future.done():
                continue
            signalled = atomics.load_u32(wait.address, atomics.ACQUIRE) != 0
            if signalled or now >= wait.deadline_ns:
                wait.settled = True
                try:
                    wait.loop.call_soon_threadsafe(_resolve, wait.future, signalled)
                except RuntimeError:
                    pass  # the loop is closed: nobody awaits this any more
