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

The package mirrors C#'s ``ZeroBuffer.Duplex``, one concept per file; every name is also exported here.
"""

from __future__ import annotations

from ..access import BufferAccess
from ..config import BufferConfig
from ..errors import BufferNotFoundError, ObjectDisposedError, ReaderDeadError, WriterClosedError, WriterDeadError
from ..frame import Frame
from ..reader import Reader
from ..wait import WaitStrategy
from ..writer import Writer
from .channel_names import _validate_channel, request_buffer_name, response_buffer_name
from .duplex_channel_factory import DuplexChannelFactory, _is_ready, wait_exists
from .duplex_client import DuplexClient, _access_of, _complete
from .duplex_client_options import DuplexClientOptions
from .duplex_response import DuplexResponse
from .duplex_response_writer import DuplexResponseWriter
from .duplex_server import _SLICE, ErrorHandler, _Countdown, _DuplexServer, _handling, _log, _Stopped
from .duplex_server_options import DuplexServerOptions
from .immutable_duplex_server import ImmutableDuplexServer
from .mutable_duplex_server import MutableDuplexServer
from .processing_mode import ProcessingMode

__all__ = [
    "DuplexChannelFactory", "DuplexClient", "DuplexClientOptions", "DuplexResponse", "DuplexResponseWriter",
    "DuplexServerOptions", "ImmutableDuplexServer", "MutableDuplexServer", "ProcessingMode", "request_buffer_name",
    "response_buffer_name", "wait_exists",
]
