"""Settings of a topic's publisher (C#'s ``PublisherOptions``)."""

from __future__ import annotations

import dataclasses
import math

from ..wait import WaitStrategy


@dataclasses.dataclass
class PublisherOptions:
    discovery_interval: float = 0.1
    """Seconds between two looks in /dev/shm for new subscribers and at the liveness of idle ones
    (default 0.1): a subscriber joins within about this long. Each look reads the directory once."""
    wait_strategy: WaitStrategy = WaitStrategy.DEFAULT
    """How the publisher waits for space in ``BLOCK`` subscribers' rings."""

    def validate(self) -> None:
        if not isinstance(self.wait_strategy, WaitStrategy):
            raise TypeError("wait_strategy must be a WaitStrategy, got %r." % (self.wait_strategy,))
        if isinstance(self.discovery_interval, bool) or not isinstance(self.discovery_interval, (int, float)) \
                or not self.discovery_interval > 0 or math.isinf(self.discovery_interval):
            raise ValueError("discovery_interval must be a positive number of seconds (got %r)." % (self.discovery_interval,))
