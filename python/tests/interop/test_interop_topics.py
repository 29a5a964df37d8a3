"""Topics with the C# CLI: its plain ``zerobuffer read`` is a subscriber of a Python publisher once
its buffer has a subscriber's name (it checks every number, so a gap would fail it), and is
dropped and cleaned when SIGKILLed while a Python subscriber gets every frame. ``zerobuffer
publish`` feeds Python subscribers (in this process and ``zerobuffer-py subscribe``) and a Python
publisher feeds ``zerobuffer subscribe``, with equal checksums; and the publisher lock excludes
across the two: ``zerobuffer publish`` exits 28 while a Python publisher holds the topic, and a
Python publisher is refused while ``zerobuffer publish --hold`` holds it."""

from __future__ import annotations

import os

import pytest

from zerobuffer import BufferConfig, ErrorKind, TopicAlreadyPublishedError, WriterClosedError
from zerobuffer.topics import DeliveryPolicy, Publisher, Subscriber, publisher_lock_file, subscriber_buffer

from ..support import PeerProcess, sequence_pattern, sha256, unique
from ..topic_support import TIMEOUT, a_killed_subscriber_is_dropped_and_cleaned, joined, payload

EXIT_TOPIC_ALREADY_PUBLISHED = 10 + ErrorKind.TOPIC_ALREADY_PUBLISHED  # 28


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


def test_a_plain_python_reader_subscribes_to_a_csharp_publisher_by_name():
    # The Python peer's plain "read" knows nothing of topics and checks every number from 1.
    topic = unique("io-topic-plain-py")
    name = subscriber_buffer(topic, DeliveryPolicy.BLOCK, "plainpy")
    with PeerProcess.python("read", name, "--count", "20", "--hash", "--json") as reader:
        reader.wait_for_event("ready")
        with PeerProcess.csharp("publish", topic, "--count", "20", "--size", "3000", "--subscribers", "1", "--hash", "--json") as publisher:
            assert publisher.wait_for_exit() == 0, publisher.error_output
            written = [(w["sequence"], w["sha256"]) for w in publisher.events("written")]
        assert reader.wait_for_exit() == 0, reader.error_output
        assert [(f["sequence"], f["sha256"]) for f in reader.events("frame")] == written
        assert [sequence for sequence, _ in written] == list(range(1, 21))


@pytest.mark.parametrize("policy", [DeliveryPolicy.BLOCK, DeliveryPolicy.DROP_NEWEST])
def test_a_killed_csharp_reader_subscriber_is_dropped_and_cleaned_while_another_gets_every_frame(policy):
    a_killed_subscriber_is_dropped_and_cleaned(policy, lambda _topic, name: PeerProcess.csharp("read", name, "--json"))


def test_csharp_publish_feeds_python_subscribers_with_equal_checksums():
    topic = unique("io-topic-cs-pub")
    with Subscriber(topic, DeliveryPolicy.BLOCK, BufferConfig(1024, 64 * 1024), id="inproc") as here, \
            PeerProcess.python("subscribe", topic, "--policy", "drop-newest", "--id", "peer", "--payload-size", str(64 * 1024),
                               "--hash", "--json") as peer:
        peer.wait_for_event("ready")
        with PeerProcess.csharp("publish", topic, "--count", "20", "--size", "1000", "--metadata", "from C#", "--subscribers", "2",
                                "--hash", "--json") as publisher:
            for i in range(1, 21):
                with here.read_frame(TIMEOUT) as frame:
                    assert (frame.sequence, here.last_gap, frame.to_bytes()) == (i, 0, sequence_pattern(1000, i))
            with pytest.raises(WriterClosedError):
                here.read_frame(TIMEOUT)  # the C# publisher ended the topic
            assert publisher.wait_for_exit() == 0, publisher.error_output
            written = [(e["sequence"], e["sha256"]) for e in publisher.events("written")]
            assert written == [(i, sha256(sequence_pattern(1000, i))) for i in range(1, 21)]
            assert sorted(e["id"] for e in publisher.events("joined")) == ["inproc", "peer"]
            counts = {s["id"]: (s["delivered"], s["dropped"]) for s in publisher.wait_for_event("done")["subscribers"]}
            assert counts == {"inproc": (20, 0), "peer": (20, 0)}  # a ring of 64 frames: nothing to drop
        assert bytes(here.get_metadata()) == b"from C#"

        assert peer.wait_for_exit() == 0, peer.error_output
        assert peer.wait_for_event("metadata")["text"] == "from C#"
        assert [(f["sequence"], f["gap"], f["sha256"]) for f in peer.events("frame")] == [(i, 0, sha) for i, sha in written]
        assert peer.wait_for_event("end") == {"event": "end", "frames": 20, "missed": 0, "skipped": 0}


def test_a_python_publisher_feeds_csharp_subscribe_with_equal_checksums():
    topic = unique("io-topic-py-pub")
    with PeerProcess.csharp("subscribe", topic, "--policy", "block", "--id", "cs", "--hash", "--json") as subscriber:
        ready = subscriber.wait_for_event("ready")
        assert (ready["name"], ready["policy"]) == (subscriber_buffer(topic, DeliveryPolicy.BLOCK, "cs"), "block")
        with Publisher(topic) as publisher:
            publisher.set_metadata(b"from Python")
            joined(publisher, 1)
            for i in range(1, 31):
                publisher.publish(payload(i, 5000))  # Block: waits whenever the C# subscriber's ring is full
        assert subscriber.wait_for_exit() == 0, subscriber.error_output  # the Python publisher ended the topic
        assert subscriber.wait_for_event("metadata")["text"] == "from Python"
        assert [(f["sequence"], f["gap"], f["sha256"]) for f in subscriber.events("frame")] == [
            (i, 0, sha256(payload(i, 5000))) for i in range(1, 31)]
        assert subscriber.wait_for_event("end") == {"event": "end", "frames": 30, "bytes": 150000, "missed": 0, "skipped": 0}


def test_one_publisher_per_topic_across_csharp_and_python():
    topic = unique("io-topic-lock")
    with Publisher(topic):
        with PeerProcess.csharp("publish", topic, "--count", "1", "--json") as refused:
            assert refused.wait_for_exit() == EXIT_TOPIC_ALREADY_PUBLISHED, refused.error_output
            assert refused.wait_for_event("error")["kind"] == "TopicAlreadyPublished"
            assert not refused.events("written")

    with PeerProcess.csharp("publish", topic, "--count", "0", "--hold", "--json") as holder:
        holder.wait_for_event("holding")
        with pytest.raises(TopicAlreadyPublishedError):
            Publisher(topic)
        holder.close_stdin()
        assert holder.wait_for_exit() == 0, holder.error_output
    assert not os.path.exists(publisher_lock_file(topic))
    with Publisher(topic):  # free again
        pass
