"""The client side of a duplex channel (C#'s ``DuplexClient``)."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import os
import threading
from typing import Optional

from .._protocol import names
from .._protocol.peer_liveness import LIVENESS_INTERVAL
from ..access import BufferAccess
from ..config import BufferConfig
from ..errors import ObjectDisposedError, WriterDeadError
from ..frame import Frame
from ..reader import Reader
from ..writer import Writer
from .channel_names import _validate_channel, request_buffer_name, response_buffer_name
from .duplex_client_options import DuplexClientOptions
from .duplex_response import DuplexResponse


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
