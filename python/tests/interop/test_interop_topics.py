"""Topics with the C# CLI: its plain ``zerobuffer read`` is a subscriber of a Python publisher once
its buffer has a subscriber's name (it checks every number, so a gap would fail it), and is
dropped and cleaned when SIGKILLed while a Python subscriber gets every frame. (The CLI has no
``publish`` yet: the publisher lock's interop rests on the one lock file both SDKs ``flock``.)"""

from __future__ import annotations

import pytest

from zerobuffer.topics import DeliveryPolicy, Publisher, subscriber_buffer

from ..support import PeerProcess, sha256, unique
from ..topic_support import a_killed_subscriber_is_dropped_and_cleaned, joined, payload


def test_a_plain_csharp_reader_subscribes_by_name_and_sees_every_frame_numbered_from_one():
    topic = unique("io-topic-plain")
    name = subscriber_buffer(topic, DeliveryPolicy.BLOCK, "plain")
    with Publisher(topic) as publisher:
        publisher.set_metadata(b"meta")
        with PeerProcess.csharp("read", name, "--count", "30", "--hash", "--json") as reader:
            reader.wait_for_event("ready")
            joined(publisher, 1)
            for i in range(1, 31):
                publisher.publish(payload(i, 5000))  # Block: waits whenever the reader's ring is full
            assert reader.wait_for_exit() == 0, reader.error_output  # it checked the numbers 1..30
            assert reader.wait_for_event("metadata")["text"] == "meta"
            assert [(f["sequence"], f["sha256"]) for f in reader.events("frame")] == [(i, sha256(payload(i, 5000))) for i in range(1, 31)]
            events = [line for line in reader.lines if '"event":"metadata"' in line or '"event":"frame"' in line]
            assert '"event":"metadata"' in events[0]  # the metadata was there before the first frame


@pytest.mark.parametrize("policy", [DeliveryPolicy.BLOCK, DeliveryPolicy.DROP_NEWEST])
def test_a_killed_csharp_reader_subscriber_is_dropped_and_cleaned_while_another_gets_every_frame(policy):
    a_killed_subscriber_is_dropped_and_cleaned(policy, lambda _topic, name: PeerProcess.csharp("read", name, "--json"))
