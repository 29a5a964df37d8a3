"""A point in monotonic time a wait must not pass, and the 100 ms liveness slices (protocol §6.1)."""

from __future__ import annotations

import math
import time
from typing import Optional

LIVENESS_SLICE_MS = 100
"""Longest uninterrupted sleep: bounds how late a dead peer is noticed."""


class Deadline:
    """Built from a timeout in seconds; ``None`` waits forever."""

    __slots__ = ("_expires_at",)

    def __init__(self, timeout: Optional[float]) -> None:
        if timeout is None:
            self._expires_at: Optional[float] = None
        else:
            if timeout < 0 or math.isnan(timeout):
                raise ValueError("timeout must be >= 0 seconds or None (infinite), got %r" % (timeout,))
            self._expires_at = time.monotonic() + timeout

    @property
    def is_infinite(self) -> bool:
        return self._expires_at is None

    @property
    def has_expired(self) -> bool:
        return self._expires_at is not None and time.monotonic() >= self._expires_at

    def has_expired_at(self, now: float) -> bool:
        """Whether the deadline has passed at ``now`` (a ``time.monotonic()`` value the caller already has)."""
        return self._expires_at is not None and now >= self._expires_at

    def remaining(self) -> Optional[float]:
        """Seconds left (0 once passed); None when infinite."""
        if self._expires_at is None:
            return None
        return max(0.0, self._expires_at - time.monotonic())

    def next_slice_ms(self) -> int:
        """Milliseconds to wait next: the remaining time (0 once passed), at most one slice."""
        if self._expires_at is None:
            return LIVENESS_SLICE_MS
        remaining = self._expires_at - time.monotonic()
        if remaining <= 0:
            return 0
        ms = remaining * 1000.0
        return LIVENESS_SLICE_MS if ms >= LIVENESS_SLICE_MS else max(1, math.ceil(ms))
