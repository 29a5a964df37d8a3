"""A duplex server whose handler reads the request and writes a separate response (C#'s ``ImmutableDuplexServer``)."""

from __future__ import annotations

from typing import Callable

from ..frame import Frame
from .duplex_response_writer import DuplexResponseWriter
from .duplex_server import _DuplexServer


class ImmutableDuplexServer(_DuplexServer):
    """The handler reads the request (zero-copy) and answers through a :class:`DuplexResponseWriter`."""

    _handler: Callable[[Frame, DuplexResponseWriter], None]

    def start(self, handler: Callable[[Frame, DuplexResponseWriter], None]) -> None:
        """Opens session 0 (``C_request``) and serves clients until :meth:`stop`."""
        self._handler = handler
        self._start_core()

    def _handle(self, request: Frame, response: DuplexResponseWriter) -> None:
        self._handler(request, response)
