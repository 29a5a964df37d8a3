"""A response a duplex client received for one of its requests (C#'s ``DuplexResponse``)."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class DuplexResponse:
    """A response to :meth:`DuplexClient.send_async`: the request's sequence and a private copy of the bytes."""

    sequence: int
    payload: bytes
