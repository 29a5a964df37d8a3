"""How an immutable server's handler answers (C#'s ``DuplexResponseWriter``)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .duplex_session import _DuplexSession


class DuplexResponseWriter:
    """How an immutable server's handler answers its request: :meth:`write` (copy) or
    :meth:`get_buffer` + :meth:`commit` (zero-copy). At most one response per request; valid only
    while the handler runs.

    Response writes of concurrent handlers of a session are serialised: between :meth:`get_buffer`
    and :meth:`commit` the others wait, so keep that stretch short. A buffer acquired and not
    committed when the handler returns (or raises) is dropped. A handler that returns without
    answering, or raises, has its client told at once (``DuplexHandlerError`` there)."""

    def __init__(self, session: "_DuplexSession", sequence: int) -> None:
        self._session = session
        self.sequence = sequence
        """The sequence of the request being answered (and of its response)."""
        self._stop_event = session._client_stop  # the event of the client this request came from
        self._active = True
        self._acquired = False
        self._answered = False

    @property
    def has_responded(self) -> bool:
        return self._answered

    @property
    def stop_event(self) -> threading.Event:
        """Set when the response can no longer be delivered: the server stops, or the client is
        found gone (C#'s ``CancellationToken``). A long handler waits on it, or looks at it, and
        gives up once it is set. Never clear it."""
        return self._stop_event

    @property
    def cancelled(self) -> bool:
        """Whether :attr:`stop_event` is set."""
        return self._stop_event.is_set()

    def write(self, payload: bytes | bytearray | memoryview) -> None:
        """Copies ``payload`` into the response ring as this request's response. ``FrameTooLargeError``
        when it can never fit the client's ring, ``BufferFullError`` when the client makes no room
        within ``response_write_timeout``, ``ReaderDeadError`` when the client is gone."""
        self._ensure_can_answer()
        self._session._write_response(payload, self.sequence)
        self._answered = True

    def get_buffer(self, size: int) -> memoryview:
        """Zero-copy response: the ring bytes of a ``size``-byte response; publish with :meth:`commit`."""
        self._ensure_can_answer()
        buffer = self._session._acquire_response(size, self.sequence)
        self._acquired = True
        return buffer

    def commit(self) -> None:
        """Publishes the response acquired with :meth:`get_buffer`."""
        if not self._acquired:
            raise RuntimeError("No response of request %d to commit; call get_buffer first." % self.sequence)
        self._acquired = False
        self._session._commit_response()
        self._answered = True

    def _end(self) -> None:
        """After the handler: drops an uncommitted buffer (releasing the response lock) and closes the writer."""
        self._active = False
        if self._acquired:
            self._acquired = False
            self._session._abort_response()

    def _ensure_can_answer(self) -> None:
        if not self._active:
            raise RuntimeError("This response writer belongs to a handler call that has returned.")
        if self._answered or self._acquired:
            raise RuntimeError("Request %d is already answered: a handler writes at most one response." % self.sequence)
