"""One subscriber as its publisher sees it (C#'s ``SubscriberStatus``)."""

from __future__ import annotations

import dataclasses

from .delivery_policy import DeliveryPolicy


@dataclasses.dataclass(frozen=True)
class SubscriberStatus:
    """A snapshot: the counts go on changing in the publisher, not here."""

    buffer_name: str
    """The subscriber's buffer (``T.sub-POLICY-ID``)."""
    id: str
    """The subscriber's id."""
    policy: DeliveryPolicy
    """Its delivery policy."""
    frames_delivered: int
    """Frames committed to its ring."""
    frames_dropped: int
    """Frames it missed because its ring was full (or too small for them), each a gap in its numbers."""
