"""A duplex server whose handler edits the request in place into its response (C#'s ``MutableDuplexServer``)."""

from __future__ import annotations

from typing import Callable

from ..frame import Frame
from .duplex_response_writer import DuplexResponseWriter
from .duplex_server import _DuplexServer


class MutableDuplexServer(_DuplexServer):
    """The handler edits the request bytes in place (``request.get_mutable_view()``); those bytes are the response."""

    _handler: Callable[[Frame], None]

    def start(self, handler: Callable[[Frame], None]) -> None:
        """Opens session 0 (``C_request``) and serves clients until :meth:`stop`."""
        self._handler = handler
        self._start_core()

    def _handle(self, request: Frame, response: DuplexResponseWriter) -> None:
        self._handler(request)
        response.write(request.data)
