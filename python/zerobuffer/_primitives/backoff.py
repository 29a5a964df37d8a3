"""The one poll-with-backoff helper: every "try again until it works or the time is up" loop of the
SDK goes through :func:`poll` (a creator waiting out a transient lock holder, a duplex server
waiting for its client's response buffer, a client waiting for a server).

The pause starts at 1 ms and doubles up to :data:`MAX_PAUSE`, and never passes the deadline. A
stop event (where the caller has cancellation) ends the wait at once with :class:`Cancelled`.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Optional, TypeVar

from .deadline import Deadline

T = TypeVar("T")

FIRST_PAUSE = 0.001
"""Seconds of the first pause."""
MAX_PAUSE = 0.020
"""Seconds of the longest pause (protocol §5.1: "1 ms, doubling, at most 20 ms")."""


class Cancelled(Exception):
    """The stop event was set while :func:`poll` waited."""


def poll(attempt: Callable[[], Optional[T]], deadline: Deadline, stop: Optional[threading.Event] = None,
         max_pause: float = MAX_PAUSE) -> Optional[T]:
    """Calls ``attempt`` until it returns something other than None, and returns that; returns None
    once ``deadline`` has passed (``attempt`` runs at least once, and once more after the last
    pause). Exceptions from ``attempt`` propagate. ``stop``: set → :class:`Cancelled`.
    ``max_pause``: the longest pause, in seconds."""
    pause = FIRST_PAUSE
    while True:
        if stop is not None and stop.is_set():
            raise Cancelled()
        result = attempt()
        if result is not None:
            return result
        remaining = deadline.remaining()
        if remaining is not None and remaining <= 0:
            return None
        wait = pause if remaining is None else min(pause, remaining)
        if stop is not None:
            if stop.wait(wait):
                raise Cancelled()
        else:
            time.sleep(wait)
        pause = min(pause * 2, max_pause)
