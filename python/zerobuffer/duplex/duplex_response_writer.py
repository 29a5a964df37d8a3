"""How an immutable server's handler answers (C#'s ``DuplexResponseWriter``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .duplex_server import _DuplexServer


class DuplexResponseWriter:
    """How an immutable server's handler answers its request: :meth:`write` (copy) or
    :meth:`get_buffer` + :meth:`commit` (zero-copy). At most one response per request."""

    def __init__(self, server: "_DuplexServer", sequence: int) -> None:
        self._server = server
        self.sequence = sequence
        self._active = True
        self._acquired = False
        self._answered = False

    @property
    def has_responded(self) -> bool:
        return self._answered

    def write(self, payload: bytes | bytearray | memoryview) -> None:
        self._ensure_can_answer()
        self._server._write_response(payload, self.sequence)
        self._answered = True

    def get_buffer(self, size: int) -> memoryview:
        self._ensure_can_answer()
        buffer = self._server._acquire_response(size, self.sequence)
        self._acquired = True
        return buffer

    def commit(self) -> None:
        if not self._acquired:
            raise RuntimeError("No response of request %d to commit; call get_buffer first." % self.sequence)
        self._acquired = False
        self._server._commit_response()
        self._answered = True

    def _end(self) -> None:
        self._active = False
        if self._acquired:
            self._acquired = False
            self._server._abort_response()

    def _ensure_can_answer(self) -> None:
        if not self._active:
            raise RuntimeError("This response writer belongs to a handler call that has returned.")
        if self._answered or self._acquired:
            raise RuntimeError("Request %d is already answered: a handler writes at most one response." % self.sequence)
