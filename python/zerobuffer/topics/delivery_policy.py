"""What a publisher does for a subscriber whose ring is full (C#'s ``DeliveryPolicy``)."""

from __future__ import annotations

import enum


class DeliveryPolicy(enum.Enum):
    """Chosen by the subscriber: it is part of its buffer's name (``T.sub-POLICY-ID``), so the
    publisher learns it from the name alone, and an upstream reader can choose one too."""

    BLOCK = 0
    """Back-pressure: the publisher waits for this subscriber (until it reads, or dies)."""
    DROP_NEWEST = 1
    """While its ring is full, frames for this subscriber are skipped: it sees the gap in the sequence numbers."""
    LATEST_ONLY = 2
    """The subscriber always reads the newest frame committed: older ones waiting in its ring are
    released unread and counted; the publisher never waits for it (a full ring skips, as with
    :attr:`DROP_NEWEST`)."""
