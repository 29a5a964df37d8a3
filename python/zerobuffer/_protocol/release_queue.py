"""The reader's record of ring space it consumed but has not yet given back, in ring order
(protocol §4.5). Space goes back strictly first-in, first-out: the writer trusts
``payload_free_bytes`` to never cover a byte still in use, which only holds if the free region
grows from the oldest entry. Skipped wrap tails are entries too, enqueued already released.
Thread-safe: frames may be released on any thread while the reader thread enqueues.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import NamedTuple


class Returned(NamedTuple):
    """Bytes and frames that became returnable by one call."""

    bytes: int
    frames: int


_NOTHING = Returned(0, 0)


class ReleaseQueue:
    __slots__ = ("_lock", "_entries", "_head")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # [bytes, released, is_frame] per entry; ticket of entries[0] is _head.
        self._entries: deque[list] = deque()
        self._head = 0

    @property
    def outstanding(self) -> int:
        """Entries consumed and not yet returned (held frames, or anything queued behind one)."""
        with self._lock:
            return len(self._entries)

    def enqueue_frame(self, size: int) -> int:
        """Records a frame of ``size`` bytes (header included); returns its ticket."""
        with self._lock:
            self._entries.append([size, False, True])
            return self._head + len(self._entries) - 1

    def enqueue_tail(self, size: int) -> Returned:
        """Records a skipped tail, already released; returns what became returnable."""
        with self._lock:
            self._entries.append([size, True, False])
            return self._pop_released()

    def release(self, ticket: int) -> Returned:
        """Marks a frame released. Idempotent: a ticket already released (or unknown) returns nothing."""
        with self._lock:
            index = ticket - self._head
            if index < 0 or index >= len(self._entries):
                return _NOTHING
            entry = self._entries[index]
            if entry[1]:
                return _NOTHING
            entry[1] = True
            return self._pop_released()

    def is_held(self, ticket: int) -> bool:
        with self._lock:
            index = ticket - self._head
            return 0 <= index < len(self._entries) and not self._entries[index][1]

    def _pop_released(self) -> Returned:
        total = frames = 0
        entries = self._entries
        while entries and entries[0][1]:
            size, _, is_frame = entries.popleft()
            total += size
            frames += 1 if is_frame else 0
            self._head += 1
        return Returned(total, frames) if total else _NOTHING
