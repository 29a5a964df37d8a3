"""Topic test helpers: waits on a publisher's join and leave events (never on time), the payloads of C#'s TopicTests, and
cases run against both peer tools."""

from __future__ import annotations

import threading
import time
from typing import Callable, Optional

from zerobuffer import BufferConfig, ReaderDeadError
from zerobuffer.topics import DeliveryPolicy, Publisher, Subscriber, SubscriberStatus, subscriber_buffer

from .support import PeerProcess, assert_gone, assert_within_bound, unique

TIMEOUT = 10.0


class TopicEvents:
    """Subscribes to a publisher's join and leave events and lets a test wait for them."""

    def __init__(self, publisher: Publisher) -> None:
        self.publisher = publisher
        self.left: list[tuple[SubscriberStatus, ReaderDeadError]] = []
        self._condition = threading.Condition()
        publisher.on_subscriber_joined.append(self._changed)
        publisher.on_subscriber_left.append(self._on_left)

    def _changed(self, *_: object) -> None:
        with self._condition:
            self._condition.notify_all()

    def _on_left(self, status: SubscriberStatus, reason: ReaderDeadError) -> None:
        with self._condition:
            self.left.append((status, reason))
            self._condition.notify_all()

    def wait_joined(self, count: int, timeout: float = TIMEOUT) -> None:
        """Until ``count`` subscribers are connected (those already there count)."""
        with self._condition:
            assert self._condition.wait_for(lambda: len(self.publisher.get_subscribers()) >= count, timeout), \
                "subscribers connected: %r" % self.publisher.get_subscribers()

    def wait_left(self, timeout: float = TIMEOUT) -> tuple[SubscriberStatus, ReaderDeadError]:
        """The first departure, waiting up to ``timeout`` seconds for it."""
        with self._condition:
            assert self._condition.wait_for(lambda: self.left, timeout), "no subscriber left"
            return self.left[0]

    def first_left(self) -> Optional[tuple[SubscriberStatus, ReaderDeadError]]:
        with self._condition:
            return self.left[0] if self.left else None


def joined(publisher: Publisher, count: int) -> TopicEvents:
    """Waits until ``count`` subscribers are connected; returns the events, for later waits."""
    events = TopicEvents(publisher)
    events.wait_joined(count)
    return events


def payload(index: int, size: int) -> bytes:
    """C#'s ``TopicTests.Payload``: byte i = index * 31 + i."""
    return bytes(((index * 31) + i) & 0xFF for i in range(size))


def a_killed_subscriber_is_dropped_and_cleaned(policy: DeliveryPolicy, start_killed: Callable[[str, str], PeerProcess]) -> None:
    """C#'s ``AKilledSubscriber_IsDroppedAndCleaned_WhileAnotherGetsEveryFrame``: a subscriber process
    (``start_killed(topic, buffer name)``, which must report "ready" and a "frame" per frame) takes a
    frame and is SIGKILLed; the publisher goes on feeding an in-process subscriber, drops the dead one
    at a liveness look (within the liveness bound) and cleans its buffer."""
    topic = unique("topic-kill")
    killed_name = subscriber_buffer(topic, policy, "killed")
    with Publisher(topic) as publisher, Subscriber(topic, DeliveryPolicy.BLOCK, BufferConfig(0, 1 << 20)) as survivor, \
            start_killed(topic, killed_name) as killed:
        killed.wait_for_event("ready")
        events = joined(publisher, 2)
        publisher.publish(payload(1, 1000))
        survivor.read_frame(TIMEOUT).release()
        killed.wait_for_event("frame")  # it took a subscriber's frame
        killed.kill()
        killed_at = time.monotonic()

        # The publisher goes on; the dead subscriber is seen at a liveness look and removed.
        published = 1
        while events.first_left() is None:
            published += 1
            publisher.publish(payload(published, 1000))
            with survivor.read_frame(TIMEOUT) as frame:
                assert frame.sequence == published
            assert published < 100_000, "the killed subscriber was never dropped"
        assert_within_bound(time.monotonic() - killed_at, "the killed subscriber dropped")

        status, reason = events.wait_left()
        assert status.buffer_name == killed_name
        assert type(reason) is ReaderDeadError
        assert_gone(killed_name)  # cleaned (a discovery look that listed it before may still hold its name locks for a moment)
        assert len(publisher.get_subscribers()) == 1
