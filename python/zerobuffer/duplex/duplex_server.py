"""What both kinds of duplex server share (C#'s ``DuplexServer``): the sessions
(:class:`_DuplexSession`), opened one at a time as clients take them, up to
``DuplexServerOptions.max_sessions``; the handler concurrency of THREAD_POOL, across sessions;
errors; and the stop."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import inspect
import threading
from typing import TYPE_CHECKING, Callable, Optional, Union

from ..config import BufferConfig
from ..errors import ObjectDisposedError
from ..frame import Frame
from ..reader import Reader
from ..writer import Writer
from .channel_names import _validate_channel
from .duplex_server_options import DuplexServerOptions
from .duplex_session import _SLICE, _DuplexSession, _handling, _log, _Stopped
from .processing_mode import ProcessingMode

if TYPE_CHECKING:  # pragma: no cover
    from .duplex_response_writer import DuplexResponseWriter

ErrorHandler = Union[Callable[[BaseException, int, int], None], Callable[[BaseException, int], None]]
"""``(exception, request_sequence, session)``: sequence 0 when the error is not about one request;
session k is the one of ``C_request.k`` (0: ``C_request``). A subscriber of two parameters
``(exception, request_sequence)``, the form from before sessions, is called with those two."""


class _DuplexServer:
    """The server: session 0 from :meth:`start`, the next session each time a client takes the last
    free one, until :meth:`stop`. :meth:`stop` only sets the stop flags and joins the session
    threads, so it never races them; each session closes its own buffers, once."""

    _NOT_STARTED, _RUNNING, _ENDED = 0, 1, 2

    def __init__(self, channel: str, config: BufferConfig, options: Optional[DuplexServerOptions]) -> None:
        _validate_channel(channel)
        if not isinstance(config, BufferConfig):
            raise TypeError("config must be a BufferConfig")
        options = options if options is not None else DuplexServerOptions()
        options.validate()
        self.channel_name = channel
        self.options = options
        self._config = config if options.access is None else dataclasses.replace(config, access=options.access)
        self.on_error: list[ErrorHandler] = []
        """Subscribers: handler failures and response-write failures (each also answered with an error
        response), and what ends a client's session badly (``ReaderDeadError``, ``TimeoutError``)."""
        self._state_lock = threading.Lock()  # guards _state, _sessions, _live_sessions
        self._state = self._NOT_STARTED
        self._stop = threading.Event()
        self._completion = threading.Event()
        self._sessions: list[_DuplexSession] = []
        self._live_sessions = 0  # sessions whose thread has not ended
        self._disposed = False
        self._slots: Optional[threading.Semaphore] = None  # THREAD_POOL: one per running handler, shared by the sessions
        self._executor: Optional[concurrent.futures.Executor] = None
        self._own_executor = False

    @property
    def mode(self) -> ProcessingMode:
        return self.options.mode

    @property
    def is_running(self) -> bool:
        """From :meth:`start` until every session has ended (after :meth:`stop`)."""
        return self._state == self._RUNNING

    @property
    def session_count(self) -> int:
        """The sessions opened so far (1 to ``max_sessions``)."""
        with self._state_lock:
            return len(self._sessions)

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Waits until the server has ended: every session closed, after :meth:`stop` (C#'s
        ``Completion``); False on timeout."""
        return self._completion.wait(timeout)

    # Session 0's buffers, for tests that look at how an endpoint was made.
    @property
    def _requests(self) -> Optional[Reader]:
        return self._sessions[0]._requests if self._sessions else None

    @property
    def _responses(self) -> Optional[Writer]:
        return self._sessions[0]._responses if self._sessions else None

    def _start_core(self) -> None:
        with self._state_lock:
            if self._disposed:
                raise ObjectDisposedError("The duplex server of channel '%s' was closed." % self.channel_name)
            if self._state != self._NOT_STARTED:
                raise RuntimeError("The duplex server of channel '%s' was already started." % self.channel_name)
            first = _DuplexSession(self, 0)  # raises when C_request is taken: nothing started
            if self.mode is ProcessingMode.THREAD_POOL:
                self._slots = threading.Semaphore(self.options.max_concurrency)
                self._executor = self.options.executor
                if self._executor is None:
                    self._own_executor = True
                    self._executor = concurrent.futures.ThreadPoolExecutor(self.options.max_concurrency, "duplex-" + self.channel_name)
            self._state = self._RUNNING
            try:
                self._open_session(0, first)
            except BaseException:
                self._state = self._NOT_STARTED
                raise

    def _handle(self, request: Frame, response: "DuplexResponseWriter") -> None:
        """Runs the handler for one request; the response is written through ``response``."""
        raise NotImplementedError

    def _session_taken(self, session: _DuplexSession) -> None:
        """A client took ``session``: if it was the last open one, open the next (up to max_sessions)."""
        opened: Optional[_DuplexSession] = None
        failure: Optional[tuple[Exception, int]] = None
        with self._state_lock:
            if (self._state != self._RUNNING or self._stop.is_set() or len(self._sessions) >= self.options.max_sessions
                    or session.number != len(self._sessions) - 1):
                return
            try:
                opened = self._open_session(len(self._sessions))
            except Exception as ex:  # its name is taken, /dev/shm is full...: reported; the open ones serve on
                opened = None
                failure = (ex, len(self._sessions))
        if opened is not None:
            _log.info("Duplex channel '%s': session %d opened (%s)", self.channel_name, opened.number, opened.request_buffer)
        elif failure is not None:
            self._report(failure[0], 0, failure[1])

    def _open_session(self, number: int, session: Optional[_DuplexSession] = None) -> _DuplexSession:
        """Adds a session (created here unless given) and starts its thread. The caller holds the state lock."""
        session = session if session is not None else _DuplexSession(self, number)
        self._sessions.append(session)
        self._live_sessions += 1
        try:
            session.start()
        except BaseException:
            self._sessions.pop()
            self._live_sessions -= 1
            session._requests.close()
            raise
        return session

    def _session_ended(self, session: _DuplexSession) -> None:
        """A session's thread ended; once every session has, the server has ended."""
        with self._state_lock:
            self._live_sessions -= 1
            if self._live_sessions > 0:
                return
            self._state = self._ENDED
        # The last session out: the server is over (normally after stop(); also if no session could go on).
        if self._own_executor and self._executor is not None:
            self._executor.shutdown(wait=True)
        self._completion.set()

    def _take_slot(self, stop: threading.Event) -> None:
        """THREAD_POOL: waits for a free handler slot (at most max_concurrency handlers run, across sessions)."""
        slots = self._slots
        if slots is None:
            return
        while not slots.acquire(timeout=_SLICE):
            if stop.is_set():
                raise _Stopped()

    def _release_slot(self) -> None:
        if self._slots is not None:
            self._slots.release()

    def stop(self) -> None:
        """Stops reading in every session, lets running handlers finish (their response writer's
        ``stop_event`` is set: a response is written if the ring has room, else abandoned), and
        returns when every session has closed its buffers. From inside a handler or an on_error
        subscriber it returns at once; the server ends when the handler returns."""
        with self._state_lock:
            if self._state == self._NOT_STARTED:
                self._state = self._ENDED
                self._completion.set()
                return
            self._stop.set()
            sessions = list(self._sessions)
        for session in sessions:
            session.cancel_client()
        if getattr(_handling, "server", None) is self:
            return
        for session in sessions:
            session.join()  # handlers finish, then each session closes its buffers (not the caller's own session)

    def close(self) -> None:
        with self._state_lock:
            self._disposed = True
        self.stop()

    def __enter__(self) -> "_DuplexServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _report(self, error: BaseException, sequence: int, session: int) -> None:
        """Calls the on_error subscribers; a subscriber's failure is logged and ignored."""
        _log.warning("Duplex channel '%s': session %d, request %d: %s", self.channel_name, session, sequence, error)
        for subscriber in list(self.on_error):
            try:
                if _takes_session(subscriber):
                    subscriber(error, sequence, session)  # type: ignore[call-arg]
                else:
                    subscriber(error, sequence)  # type: ignore[call-arg]
            except Exception as ex:  # a subscriber's failure must not end the session
                _log.warning("Duplex channel '%s': an on_error subscriber failed: %s", self.channel_name, ex)


def _takes_session(subscriber: Callable[..., object]) -> bool:
    """Whether ``subscriber`` accepts a third positional argument (the session)."""
    try:
        parameters = inspect.signature(subscriber).parameters.values()
    except (TypeError, ValueError):
        return True  # a callable without a signature: call it with everything
    positional = 0
    for parameter in parameters:
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            return True
        if parameter.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD):
            positional += 1
    return positional >= 3
