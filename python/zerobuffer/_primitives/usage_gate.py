"""Lets ``close()`` on one thread wait for a blocking call on another thread to leave before the
shared memory is unmapped: the call enters the gate, ``close`` closes it, wakes the caller
(posting its semaphore) and waits until it has left."""

from __future__ import annotations

import threading
from typing import Callable


class UsageGate:
    """Counts the calls inside per thread. ``close`` waits only for *other* threads: a call on the
    closing thread cannot be blocked inside, and its count may be stale when an asynchronous
    exception (KeyboardInterrupt, or a signal handler that raises) skipped the matching ``exit``;
    waiting for it would hang ``close`` (and a ``with`` block's exit) for ever."""

    __slots__ = ("_condition", "_users", "_closed")

    def __init__(self) -> None:
        self._condition = threading.Condition(threading.Lock())
        self._users: dict[int, int] = {}  # thread ident -> calls inside
        self._closed = False

    @property
    def is_closed(self) -> bool:
        return self._closed

    def try_enter(self) -> bool:
        """Enters; False once the gate is closed."""
        me = threading.get_ident()
        with self._condition:
            if self._closed:
                return False
            self._users[me] = self._users.get(me, 0) + 1
            return True

    def exit(self) -> None:
        me = threading.get_ident()
        with self._condition:
            left = self._users.get(me, 0) - 1
            if left > 0:
                self._users[me] = left
            else:
                self._users.pop(me, None)
                self._condition.notify_all()

    def close(self, wake: Callable[[], None]) -> bool:
        """Closes the gate (False if it was already closed), then calls ``wake`` until no other thread is inside."""
        me = threading.get_ident()
        with self._condition:
            if self._closed:
                return False
            self._closed = True
            while any(ident != me for ident in self._users):
                wake()
                self._condition.wait(0.005)
        return True
