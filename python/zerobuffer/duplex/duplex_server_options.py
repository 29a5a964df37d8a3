"""Options of a duplex server (C#'s ``DuplexServerOptions``)."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import os
from typing import Callable, Optional

from ..access import BufferAccess
from ..wait import WaitStrategy
from .channel_names import MAX_SESSIONS
from .processing_mode import ProcessingMode


@dataclasses.dataclass
class DuplexServerOptions:
    mode: ProcessingMode = ProcessingMode.SINGLE_THREAD
    max_concurrency: int = dataclasses.field(default_factory=lambda: os.cpu_count() or 1)
    """THREAD_POOL: at most this many handlers at once (and request frames held)."""
    executor: Optional[concurrent.futures.Executor] = None
    """THREAD_POOL: runs the handlers (C#'s Scheduler); default: a pool of ``max_concurrency`` threads."""
    connect_timeout: Optional[float] = 5.0
    """Seconds to wait for a client's response buffer after its first request (None = forever)."""
    response_write_timeout: Optional[float] = 5.0
    """Seconds a response waits for ring space before BufferFullError (None = forever)."""
    metadata_handler: Optional[Callable[[memoryview], None]] = None
    """Called once with the request buffer's metadata, before the first request is handled."""
    wait_strategy: WaitStrategy = WaitStrategy.DEFAULT
    """How the server waits for requests and for response-ring space (default spin then block)."""
    access: Optional[BufferAccess] = None
    """Who may open the request buffer the server creates; None: the access of the server's
    ``BufferConfig`` (owner-only by default). The client needs it to connect."""
    max_sessions: int = 8
    """The most clients served at once, each in its own session: session 0 is ``C_request`` /
    ``C_response``, session k is ``C_request.k`` / ``C_response.k``. A session is opened when the
    one before is taken, so one stays free until this many are in use. 1 to 100."""

    def validate(self) -> None:
        if self.access is not None and not isinstance(self.access, BufferAccess):
            raise TypeError("access must be a BufferAccess or None, got %r." % (self.access,))
        if not isinstance(self.wait_strategy, WaitStrategy):
            raise TypeError("wait_strategy must be a WaitStrategy, got %r." % (self.wait_strategy,))
        if not isinstance(self.mode, ProcessingMode):
            raise ValueError("Unknown processing mode %r." % (self.mode,))
        if isinstance(self.max_sessions, bool) or not isinstance(self.max_sessions, int) or not 1 <= self.max_sessions <= MAX_SESSIONS:
            raise ValueError("max_sessions must be 1-%d (got %r)." % (MAX_SESSIONS, self.max_sessions))
        if self.max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1 (got %d)." % self.max_concurrency)
        if self.executor is not None and self.mode is not ProcessingMode.THREAD_POOL:
            raise ValueError("An executor runs handlers in THREAD_POOL mode; the mode is %s." % self.mode.name)
        if self.connect_timeout is not None and self.connect_timeout < 0:
            raise ValueError("connect_timeout must be >= 0 or None.")
        if self.response_write_timeout is not None and self.response_write_timeout <= 0:
            raise ValueError("response_write_timeout must be positive or None.")
