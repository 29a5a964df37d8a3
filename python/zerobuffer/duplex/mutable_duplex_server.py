"""A duplex server whose handler edits the request in place into its response (C#'s ``MutableDuplexServer``)."""

from __future__ import annotations

from typing import Callable

from ..frame import Frame
from .duplex_server import _DuplexServer


class MutableDuplexServer(_DuplexServer):
    """The handler edits the request bytes in place (``request.get_mutable_view()``); those bytes are the response."""

    _handler: Callable[[Frame], None]

    def start(self, handler: Callable[[Frame], None]) -> None:
        self._handler = handler
        self._start_core()

    def _handle(self, request: Frame) -> None:
        self._handler(request)
        self._write_response(request.data, request.sequence)
