"""Lets ``close()`` on one thread wait for a blocking call on another thread to leave before the
shared memory is unmapped: the call enters the gate, ``close`` closes it, wakes the caller
(posting its semaphore) and waits until it has left."""

from __future__ import annotations

import threading
from typing import Callable


class UsageGate:
    __slots__ = ("_condition", "_users", "_closed")

    def __init__(self) -> None:
        self._condition = threading.Condition(threading.Lock())
        self._users = 0
        self._closed = False

    @property
    def is_closed(self) -> bool:
        return self._closed

    def try_enter(self) -> bool:
        """Enters; False once the gate is closed."""
        with self._condition:
            if self._closed:
                return False
            self._users += 1
            return True

    def exit(self) -> None:
        with self._condition:
            self._users -= 1
            if self._users == 0:
                self._condition.notify_all()

    def close(self, wake: Callable[[], None]) -> bool:
        """Closes the gate (False if it was already closed), then calls ``wake`` until no user is inside."""
        with self._condition:
            if self._closed:
                return False
            self._closed = True
            while self._users:
                wake()
                self._condition.wait(0.005)
        return True
