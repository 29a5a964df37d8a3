"""Duplex channels: request/response over two ordinary buffers (``docs/duplex.md``, protocol §8),
the twin of C#'s ``ZeroBuffer.Duplex``.

Channel ``C`` is served in sessions, one client per session, each two buffers: ``C_request``
(created by the server, written by the client) and ``C_response`` (created by the client, written
by the server) for session 0, ``C_request.k`` / ``C_response.k`` for session k. A server opens the
next session when a client takes the last free one (up to ``max_sessions``) and renews a session
between clients. A response frame's header carries the sequence number of the request it answers
(with bit 63 set for an error response: the server could not answer); the client checks that
correlation, not continuity.

Server (process A)::

    server = DuplexChannelFactory().create_immutable_server("resize", BufferConfig(4096, 64 << 20))
    server.start(lambda request, response: response.write(bytes(request.data)[::-1]))
    server.wait()                       # serves clients until server.stop()

Client (process B)::

    with DuplexChannelFactory().create_client("resize") as client:
        response = client.send_async(b"abc").result(timeout=2)   # DuplexResponse(sequence, payload)

The package mirrors C#'s ``ZeroBuffer.Duplex``, one concept per file; every name is also exported here.
"""

from __future__ import annotations

from ..access import BufferAccess
from ..config import BufferConfig
from ..errors import (BufferNotFoundError, DuplexHandlerError, ObjectDisposedError, ReaderDeadError, WriterAlreadyConnectedError,
                      WriterClosedError, WriterDeadError)
from ..frame import Frame
from ..reader import Reader
from ..wait import WaitStrategy
from ..writer import Writer
from .channel_names import MAX_CHANNEL_LENGTH, MAX_SESSIONS, _validate_channel, request_buffer_name, response_buffer_name
from .duplex_channel_factory import DuplexChannelFactory, _is_ready, wait_exists
from .duplex_client import DuplexClient, _access_of, _complete, _take_session
from .duplex_client_options import DuplexClientOptions
from .duplex_response import DuplexResponse
from .duplex_response_writer import DuplexResponseWriter
from .duplex_server import ErrorHandler, _DuplexServer
from .duplex_server_options import DuplexServerOptions
from .duplex_session import _SLICE, _Countdown, _DuplexSession, _handling, _log, _Stopped
from .immutable_duplex_server import ImmutableDuplexServer
from .mutable_duplex_server import MutableDuplexServer
from .processing_mode import ProcessingMode

__all__ = [
    "DuplexChannelFactory", "DuplexClient", "DuplexClientOptions", "DuplexHandlerError", "DuplexResponse", "DuplexResponseWriter",
    "DuplexServerOptions", "ErrorHandler", "ImmutableDuplexServer", "MAX_CHANNEL_LENGTH", "MAX_SESSIONS", "MutableDuplexServer",
    "ProcessingMode", "request_buffer_name", "response_buffer_name", "wait_exists",
]
