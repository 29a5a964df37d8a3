"""How a duplex server runs its handlers (C#'s ``ProcessingMode``)."""

from __future__ import annotations

import enum


class ProcessingMode(enum.Enum):
    SINGLE_THREAD = 0
    """Handlers run on the server's own thread, one at a time, in request order (the default)."""
    THREAD_POOL = 1
    """The server's thread reads and hands each request to an executor; responses may overtake each other."""
