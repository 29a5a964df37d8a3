"""Topics across processes, the twin of C#'s ``TopicCrossProcessTests`` with the Python peer tool
(``zerobuffer-py publish`` / ``subscribe``) as the other process: a SIGKILLed subscriber dropped
and cleaned while another gets every frame; a SIGKILLed publisher reported as writer death and a
new publisher process taking the topic over (numbers from 1 again, no false gap); one publisher
per topic across processes (the flock). The C# CLI's plain ``read`` as a subscriber is in
interop/test_interop_topics.py."""

from __future__ import annotations

import os

import pytest

from zerobuffer import BufferConfig, ErrorKind, TopicAlreadyPublishedError, WriterClosedError
from zerobuffer.topics import DeliveryPolicy, Publisher, Subscriber, policy_name, publisher_lock_file

from .support import PeerProcess, assert_within_bound, read_until_writer_dead, sequence_pattern, sha256, unique
from .topic_support import TIMEOUT, a_killed_subscriber_is_dropped_and_cleaned

EXIT_TOPIC_ALREADY_PUBLISHED = 10 + ErrorKind.TOPIC_ALREADY_PUBLISHED  # 28


@pytest.mark.parametrize("policy", [DeliveryPolicy.BLOCK, DeliveryPolicy.DROP_NEWEST])
def test_a_killed_subscriber_is_dropped_and_cleaned_while_another_gets_every_frame(policy):
    a_killed_subscriber_is_dropped_and_cleaned(policy, lambda topic, _name: PeerProcess.python(
        "subscribe", topic, "--policy", policy_name(policy), "--id", "killed", "--json"))


def test_a_killed_publisher_is_writer_death_and_a_new_publisher_numbers_from_one():
    topic = unique("topic-pubkill")
    with Subscriber(topic, DeliveryPolicy.BLOCK, BufferConfig(1024, 64 * 1024), id="stays") as subscriber:
        with PeerProcess.python("publish", topic, "--count", "5", "--size", "100", "--metadata", "first", "--subscribers", "1",
                                "--hold", "--json") as first:
            first.wait_for_event("holding")
            for i in range(1, 6):
                with subscriber.read_frame(TIMEOUT) as frame:
                    assert (frame.sequence, frame.to_bytes()) == (i, sequence_pattern(100, i))
            first.kill()
            assert_within_bound(read_until_writer_dead(subscriber), "the killed publisher reported as WriterDeadError")
        assert os.path.exists(publisher_lock_file(topic))  # left behind, but its flock went with the process

        with PeerProcess.python("publish", topic, "--count", "3", "--size", "100", "--subscribers", "1", "--json") as second:
            second.wait_for_event("ready")  # connected to the subscriber: until then a read reports the dead one again
            for i in range(1, 4):
                with subscriber.read_frame(TIMEOUT) as frame:
                    assert (frame.sequence, subscriber.last_gap) == (i, 0)  # a new publisher: from 1 again, no false gap
                    assert frame.to_bytes() == sequence_pattern(100, i)
            with pytest.raises(WriterClosedError):
                subscriber.read_frame(TIMEOUT)  # the second publisher ended the topic cleanly
            assert second.wait_for_exit() == 0, second.error_output
            [status] = second.wait_for_event("done")["subscribers"]
            assert (status["id"], status["policy"], status["delivered"], status["dropped"]) == ("stays", "block", 3, 0)
        assert (subscriber.frames_read, subscriber.frames_missed) == (8, 0)
        assert bytes(subscriber.get_metadata()) == b"first"  # metadata is written once per buffer
    assert not os.path.exists(publisher_lock_file(topic))


def test_one_publisher_per_topic_across_processes():
    topic = unique("topic-one-xp")
    with Publisher(topic):
        with PeerProcess.python("publish", topic, "--json") as second:
            assert second.wait_for_exit() == EXIT_TOPIC_ALREADY_PUBLISHED
            assert second.wait_for_event("error")["kind"] == "TopicAlreadyPublished"

    with PeerProcess.python("publish", topic, "--count", "0", "--hold", "--json") as holder:
        holder.wait_for_event("holding")
        with pytest.raises(TopicAlreadyPublishedError):
            Publisher(topic)
        holder.close_stdin()
        assert holder.wait_for_exit() == 0
    assert not os.path.exists(publisher_lock_file(topic))

    with PeerProcess.python("publish", topic, "--count", "0", "--hold", "--json") as crashed:
        crashed.wait_for_event("holding")
        crashed.kill()
    with Publisher(topic):  # the kernel dropped the crashed publisher's lock: taken over at once
        pass
    assert not os.path.exists(publisher_lock_file(topic))


def test_peer_publish_and_subscribe_processes_report_frames_and_counts():
    topic = unique("topic-peers")
    with PeerProcess.python("subscribe", topic, "--policy", "block", "--id", "every", "--count", "20", "--hash", "--json") as every, \
            PeerProcess.python("subscribe", topic, "--policy", "drop-newest", "--id", "slow", "--payload-size", "1024",
                               "--delay-ms", "200", "--json") as slow:
        every.wait_for_event("ready")
        slow.wait_for_event("ready")
        with PeerProcess.python("publish", topic, "--count", "20", "--size", "200", "--metadata", "m", "--subscribers", "2",
                                "--json") as publisher:
            assert publisher.wait_for_exit() == 0, publisher.error_output
            assert sorted(e["id"] for e in publisher.events("joined")) == ["every", "slow"]
            counts = {s["id"]: (s["delivered"], s["dropped"]) for s in publisher.wait_for_event("done")["subscribers"]}
        assert counts["every"] == (20, 0)
        delivered, dropped = counts["slow"]
        assert delivered + dropped == 20 and dropped > 0  # a ring of four frames, read one per 200 ms

        assert every.wait_for_exit() == 0, every.error_output
        assert [(f["sequence"], f["gap"], f["sha256"]) for f in every.events("frame")] == [
            (i, 0, sha256(sequence_pattern(200, i))) for i in range(1, 21)]
        assert every.wait_for_event("metadata")["text"] == "m"
        assert every.wait_for_event("done") == {"event": "done", "frames": 20, "missed": 0, "skipped": 0}

        assert slow.wait_for_exit() == 0, slow.error_output  # the publisher ended the topic
        end = slow.wait_for_event("end")
        assert end["frames"] == delivered
        frames = slow.events("frame")
        assert end["missed"] == sum(f["gap"] for f in frames) == frames[-1]["sequence"] - len(frames)
