"""Duplex channels: request/response over two ordinary buffers (``docs/duplex.md``, protocol §8),
the twin of C#'s ``ZeroBuffer.Duplex``.

Channel ``C`` = ``C_request`` (created by the server, written by the client) and ``C_response``
(created by the client, written by the server). A response frame's header carries the sequence
number of the request it answers; the client checks that correlation, not continuity.

Server (process A)::

    server = DuplexChannelFactory().create_immutable_server("resize", BufferConfig(4096, 64 << 20))
    server.start(lambda request, response: response.write(bytes(request.data)[::-1]))
    server.wait()                       # until the client leaves

Client (process B)::

    with DuplexChannelFactory().create_client("resize") as client:
        response = client.send_async(b"abc").result(timeout=2)   # DuplexResponse(sequence, payload)
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import enum
import logging
import os
import threading
import time
from typing import Callable, Optional

from ._primitives import backoff
from ._primitives.deadline import Deadline
from ._protocol import names
from ._protocol.control_block import BlockStatus
from ._protocol.peer_liveness import LIVENESS_INTERVAL, ReaderState, look
from .access import BufferAccess
from .config import BufferConfig
from .errors import BufferNotFoundError, ObjectDisposedError, ReaderDeadError, WriterClosedError, WriterDeadError
from .frame import Frame
from .reader import Reader
from .wait import WaitStrategy
from .writer import Writer

__all__ = [
    "DuplexChannelFactory", "DuplexClient", "DuplexClientOptions", "DuplexResponse", "DuplexResponseWriter",
    "DuplexServerOptions", "ImmutableDuplexServer", "MutableDuplexServer", "ProcessingMode", "request_buffer_name",
    "response_buffer_name", "wait_exists",
]

_log = logging.getLogger("zerobuffer")
_SLICE = LIVENESS_INTERVAL  # seconds: how often blocked loops look at the stop flag (and so at the peer)


class ProcessingMode(enum.Enum):
    SINGLE_THREAD = 0
    """Handlers run on the server's own thread, one at a time, in request order (the default)."""
    THREAD_POOL = 1
    """The server's thread reads and hands each request to an executor; responses may overtake each other."""


ErrorHandler = Callable[[BaseException, int], None]
"""``(exception, request_sequence)``; sequence 0 when the error is not about one request."""


@dataclasses.dataclass
class DuplexServerOptions:
    mode: ProcessingMode = ProcessingMode.SINGLE_THREAD
    max_concurrency: int = dataclasses.field(default_factory=lambda: os.cpu_count() or 1)
    """THREAD_POOL: at most this many handlers at once (and request frames held)."""
    executor: Optional[concurrent.futures.Executor] = None
    """THREAD_POOL: runs the handlers (C#'s Scheduler); default: a pool of ``max_concurrency`` threads."""
    connect_timeout: Optional[float] = 5.0
    """Seconds to wait for the client's response buffer after the first request (None = forever)."""
    response_write_timeout: Optional[float] = 5.0
    """Seconds a response waits for ring space before BufferFullError (None = forever)."""
    metadata_handler: Optional[Callable[[memoryview], None]] = None
    """Called once with the request buffer's metadata, before the first request is handled."""
    wait_strategy: WaitStrategy = WaitStrategy.DEFAULT
    """How the server waits for requests and for response-ring space (default spin then block)."""
    access: Optional[BufferAccess] = None
    """Who may open the request buffer the server creates; None: the access of the server's
    ``BufferConfig`` (owner-only by default). The client needs it to connect."""

    def validate(self) -> None:
        if self.access is not None and not isinstance(self.access, BufferAccess):
            raise TypeError("access must be a BufferAccess or None, got %r." % (self.access,))
        if not isinstance(self.wait_strategy, WaitStrategy):
            raise TypeError("wait_strategy must be a WaitStrategy, got %r." % (self.wait_strategy,))
        if not isinstance(self.mode, ProcessingMode):
            raise ValueError("Unknown processing mode %r." % (self.mode,))
        if self.max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1 (got %d)." % self.max_concurrency)
        if self.executor is not None and self.mode is not ProcessingMode.THREAD_POOL:
            raise ValueError("An executor runs handlers in THREAD_POOL mode; the mode is %s." % self.mode.name)
        if self.connect_timeout is not None and self.connect_timeout < 0:
            raise ValueError("connect_timeout must be >= 0 or None.")
        if self.response_write_timeout is not None and self.response_write_timeout <= 0:
            raise ValueError("response_write_timeout must be positive or None.")


@dataclasses.dataclass
class DuplexClientOptions:
    response_config: Optional[BufferConfig] = None
    """The response buffer's sizes; default: no metadata and a ring as large as the server's request ring."""
    request_write_timeout: Optional[float] = 5.0
    wait_strategy: WaitStrategy = WaitStrategy.DEFAULT
    """How the client waits for responses and for request-ring space (default spin then block).
    The receive thread of ``send_async`` polls while the strategy says so, so ``BUSY_SPIN`` keeps
    a core busy for as long as the client lives."""
    access: Optional[BufferAccess] = None
    """Who may open the response buffer the client creates (the server needs it to connect its
    response writer). None: the access of ``response_config`` when one is given, else the same
    sharing as the server's request buffer (from its file mode), as C# does."""


@dataclasses.dataclass(frozen=True)
class DuplexResponse:
    """A response to :meth:`DuplexClient.send_async`: the request's sequence and a private copy of the bytes."""

    sequence: int
    payload: bytes


def request_buffer_name(channel: str) -> str:
    return channel + "_request"


def response_buffer_name(channel: str) -> str:
    return channel + "_response"


def _validate_channel(channel: object) -> str:
    if not isinstance(channel, str) or not channel or not names.is_valid(response_buffer_name(channel)):
        raise ValueError("Channel name %r is invalid: use 1-191 characters from [A-Za-z0-9._-] (its buffers are "
                         "'<name>_request' and '<name>_response', at most 200 characters)." % (channel,))
    return channel


def wait_exists(channel: str, timeout: Optional[float]) -> bool:
    """Waits until the channel's server has created its request buffer; False after ``timeout`` seconds."""
    _validate_channel(channel)
    name = request_buffer_name(channel)
    return backoff.poll(lambda: True if _is_ready(name) else None, Deadline(timeout)) is not None


def _is_ready(name: str) -> bool:
    """Both semaphores exist, the control block passes the one validator (initialised: its size
    field, written last, is set; protocol 1; sizes and positions possible) and its reader is
    running. The segment is looked at as the census does (``O_NONBLOCK``, regular files only), so
    a FIFO planted under the name hangs nothing."""
    if not (os.path.exists(names.semaphore_file(names.data_available_semaphore(name)))
            and os.path.exists(names.semaphore_file(names.space_available_semaphore(name)))):
        return False
    seen = look(names.segment_file(name))
    return seen.block is not None and seen.block.validate().status is BlockStatus.OK and seen.reader is ReaderState.ALIVE


class _Stopped(Exception):
    """The server is stopping: a blocked read or a response waiting for space is abandoned."""


_handling = threading.local()  # the server whose handler runs on this thread


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


class _Countdown:
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


class _DuplexServer:
    """The session loop shared by both server kinds: one thread owns the request reader and the
    response writer from :meth:`start` to the end of the session and closes both, once. :meth:`stop`
    only sets the stop flag and joins, so it never races the loop."""

    _NOT_STARTED, _RUNNING, _ENDED = 0, 1, 2

    def __init__(self, channel: str, config: BufferConfig, options: Optional[DuplexServerOptions]) -> None:
        _validate_channel(channel)
        options = options if options is not None else DuplexServerOptions()
        options.validate()
        self.channel_name = channel
        self.options = options
        self._config = config if options.access is None else dataclasses.replace(config, access=options.access)
        self.on_error: list[ErrorHandler] = []
        """Subscribers: handler failures, response-write failures, and what ends a session badly."""
        self._state_lock = threading.Lock()
        self._state = self._NOT_STARTED
        self._stop = threading.Event()
        self._completion = threading.Event()
        self._response_lock = threading.Lock()  # serializes response writes; held from acquire to commit/abort
        self._worker: Optional[threading.Thread] = None
        self._requests: Optional[Reader] = None
        self._responses: Optional[Writer] = None
        self._disposed = False
        self._slots: Optional[threading.Semaphore] = None
        self._running: Optional[_Countdown] = None
        self._executor: Optional[concurrent.futures.Executor] = None
        self._own_executor = False

    @property
    def mode(self) -> ProcessingMode:
        return self.options.mode

    @property
    def is_running(self) -> bool:
        return self._state == self._RUNNING

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Waits until the session has ended (C#'s ``Completion``); False on timeout."""
        return self._completion.wait(timeout)

    def _start_core(self) -> None:
        with self._state_lock:
            if self._disposed:
                raise ObjectDisposedError("The duplex server of channel '%s' was closed." % self.channel_name)
            if self._state != self._NOT_STARTED:
                raise RuntimeError("The duplex server of channel '%s' was already started; a server serves one session." % self.channel_name)
            self._requests = Reader(request_buffer_name(self.channel_name), self._config, wait_strategy=self.options.wait_strategy)
            if self.mode is ProcessingMode.THREAD_POOL:
                self._slots = threading.Semaphore(self.options.max_concurrency)
                self._running = _Countdown()
                self._executor = self.options.executor
                if self._executor is None:
                    self._own_executor = True
                    self._executor = concurrent.futures.ThreadPoolExecutor(self.options.max_concurrency, "duplex-" + self.channel_name)
            self._state = self._RUNNING
            self._worker = threading.Thread(target=self._run, name="duplex server " + self.channel_name, daemon=True)
            self._worker.start()

    def _handle(self, request: Frame) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        """Stops reading, lets running handlers finish, and returns when everything is closed.
        From inside a handler it returns at once; the session ends when the handler returns."""
        with self._state_lock:
            if self._state == self._NOT_STARTED:
                self._state = self._ENDED
                self._completion.set()
                return
            if self._state == self._RUNNING:
                self._stop.set()
            worker = self._worker
        if worker is not None and worker is not threading.current_thread() and getattr(_handling, "server", None) is not self:
            worker.join()

    def close(self) -> None:
        with self._state_lock:
            self._disposed = True
        self.stop()

    def __enter__(self) -> "_DuplexServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self) -> None:
        requests = self._requests
        assert requests is not None
        try:
            self._serve(requests)
        except _Stopped:
            pass  # stop(), or a handler that found the client gone (already reported)
        except WriterClosedError:
            _log.info("Duplex channel '%s': the client left", self.channel_name)
        except WriterDeadError:
            _log.info("Duplex channel '%s': the client died", self.channel_name)
        except BaseException as ex:  # the session's end: reported, never raised on this thread
            self._report(ex, 0)
        finally:
            if self._running is not None:
                self._running.signal()  # the worker's own count
                self._running.wait()
            if self._own_executor and self._executor is not None:
                self._executor.shutdown(wait=True)
            if self._responses is not None:
                self._responses.close()
            requests.close()
            with self._state_lock:
                self._state = self._ENDED
            _log.info("Duplex channel '%s': session ended", self.channel_name)
            self._completion.set()

    def _serve(self, requests: Reader) -> None:
        first = True
        while True:
            if self._slots is not None:
                while not self._slots.acquire(timeout=_SLICE):
                    if self._stop.is_set():
                        raise _Stopped()
            try:
                request = self._read_request(requests)
            except BaseException:
                if self._slots is not None:
                    self._slots.release()
                raise
            if first:
                first = False
                try:
                    self._responses = self._connect_responses()
                except BaseException:
                    request.release()
                    if self._slots is not None:
                        self._slots.release()
                    raise
                self._report_metadata(requests, request.sequence)
            if self._slots is None:
                self._handle_and_release(request)
            else:
                self._dispatch(request)

    def _read_request(self, requests: Reader) -> Frame:
        while True:
            if self._stop.is_set():
                raise _Stopped()
            frame = requests.read_frame(_SLICE)
            if frame:
                return frame

    def _report_metadata(self, requests: Reader, first_sequence: int) -> None:
        handler = self.options.metadata_handler
        if handler is None:
            return
        try:
            handler(requests.get_metadata())
        except Exception as ex:
            self._report(ex, first_sequence)

    def _connect_responses(self) -> Writer:
        """Connects to the client's response buffer, which a client creates right after connecting to the request buffer."""
        name = response_buffer_name(self.channel_name)
        timeout = self.options.connect_timeout
        missing: list[BaseException] = []

        def attempt() -> Optional[Writer]:
            try:
                writer = Writer(name, wait_strategy=self.options.wait_strategy)
            except (BufferNotFoundError, ReaderDeadError) as ex:
                missing[:] = [ex]  # not created yet, or a previous client's leftover about to be replaced
                return None
            writer.write_timeout = self.options.response_write_timeout
            return writer

        try:
            writer = backoff.poll(attempt, Deadline(timeout), self._stop)
        except backoff.Cancelled:
            raise _Stopped() from None
        if writer is None:
            raise TimeoutError("The client of channel '%s' sent a request but its response buffer '%s' was not ready within %s s."
                               % (self.channel_name, name, timeout)) from (missing[0] if missing else None)
        return writer

    def _dispatch(self, request: Frame) -> None:
        assert self._running is not None and self._slots is not None and self._executor is not None
        self._running.add()
        try:
            self._executor.submit(self._work_item, request)
        except BaseException:
            request.release()
            self._slots.release()
            self._running.signal()
            raise

    def _work_item(self, request: Frame) -> None:
        try:
            self._handle_and_release(request)
        finally:
            assert self._slots is not None and self._running is not None
            self._slots.release()
            self._running.signal()

    def _handle_and_release(self, request: Frame) -> None:
        outer = getattr(_handling, "server", None)
        _handling.server = self
        try:
            self._handle(request)
        except _Stopped:
            pass  # stopping: a response waiting for space is abandoned
        except ReaderDeadError as ex:
            # The client's response buffer is gone: no later response can be delivered either.
            self._report(ex, request.sequence)
            self._stop.set()
        except Exception as ex:
            self._report(ex, request.sequence)
        finally:
            _handling.server = outer
            request.release()

    # Response writes, serialized; waits for space in slices so that stop() abandons them.

    def _write_response(self, payload: bytes | bytearray | memoryview, sequence: int) -> None:
        with self._response_lock:
            writer = self._responses
            assert writer is not None
            self._wait_in_slices(lambda slice_: writer._try_write_sequenced(payload, sequence, slice_), len(payload))

    def _acquire_response(self, size: int, sequence: int) -> memoryview:
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

            self._wait_in_slices(attempt, size)
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

    def _wait_in_slices(self, attempt: Callable[[float], bool], size: int) -> None:
        timeout = self.options.response_write_timeout
        give_up = None if timeout is None else time.monotonic() + timeout
        while True:
            stopping = self._stop.is_set()
            remaining = _SLICE if give_up is None else max(0.0, min(_SLICE, give_up - time.monotonic()))
            if attempt(0.0 if stopping else remaining):
                return
            if stopping:
                raise _Stopped()
            if give_up is not None and time.monotonic() >= give_up:
                assert self._responses is not None
                raise self._responses._full(size)

    def _report(self, error: BaseException, sequence: int) -> None:
        _log.warning("Duplex channel '%s': request %d: %s", self.channel_name, sequence, error)
        for subscriber in list(self.on_error):
            try:
                subscriber(error, sequence)
            except Exception as ex:  # a subscriber's failure must not end the session
                _log.warning("Duplex channel '%s': an on_error subscriber failed: %s", self.channel_name, ex)


class ImmutableDuplexServer(_DuplexServer):
    """The handler reads the request (zero-copy) and answers through a :class:`DuplexResponseWriter`."""

    _handler: Callable[[Frame, DuplexResponseWriter], None]

    def start(self, handler: Callable[[Frame, DuplexResponseWriter], None]) -> None:
        self._handler = handler
        self._start_core()

    def _handle(self, request: Frame) -> None:
        response = DuplexResponseWriter(self, request.sequence)
        try:
            self._handler(request, response)
        finally:
            response._end()


class MutableDuplexServer(_DuplexServer):
    """The handler edits the request bytes in place (``request.get_mutable_view()``); those bytes are the response."""

    _handler: Callable[[Frame], None]

    def start(self, handler: Callable[[Frame], None]) -> None:
        self._handler = handler
        self._start_core()

    def _handle(self, request: Frame) -> None:
        self._handler(request)
        self._write_response(request.data, request.sequence)


class DuplexClient:
    """Connects to a channel's request buffer and creates its response buffer.

    Synchronous style: :meth:`send_request` (or :meth:`acquire_request_buffer` + :meth:`commit_request`)
    returns the request's sequence; :meth:`receive_response` returns the next response frame, whose
    ``sequence`` names its request. Correlated style: :meth:`send_async` returns a future of the
    :class:`DuplexResponse` to *that* request. The two styles do not mix."""

    def __init__(self, channel: str, options: Optional[DuplexClientOptions] = None) -> None:
        _validate_channel(channel)
        options = options if options is not None else DuplexClientOptions()
        self.channel_name = channel
        self._requests = Writer(request_buffer_name(channel), wait_strategy=options.wait_strategy)
        self._requests.write_timeout = options.request_write_timeout
        try:
            # By default the response buffer is shared exactly as widely as the server shared its request buffer.
            config = options.response_config or BufferConfig(0, self._requests.ring_size, _access_of(request_buffer_name(channel)))
            if options.access is not None:
                config = dataclasses.replace(config, access=options.access)
            self._responses = Reader(response_buffer_name(channel), config, wait_strategy=options.wait_strategy)
            self._responses._check_sequence_continuity = False
        except BaseException:
            self._requests.close()
            raise
        self._send_lock = threading.RLock()  # one request write at a time; held from acquire to commit/abort
        self._acquire_owner: Optional[int] = None
        self._pending: dict[int, concurrent.futures.Future[DuplexResponse]] = {}
        self._pending_lock = threading.Lock()
        self._receive_stop = threading.Event()
        self._receive_lock = threading.Lock()
        self._receive_thread: Optional[threading.Thread] = None
        self._fault: Optional[BaseException] = None
        self._disposed = False
        self.unmatched_responses = 0

    @property
    def is_server_connected(self) -> bool:
        return self._requests.is_reader_connected()

    def send_request(self, request: bytes | bytearray | memoryview) -> int:
        with self._send_lock:
            sequence = self._requests.next_sequence
            self._requests.write_frame(request)
            return sequence

    def acquire_request_buffer(self, size: int) -> tuple[memoryview, int]:
        """Zero-copy request: (buffer, sequence); fill it, then :meth:`commit_request` or :meth:`abort_request`."""
        self._send_lock.acquire()
        try:
            if self._acquire_owner == threading.get_ident():
                raise RuntimeError("A request of channel '%s' is already acquired; call commit_request or abort_request first." % self.channel_name)
            sequence = self._requests.next_sequence
            buffer = self._requests.get_frame_buffer(size)
            self._acquire_owner = threading.get_ident()
            return buffer, sequence  # the lock stays held until commit_request/abort_request
        except BaseException:
            self._send_lock.release()
            raise

    def commit_request(self) -> None:
        self._end_acquire(commit=True)

    def abort_request(self) -> None:
        self._end_acquire(commit=False)

    def _end_acquire(self, commit: bool) -> None:
        if self._acquire_owner != threading.get_ident():
            raise RuntimeError("No request of channel '%s' is acquired on this thread; call acquire_request_buffer first." % self.channel_name)
        try:
            self._acquire_owner = None
            if commit:
                self._requests.commit_frame()
            else:
                self._requests.abort_frame()
        finally:
            self._send_lock.release()

    def receive_response(self, timeout: Optional[float] = None) -> Frame:
        if self._receive_thread is not None:
            raise RuntimeError("Channel '%s': send_async is in use, its receive thread takes every response; "
                               "receive_response cannot be mixed with it." % self.channel_name)
        return self._responses.read_frame(timeout)

    def set_metadata(self, metadata: bytes | bytearray | memoryview) -> None:
        with self._send_lock:
            self._requests.set_metadata(metadata)

    def send_async(self, request: bytes | bytearray | memoryview) -> "concurrent.futures.Future[DuplexResponse]":
        """Sends the request; the future completes with the response carrying its sequence, or
        fails with WriterDeadError (server gone), ObjectDisposedError (client closed), or the write's error."""
        future: concurrent.futures.Future[DuplexResponse] = concurrent.futures.Future()
        if self._fault is not None:
            future.set_exception(self._fault)
            return future
        try:
            self._ensure_receive_thread()
        except ObjectDisposedError as ex:
            future.set_exception(ex)
            return future
        try:
            with self._send_lock:
                sequence = self._requests.next_sequence
                with self._pending_lock:
                    self._pending[sequence] = future  # before the write: the response may come back at once
                # A future the caller cancels leaves the registry at once, answered or not, so an
                # unanswered cancelled request keeps nothing alive (C#: the token registration).
                future.add_done_callback(lambda done, sequence=sequence: self._forget(sequence, done))
                try:
                    self._requests.write_frame(request)
                except BaseException:
                    with self._pending_lock:
                        self._pending.pop(sequence, None)
                    raise
        except Exception as ex:
            future.set_exception(ex)
            return future
        fault = self._fault
        if fault is not None:
            # The receive thread ended after the check above: nothing will complete this request.
            with self._pending_lock:
                mine = self._pending.get(sequence) is future and self._pending.pop(sequence, None) is not None
            if mine:
                _complete(future, exception=fault)
        return future

    def _forget(self, sequence: int, future: "concurrent.futures.Future[DuplexResponse]") -> None:
        """Unregisters ``future`` if it is still the one waiting for ``sequence`` (a completed one was already taken)."""
        with self._pending_lock:
            if self._pending.get(sequence) is future:
                del self._pending[sequence]

    def _ensure_receive_thread(self) -> None:
        if self._receive_thread is not None:
            return
        with self._receive_lock:
            if self._disposed:
                raise ObjectDisposedError("The client of channel '%s' was closed." % self.channel_name)
            if self._receive_thread is None:
                thread = threading.Thread(target=self._receive_loop, name="duplex client " + self.channel_name, daemon=True)
                thread.start()
                self._receive_thread = thread

    def _receive_loop(self) -> None:
        fault: BaseException
        while True:
            if self._receive_stop.is_set():
                fault = ObjectDisposedError("The client of channel '%s' was closed." % self.channel_name)
                break
            try:
                frame = self._responses.try_read_frame(LIVENESS_INTERVAL)
                if frame is None:
                    with self._pending_lock:
                        waiting = bool(self._pending)
                    if waiting and not self._requests.is_reader_connected():
                        # The server died before it ever connected its response writer: nothing will answer.
                        fault = WriterDeadError(response_buffer_name(self.channel_name),
                                                "The server of channel '%s' is gone (its request reader is not alive); "
                                                "pending requests will not be answered." % self.channel_name)
                        break
                    continue
            except BaseException as ex:  # whatever ends the receive thread fails every pending request
                fault = ex
                break
            with frame:
                with self._pending_lock:
                    future = self._pending.pop(frame.sequence, None)
                if future is not None:
                    _complete(future, result=DuplexResponse(frame.sequence, frame.to_bytes()))
                else:
                    self.unmatched_responses += 1
        self._fault = fault
        with self._pending_lock:
            pending, self._pending = self._pending, {}
        for future in pending.values():
            _complete(future, exception=fault)

    def close(self) -> None:
        with self._receive_lock:
            if self._disposed:
                return
            self._disposed = True
            receive_thread = self._receive_thread
        self._receive_stop.set()
        if receive_thread is not None:
            receive_thread.join()  # fails pending requests, then stops touching the response reader
        self._requests.close()  # the server sees the client leave
        self._responses.close()  # removes the response buffer

    def __enter__(self) -> "DuplexClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _access_of(name: str) -> BufferAccess:
    """The sharing of an existing buffer, from its segment's mode (owner-only when it cannot be read)."""
    try:
        return BufferAccess.of_mode(os.stat(names.segment_file(name)).st_mode)
    except OSError:
        return BufferAccess.OWNER


def _complete(future: "concurrent.futures.Future[DuplexResponse]", result: Optional[DuplexResponse] = None,
              exception: Optional[BaseException] = None) -> None:
    """Completes a future unless its caller cancelled it (a late response to it is dropped)."""
    if not future.set_running_or_notify_cancel():
        return
    if exception is not None:
        future.set_exception(exception)
    else:
        future.set_result(result)  # type: ignore[arg-type]


class DuplexChannelFactory:
    """Creates servers and clients of duplex channels (C#'s ``DuplexChannelFactory``)."""

    def create_immutable_server(self, channel: str, config: BufferConfig, options: Optional[DuplexServerOptions] = None) -> ImmutableDuplexServer:
        return ImmutableDuplexServer(channel, config, options)

    def create_mutable_server(self, channel: str, config: BufferConfig, options: Optional[DuplexServerOptions] = None) -> MutableDuplexServer:
        return MutableDuplexServer(channel, config, options)

    def create_client(self, channel: str, options: Optional[DuplexClientOptions] = None) -> DuplexClient:
        return DuplexClient(channel, options)

    @staticmethod
    def wait_exists(channel: str, timeout: Optional[float]) -> bool:
        return wait_exists(channel, timeout)

