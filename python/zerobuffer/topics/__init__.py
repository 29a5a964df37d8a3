"""Topics: one publisher, any number of subscribers joining and leaving at any time, with no
daemon (``docs/topics.md``), the twin of C#'s ``ZeroBuffer.Topics``.

Subscriber ``S`` of topic ``T`` with policy ``P`` owns an ordinary buffer, ``T.sub-P-S``; the
publisher finds it by looking in /dev/shm every 100 ms and writes every frame into it, numbered
from 1 for that subscriber (a frame it could not take is a gap, never a renumbering). Any
protocol-1.0 reader subscribes by creating a buffer of such a name. One publisher per topic, C#
or Python: it holds an ``flock`` on ``/dev/shm/zerobuffer-topic@T``.

Publisher (process A)::

    with Publisher("cam0") as publisher:
        publisher.set_metadata(b"format=gray8")
        publisher.on_subscriber_joined.append(lambda status: print("joined", status.buffer_name))
        while True:
            target = publisher.get_frame_buffer(len(pixels))   # zero-copy: in one subscriber's ring
            target[:] = pixels
            publisher.commit_frame()                           # copied once into each other ring

Subscriber (process B)::

    with Subscriber("cam0", DeliveryPolicy.LATEST_ONLY, BufferConfig(4096, 16 << 20)) as subscriber:
        while True:
            with subscriber.read_frame(timeout=None) as frame:   # the newest frame; gaps in subscriber.last_gap
                show(frame.data)

The package mirrors C#'s ``ZeroBuffer.Topics``, one concept per file; every name is also exported here.
"""

from __future__ import annotations

from ..errors import TopicAlreadyPublishedError
from .delivery_policy import DeliveryPolicy
from .publisher import JoinedHandler, LeftHandler, Publisher
from .publisher_options import PublisherOptions
from .subscriber import Subscriber
from .subscriber_status import SubscriberStatus
from .topic_names import (MAX_SUBSCRIBER_ID_LENGTH, MAX_TOPIC_LENGTH, PUBLISHER_LOCK_PREFIX, SUBSCRIBER_INFIX, policy_name,
                          publisher_lock_file, subscriber_buffer, try_parse_policy, try_parse_subscriber, validate_subscriber_id,
                          validate_topic)

__all__ = [
    "DeliveryPolicy", "JoinedHandler", "LeftHandler", "MAX_SUBSCRIBER_ID_LENGTH", "MAX_TOPIC_LENGTH", "PUBLISHER_LOCK_PREFIX",
    "Publisher", "PublisherOptions", "SUBSCRIBER_INFIX", "Subscriber", "SubscriberStatus", "TopicAlreadyPublishedError",
    "policy_name", "publisher_lock_file", "subscriber_buffer", "try_parse_policy", "try_parse_subscriber", "validate_subscriber_id",
    "validate_topic",
]
