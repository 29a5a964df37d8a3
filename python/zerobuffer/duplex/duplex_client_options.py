"""Options of a duplex client (C#'s ``DuplexClientOptions``)."""

from __future__ import annotations

import dataclasses
from typing import Optional

from ..access import BufferAccess
from ..config import BufferConfig
from ..wait import WaitStrategy


@dataclasses.dataclass
class DuplexClientOptions:
    response_config: Optional[BufferConfig] = None
    """The response buffer's sizes; default: no metadata and a ring as large as the server's request ring."""
    request_write_timeout: Optional[float] = 5.0
    """Seconds a send waits for space in the request ring (then BufferFullError)."""
    connect_timeout: float = 1.0
    """Seconds creating the client waits for a free session: while every session the server has
    open is taken by another client, and while a session is renewed between two clients. Then
    BufferNotFoundError when no server serves the channel, WriterAlreadyConnectedError when every
    session stayed taken."""
    wait_strategy: WaitStrategy = WaitStrategy.DEFAULT
    """How the client waits for responses and for request-ring space (default spin then block).
    The receive thread of ``send_async`` polls while the strategy says so, so ``BUSY_SPIN`` keeps
    a core busy for as long as the client lives."""
    access: Optional[BufferAccess] = None
    """Who may open the response buffer the client creates (the server needs it to connect its
    response writer). None: the access of ``response_config`` when one is given, else the same
    sharing as the server's request buffer (from its file mode), as C# does."""
