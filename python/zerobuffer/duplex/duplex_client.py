"""The client side of a duplex channel (C#'s ``DuplexClient``)."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import os
import threading
from typing import Any, Optional

from .._primitives import backoff
from .._primitives.deadline import Deadline
from .._protocol import layout as L
from .._protocol import names
from .._protocol.peer_liveness import LIVENESS_INTERVAL
from ..access import BufferAccess
from ..config import BufferConfig
from ..errors import (BufferNotFoundError, DuplexHandlerError, ObjectDisposedError, ReaderDeadError, WriterAlreadyConnectedError,
                      WriterDeadError, ZeroBufferError)
from ..frame import Frame
from ..reader import Reader
from ..writer import Writer
from . import duplex_error_response as errors
from .channel_names import MAX_SESSIONS, _validate_channel, request_buffer_name, response_buffer_name
from .duplex_client_options import DuplexClientOptions
from .duplex_response import DuplexResponse

_MAX_CONNECT_PAUSE = 0.050  # seconds between scans while no session is free (nothing signals one)


class DuplexClient:
    """Takes a free session of a channel (protocol §8): connects to its request buffer and creates
    its response buffer, which advertises that it understands error responses.

    Synchronous style: :meth:`send_request` (or :meth:`acquire_request_buffer` + :meth:`commit_request`)
    returns the request's sequence; :meth:`receive_response` returns the next response frame, whose
    ``sequence`` names its request. Correlated style: :meth:`send_async` returns a future of the
    :class:`DuplexResponse` to *that* request. The two styles do not mix. A request the server could
    not answer fails at once with :class:`~zerobuffer.DuplexHandlerError` in both."""

    def __init__(self, channel: str, options: Optional[DuplexClientOptions] = None) -> None:
        _validate_channel(channel)
        options = options if options is not None else DuplexClientOptions()
        if options.connect_timeout is None or options.connect_timeout < 0:
            raise ValueError("connect_timeout must be >= 0 seconds (got %r)." % (options.connect_timeout,))
        self.channel_name = channel
        self._requests, self._session = _take_session(channel, options)
        try:
            self._requests.write_timeout = options.request_write_timeout
            # By default the response buffer is shared exactly as widely as the server shared its request buffer.
            requests = request_buffer_name(channel, self._session)
            config = options.response_config or BufferConfig(0, self._requests.ring_size, _access_of(requests))
            if options.access is not None:
                config = dataclasses.replace(config, access=options.access)
            self._responses = Reader(response_buffer_name(channel, self._session), config, wait_strategy=options.wait_strategy,
                                     _advertised_features=L.FEATURE_DUPLEX_ERRORS)
            self._responses._check_sequence_continuity = False  # responses are matched to requests, in any order
        except BaseException:
            self._requests.close()
            raise
        self._send_lock = threading.RLock()  # one request write at a time; held from acquire to commit/abort
        self._acquire_owner: Optional[int] = None
        self._pending: dict[int, tuple[concurrent.futures.Future[Any], bool]] = {}  # sequence -> (future, lease)
        self._pending_lock = threading.Lock()
        self._receive_stop = threading.Event()
        self._receive_lock = threading.Lock()
        self._receive_thread: Optional[threading.Thread] = None
        self._fault: Optional[BaseException] = None
        self._disposed = False
        self.unmatched_responses = 0

    @property
    def session(self) -> int:
        """The session this client took: 0 for ``C_request``/``C_response``, k for ``C_request.k``/``C_response.k``."""
        return self._session

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
        """The next response (an invalid frame after ``timeout`` seconds); release it when done.
        :class:`~zerobuffer.DuplexHandlerError` when the server could not answer the request it names."""
        if self._receive_thread is not None:
            raise RuntimeError("Channel '%s': send_async is in use, its receive thread takes every response; "
                               "receive_response cannot be mixed with it." % self.channel_name)
        frame = self._responses.read_frame(timeout)
        if frame and errors.is_error(frame.sequence):
            with frame:
                raise self._handler_failed(frame)
        return frame

    def _handler_failed(self, frame: Frame) -> DuplexHandlerError:
        remote_type, remote_message = errors.decode(frame.data)
        return DuplexHandlerError(response_buffer_name(self.channel_name, self._session), errors.request_of(frame.sequence),
                                  remote_type, remote_message)

    def set_metadata(self, metadata: bytes | bytearray | memoryview) -> None:
        with self._send_lock:
            self._requests.set_metadata(metadata)

    def send_async(self, request: bytes | bytearray | memoryview) -> "concurrent.futures.Future[DuplexResponse]":
        """Sends the request; the future completes with the response carrying its sequence (a
        private copy of its bytes), or fails with DuplexHandlerError (the server could not answer
        it), WriterDeadError (server gone), WriterClosedError (server stopped), ObjectDisposedError
        (client closed), or the write's error."""
        return self._send(request, lease=False)

    def request_async(self, request: bytes | bytearray | memoryview) -> "concurrent.futures.Future[Frame]":
        """Like :meth:`send_async`, but the future completes with the response :class:`Frame`
        itself, a lease over the response ring: no copy. Release it (``with frame:``) when done;
        the ring gives its space back in order, so a lease held long keeps newer responses out.
        A response to a cancelled future is released by the client. With asyncio:
        ``frame = await asyncio.wrap_future(client.request_async(data))``."""
        return self._send(request, lease=True)

    def _send(self, request: bytes | bytearray | memoryview, lease: bool) -> "concurrent.futures.Future[Any]":
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
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
                    self._pending[sequence] = (future, lease)  # before the write: the response may come back at once
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
                mine = self._pending.get(sequence, (None, False))[0] is future and self._pending.pop(sequence, None) is not None
            if mine:
                _complete(future, exception=fault)
        return future

    def _forget(self, sequence: int, future: "concurrent.futures.Future[DuplexResponse]") -> None:
        """Unregisters ``future`` if it is still the one waiting for ``sequence`` (a completed one was already taken)."""
        with self._pending_lock:
            if self._pending.get(sequence, (None, False))[0] is future:
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
                        fault = WriterDeadError(response_buffer_name(self.channel_name, self._session),
                                                "The server of channel '%s' is gone (its request reader is not alive); "
                                                "pending requests will not be answered." % self.channel_name)
                        break
                    continue
            except BaseException as ex:  # whatever ends the receive thread fails every pending request
                fault = ex
                break
            with self._pending_lock:
                future, lease = self._pending.pop(errors.request_of(frame.sequence), (None, False))
            if future is None:
                self.unmatched_responses += 1  # its request was cancelled: the response is dropped
                frame.release()
            elif errors.is_error(frame.sequence):
                with frame:
                    _complete(future, exception=self._handler_failed(frame))
            elif lease:
                if not _complete(future, result=frame):
                    frame.release()  # cancelled meanwhile: nobody will release the lease
            else:
                with frame:
                    _complete(future, result=DuplexResponse(frame.sequence, frame.to_bytes()))
        self._fault = fault
        with self._pending_lock:
            pending, self._pending = self._pending, {}
        for future, _ in pending.values():
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


def _take_session(channel: str, options: DuplexClientOptions) -> tuple[Writer, int]:
    """Connects the request writer of the first free session: 0, 1, ... while they are taken, until
    one is free or none is open; then waits (a server opens the next session when one is taken, and
    renews a session's buffers between clients) up to ``options.connect_timeout``."""
    last: list[Optional[ZeroBufferError]] = [None]
    taken = [0]  # sessions found taken in the last scan

    def scan() -> Optional[tuple[Writer, int]]:
        taken[0] = 0
        for session in range(MAX_SESSIONS):
            name = request_buffer_name(channel, session)
            try:
                requests = Writer(name, wait_strategy=options.wait_strategy)
            except WriterAlreadyConnectedError as ex:
                last[0] = ex  # another client's session
                taken[0] = session + 1
                continue
            except (BufferNotFoundError, ReaderDeadError) as ex:
                last[0] = ex  # no further session open (or being renewed, or its server gone)
                return None
            if requests._generation <= 1:
                return requests, session  # the session's first client since its buffers were created
            # A client left this session and the server has not renewed its buffers yet: its response
            # writer still points at the last client. Come back once it has.
            requests.close()
            last[0] = WriterAlreadyConnectedError(name, "Session %d of channel '%s' is being renewed after its last client." % (session, channel))
            taken[0] = session + 1
        return None

    found = backoff.poll(scan, Deadline(options.connect_timeout), max_pause=_MAX_CONNECT_PAUSE)
    if found is not None:
        return found
    request = request_buffer_name(channel)
    waited = options.connect_timeout * 1000
    cause = last[0]
    error: ZeroBufferError
    if isinstance(cause, WriterAlreadyConnectedError):
        error = WriterAlreadyConnectedError(request, "Every session of channel '%s' is taken by another client (%d open) and none "
                                                     "became free within %.0f ms." % (channel, taken[0], waited))
    elif taken[0] == 0 and isinstance(cause, ReaderDeadError):
        error = ReaderDeadError(request, "The server of channel '%s' is gone: the reader of its request buffer '%s' is not alive."
                                % (channel, request))
    elif taken[0] == 0:
        error = BufferNotFoundError(request, "No server is serving channel '%s': its request buffer '%s' does not exist." % (channel, request))
    else:
        error = WriterAlreadyConnectedError(request, "Every open session of channel '%s' is taken (%d) and the server opened no "
                                                     "other within %.0f ms." % (channel, taken[0], waited))
    raise error from cause


def _access_of(name: str) -> BufferAccess:
    """The sharing of an existing buffer, from its segment's mode (owner-only when it cannot be read)."""
    try:
        return BufferAccess.of_mode(os.stat(names.segment_file(name)).st_mode)
    except OSError:
        return BufferAccess.OWNER


def _complete(future: "concurrent.futures.Future[Any]", result: Any = None, exception: Optional[BaseException] = None) -> bool:
    """Completes a future unless its caller cancelled it (a late response to it is dropped); False then."""
    if not future.set_running_or_notify_cancel():
        return False
    if exception is not None:
        future.set_exception(exception)
    else:
        future.set_result(result)
    return True
