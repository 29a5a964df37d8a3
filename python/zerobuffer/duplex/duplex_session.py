"""One session of a duplex server (protocol §8, C#'s ``DuplexSession``): the request buffer
``C_request[.k]``, the thread that reads it, and the client it serves, one client after another.

For each client the thread connects the response writer at the first request, runs the
handlers, and when the client leaves waits for them, closes the writer and creates the request
buffer anew, so the next client starts from a fresh ring. Only this thread touches the request
reader and the response writer outside handlers, and it closes them, each once."""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Callable, Optional

from .._primitives import backoff
from .._primitives.deadline import Deadline
from .._protocol import layout as L
from .._protocol.peer_liveness import LIVENESS_INTERVAL
from ..errors import BufferFullError, BufferNotFoundError, ReaderDeadError, WriterClosedError, WriterDeadError
from ..frame import Frame
from ..reader import Reader
from ..writer import Writer
from . import duplex_error_response as errors
from .channel_names import request_buffer_name, response_buffer_name
from .duplex_response_writer import DuplexResponseWriter
from .processing_mode import ProcessingMode

if TYPE_CHECKING:  # pragma: no cover
    from .duplex_server import _DuplexServer

_log = logging.getLogger("zerobuffer")
_SLICE = LIVENESS_INTERVAL  # seconds: how often blocked loops look at the stop flags (and so at the peer)
_TAKEN_CHECK_INTERVAL = 0.020  # seconds: how often a free session looks for a connected client
_MAX_CONNECT_PAUSE = 0.050  # nothing signals the creation of the client's response buffer

_handling = threading.local()  # the server whose session or handler runs on this thread (stop() there must not wait for itself)


class _Stopped(Exception):
    """The server is stopping, or the client is gone: a blocked read or a response waiting for space is abandoned."""


class _Countdown:
    """THREAD_POOL: the running handlers of one client, plus one for the session thread."""

    def __init__(self) -> None:
        self._count = 1
        self._condition = threading.Condition()

    def add(self) -> None:
        with self._condition:
            self._count += 1

    def signal(self) -> None:
        with self._condition:
            self._count -= 1
            self._condition.notify_all()

    def wait(self) -> None:
        with self._condition:
            self._condition.wait_for(lambda: self._count == 0)


class _DuplexSession:
    def __init__(self, server: "_DuplexServer", number: int) -> None:
        self._server = server
        self.number = number
        """k: 0 for ``C_request``/``C_response``, k for ``C_request.k``/``C_response.k``."""
        self.request_buffer = request_buffer_name(server.channel_name, number)
        self.response_buffer = response_buffer_name(server.channel_name, number)
        self._response_lock = threading.Lock()  # serialises response writes; held from acquire to commit/abort
        self._responses: Optional[Writer] = None  # the current client's response buffer, connected at its first request
        self._client_takes_errors = False  # the current client's response buffer advertises error responses
        self._client_stop = threading.Event()  # set when the current client is found gone, or the server stops
        self._running: Optional[_Countdown] = None
        self._thread: Optional[threading.Thread] = None
        self._requests = self._create_requests()  # the caller sees a name that is taken, or anything else that fails

    def _create_requests(self) -> Reader:
        return Reader(self.request_buffer, self._server._config, wait_strategy=self._server.options.wait_strategy)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="duplex %s session %d" % (self._server.channel_name, self.number),
                                        daemon=True)
        self._thread.start()

    def join(self) -> None:
        """Waits for the session's thread (it ends once the server's stop flag is set)."""
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def cancel_client(self) -> None:
        """The current client's answers can no longer be delivered (the server stops, or the client is gone)."""
        self._client_stop.set()

    # ----------------------------------------------------------------------------- the session thread

    def _run(self) -> None:
        server = self._server
        _handling.server = server  # stop() from an on_error subscriber called here must not wait for this thread
        try:
            while not server._stop.is_set():
                self._serve_client()
                if server._stop.is_set():
                    break
                # The next client gets a fresh request ring: no counts, numbers or metadata of the last one.
                self._requests.close()
                self._requests = self._create_requests()
        except BaseException as ex:  # the request buffer could not be created anew: reported, never raised here
            server._report(ex, 0, self.number)
        finally:
            self._requests.close()
            _log.info("Duplex channel '%s': session %d ended", server.channel_name, self.number)
            server._session_ended(self)

    def _serve_client(self) -> None:
        """Serves one client, from its first request until it leaves, its response buffer vanishes, or the server stops."""
        server = self._server
        stop = threading.Event()
        self._client_stop = stop
        if server._stop.is_set():
            stop.set()  # stop() may have looked at the previous client's event
        self._running = _Countdown() if server.mode is ProcessingMode.THREAD_POOL else None
        try:
            self._serve(stop)
        except _Stopped:
            pass  # stopping, or a handler found the client gone (already reported)
        except (WriterClosedError, WriterDeadError):
            _log.info("Duplex channel '%s': the client of session %d left", server.channel_name, self.number)
        except Exception as ex:  # a client's session ends badly (response buffer never appeared, corruption): the next is served
            server._report(ex, 0, self.number)
        finally:
            running = self._running
            if running is not None:
                running.signal()  # the session thread's own count
                running.wait()
                self._running = None
            if self._responses is not None:
                self._responses.close()
                self._responses = None
            self._client_takes_errors = False

    def _serve(self, stop: threading.Event) -> None:
        server = self._server
        requests = self._requests
        first = True
        announced = False  # the server was told this session is taken
        while True:
            if stop.is_set():
                raise _Stopped()
            request = requests.read_frame(_SLICE if announced else _TAKEN_CHECK_INTERVAL)
            if not request:
                # Nothing signals a writer's connection: a free session looks for one a few times a
                # second, so a client that connects and waits before its first request still gets
                # the next session opened for the client after it.
                if not announced and requests.is_writer_connected():
                    announced = True
                    server._session_taken(self)
                continue

            # THREAD_POOL: a handler slot (shared by the sessions) once a request is there, so an idle
            # session holds none, and each session holds at most one request frame beyond its handlers'.
            try:
                server._take_slot(stop)
            except BaseException:
                request.release()
                raise

            if first:
                first = False
                try:
                    self._responses = self._connect_responses(stop)
                    self._client_takes_errors = self._responses._reader_advertises(L.FEATURE_DUPLEX_ERRORS)
                except BaseException:
                    request.release()
                    server._release_slot()
                    raise
                if not announced:
                    announced = True
                    server._session_taken(self)  # a client holds this session: make sure another one is free
                self._report_metadata(request.sequence)

            if self._running is None:
                self._handle_and_release(request)
            else:
                self._dispatch(request)

    def _report_metadata(self, first_sequence: int) -> None:
        handler = self._server.options.metadata_handler
        if handler is None:
            return
        try:
            handler(self._requests.get_metadata())
        except Exception as ex:  # reported like a failing request handler
            self._server._report(ex, first_sequence, self.number)

    def _connect_responses(self, stop: threading.Event) -> Writer:
        """Connects to the client's response buffer, which a client creates right after connecting to the request buffer."""
        options = self._server.options
        missing: list[BaseException] = []

        def attempt() -> Optional[Writer]:
            try:
                writer = Writer(self.response_buffer, wait_strategy=options.wait_strategy)
            except (BufferNotFoundError, ReaderDeadError) as ex:
                missing[:] = [ex]  # not created yet, or a previous client's leftover about to be replaced
                return None
            writer.write_timeout = options.response_write_timeout
            return writer

        try:
            writer = backoff.poll(attempt, Deadline(options.connect_timeout), stop, _MAX_CONNECT_PAUSE)
        except backoff.Cancelled:
            raise _Stopped() from None
        if writer is None:
            raise TimeoutError("The client of channel '%s' (session %d) sent a request but its response buffer '%s' was not ready "
                               "within %s s." % (self._server.channel_name, self.number, self.response_buffer, options.connect_timeout)
                               ) from (missing[0] if missing else None)
        return writer

    def _dispatch(self, request: Frame) -> None:
        server = self._server
        running = self._running
        assert running is not None and server._executor is not None
        running.add()
        try:
            server._executor.submit(self._work_item, request, running)
        except BaseException:
            request.release()
            server._release_slot()
            running.signal()
            raise

    def _work_item(self, request: Frame, running: _Countdown) -> None:
        try:
            self._handle_and_release(request)
        finally:
            self._server._release_slot()
            running.signal()

    # ----------------------------------------------------------------------------- one request

    def _handle_and_release(self, request: Frame) -> None:
        """Runs the handler for ``request`` and gives the frame back. A failure is reported through
        on_error and, to a client that understands it, answered with an error response (§8)."""
        server = self._server
        sequence = request.sequence
        response = DuplexResponseWriter(self, sequence)
        stop = response.stop_event
        outer = getattr(_handling, "server", None)
        _handling.server = server
        try:
            try:
                server._handle(request, response)
            finally:
                response._end()  # releases the response lock an unfinished zero-copy answer holds
            if not response.has_responded and not stop.is_set():
                unanswered = RuntimeError("The handler of channel '%s' returned without answering request %d."
                                          % (server.channel_name, sequence))
                server._report(unanswered, sequence, self.number)
                self._answer_with_error(sequence, errors.NO_RESPONSE, str(unanswered), server.options.response_write_timeout)
        except _Stopped:
            pass  # stopping, or the client is gone: a response waiting for space is abandoned
        except ReaderDeadError as ex:
            # The client's response buffer is gone: no later response can be delivered either.
            server._report(ex, sequence, self.number)
            self.cancel_client()
        except Exception as ex:  # a handler's failure is reported, and answered; the session keeps serving
            server._report(ex, sequence, self.number)
            if not response.has_responded:
                # A full ring that did not drain for the response will not take the error either: do not wait again.
                wait = 0.0 if isinstance(ex, BufferFullError) else server.options.response_write_timeout
                self._answer_with_error(sequence, errors.type_name(ex), str(ex), wait)
        finally:
            _handling.server = outer
            request.release()

    def _answer_with_error(self, sequence: int, type_name: str, message: str, wait: Optional[float]) -> None:
        """Sends the error response to ``sequence``, when the client understands it; its own failure is only logged."""
        responses = self._responses
        if not self._client_takes_errors or responses is None:
            return
        try:
            payload = errors.encode(type_name, message, max(1, responses.max_frame_size_anywhere))
            error_sequence = errors.error_sequence(sequence)
            with self._response_lock:
                written = self._wait_in_slices(lambda slice_: responses._try_write_sequenced(payload, error_sequence, slice_), wait)
            if not written:
                self._error_dropped(sequence, "the response ring stayed full")
        except _Stopped:
            pass
        except ReaderDeadError:
            self.cancel_client()
        except Exception as ex:  # the error response is a courtesy: its own failure must not end the session
            self._error_dropped(sequence, str(ex))

    def _error_dropped(self, sequence: int, reason: str) -> None:
        _log.warning("Duplex channel '%s': the error response to request %d was dropped: %s", self._server.channel_name, sequence, reason)

    # ----------------------------------------------------------------------------- response writes, serialised

    def _write_response(self, payload: bytes | bytearray | memoryview, sequence: int) -> None:
        with self._response_lock:
            writer = self._responses
            assert writer is not None
            size = len(payload) if not isinstance(payload, memoryview) else payload.nbytes
            if not self._wait_in_slices(lambda slice_: writer._try_write_sequenced(payload, sequence, slice_),
                                        self._server.options.response_write_timeout):
                raise writer._full(size)

    def _acquire_response(self, size: int, sequence: int) -> memoryview:
        """Takes the response lock and acquires ring space; :meth:`_commit_response` or :meth:`_abort_response` releases the lock."""
        self._response_lock.acquire()
        try:
            writer = self._responses
            assert writer is not None
            holder: list[memoryview] = []

            def attempt(slice_: float) -> bool:
                buffer = writer._try_get_frame_buffer_sequenced(size, sequence, slice_)
                if buffer is None:
                    return False
                holder.append(buffer)
                return True

            if not self._wait_in_slices(attempt, self._server.options.response_write_timeout):
                raise writer._full(size)
            return holder[0]
        except BaseException:
            self._response_lock.release()
            raise

    def _commit_response(self) -> None:
        try:
            assert self._responses is not None
            self._responses.commit_frame()
        finally:
            self._response_lock.release()

    def _abort_response(self) -> None:
        try:
            assert self._responses is not None
            self._responses.abort_frame()
        finally:
            self._response_lock.release()

    def _wait_in_slices(self, attempt: Callable[[float], bool], timeout: Optional[float]) -> bool:
        """Calls ``attempt(slice)`` until it succeeds (True) or ``timeout`` seconds pass (False). Waits
        in slices, so a client stop ends the wait: once set, one last attempt that does not wait, then
        :class:`_Stopped` (a response is written if the ring has room, and abandoned if it would wait)."""
        stop = self._client_stop
        give_up = None if timeout is None else time.monotonic() + timeout
        while True:
            stopping = stop.is_set()
            remaining = _SLICE if give_up is None else max(0.0, min(_SLICE, give_up - time.monotonic()))
            if attempt(0.0 if stopping else remaining):
                return True
            if stopping:
                raise _Stopped()
            if give_up is not None and time.monotonic() >= give_up:
                return False
