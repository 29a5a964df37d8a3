"""The session loop shared by both kinds of duplex server (C#'s ``DuplexServer``): one thread owns
the request reader and the response writer for the session, and response writes are serialised."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import logging
import threading
import time
from typing import Callable, Optional

from .._primitives import backoff
from .._primitives.deadline import Deadline
from .._protocol.peer_liveness import LIVENESS_INTERVAL
from ..config import BufferConfig
from ..errors import BufferNotFoundError, ObjectDisposedError, ReaderDeadError, WriterClosedError, WriterDeadError
from ..frame import Frame
from ..reader import Reader
from ..writer import Writer
from .channel_names import _validate_channel, request_buffer_name, response_buffer_name
from .duplex_server_options import DuplexServerOptions
from .processing_mode import ProcessingMode

_log = logging.getLogger("zerobuffer")
_SLICE = LIVENESS_INTERVAL  # seconds: how often blocked loops look at the stop flag (and so at the peer)


ErrorHandler = Callable[[BaseException, int], None]
"""``(exception, request_sequence)``; sequence 0 when the error is not about one request."""


class _Stopped(Exception):
    """The server is stopping: a blocked read or a response waiting for space is abandoned."""


_handling = threading.local()  # the server whose handler runs on this thread


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
