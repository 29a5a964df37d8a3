"""Topics in one process, the twin of C#'s ``TopicTests``: one publisher, subscribers with each
delivery policy joining and leaving, metadata for late joiners, gaps instead of renumbering,
zero-copy publishing. Waits are on the publisher's join and leave events, never on time."""

from __future__ import annotations

import asyncio
import logging
import os
import threading

import pytest

from zerobuffer import (BufferConfig, ErrorKind, InvalidFrameSizeError, MetadataAlreadyWrittenError, ObjectDisposedError, ReaderClosedError,
                        TopicAlreadyPublishedError, WriterClosedError)
from zerobuffer import lifecycle
from zerobuffer.wait import WaitStrategy
from zerobuffer._protocol import names
from zerobuffer.topics import (MAX_SUBSCRIBER_ID_LENGTH, MAX_TOPIC_LENGTH, DeliveryPolicy, Publisher, PublisherOptions, Subscriber,
                               publisher_lock_file, subscriber_buffer, try_parse_policy, try_parse_subscriber, validate_topic)

from .support import assert_gone, unique
from .topic_support import TIMEOUT, TopicEvents, joined, payload

SMALL_RING = BufferConfig(1024, 4 * (16 + 100))  # four frames of 100 bytes


def test_every_subscriber_gets_every_frame_in_order_with_the_metadata_when_it_keeps_up():
    topic = unique("topic-all")
    with Publisher(topic) as publisher:
        publisher.set_metadata(b"format=gray8")
        with Subscriber(topic, DeliveryPolicy.BLOCK, BufferConfig(1024, 64 * 1024)) as block, \
                Subscriber(topic, DeliveryPolicy.DROP_NEWEST, BufferConfig(1024, 64 * 1024)) as drop:
            joined(publisher, 2)
            for i in range(1, 51):
                publisher.publish(payload(i, 200))
                for subscriber in (block, drop):
                    with subscriber.read_frame(TIMEOUT) as frame:
                        assert frame.sequence == i
                        assert frame.to_bytes() == payload(i, 200)

            assert bytes(block.get_metadata()) == b"format=gray8"
            assert bytes(drop.get_metadata()) == b"format=gray8"
            assert [(s.frames_delivered, s.frames_dropped) for s in publisher.get_subscribers()] == [(50, 0), (50, 0)]
            assert drop.frames_missed == 0
            assert publisher.frames_published == 50
            with pytest.raises(MetadataAlreadyWrittenError):
                publisher.set_metadata(b"again")


def test_a_subscriber_takes_the_readers_wait_strategy_and_prefault_and_still_gets_every_frame():
    topic = unique("topic-spin")
    with Publisher(topic) as publisher:
        with Subscriber(topic, DeliveryPolicy.BLOCK, BufferConfig(0, 64 * 1024), wait_strategy=WaitStrategy.BUSY_SPIN) as subscriber:
            subscriber.prefault()
            joined(publisher, 1)
            for i in range(1, 21):
                publisher.publish(payload(i, 300))
                with subscriber.read_frame(TIMEOUT) as frame:
                    assert frame.sequence == i
                    assert frame.to_bytes() == payload(i, 300)


def test_a_late_joiner_gets_the_metadata_before_its_first_frame_numbered_from_one():
    topic = unique("topic-late")
    with Publisher(topic) as publisher:
        publisher.set_metadata(bytes([7, 7, 7]))
        publisher.publish(bytes([1]))  # nobody listens yet: published, delivered to none
        with Subscriber(topic, DeliveryPolicy.BLOCK, SMALL_RING) as late:
            joined(publisher, 1)
            assert bytes(late.get_metadata()) == bytes([7, 7, 7])
            publisher.publish(bytes([2]))
            with late.read_frame(TIMEOUT) as frame:
                assert frame.sequence == 1  # its buffer's numbers start with the first frame offered to it
                assert frame.to_bytes() == bytes([2])
            assert late.last_gap == 0
            assert publisher.frames_published == 2


def test_drop_newest_skips_frames_while_the_ring_is_full_and_the_subscriber_sees_the_gap():
    topic = unique("topic-drop")
    with Publisher(topic) as publisher, Subscriber(topic, DeliveryPolicy.DROP_NEWEST, SMALL_RING) as slow:
        joined(publisher, 1)
        for i in range(1, 11):
            publisher.publish(payload(i, 100))  # never waits: the ring holds four

        [status] = publisher.get_subscribers()
        assert (status.frames_delivered, status.frames_dropped) == (4, 6)
        for i in range(1, 5):
            with slow.read_frame(TIMEOUT) as frame:
                assert frame.sequence == i

        publisher.publish(payload(11, 100))
        with slow.read_frame(TIMEOUT) as frame:
            assert frame.sequence == 11  # never renumbered: frames 5-10 are a gap of 6
            assert frame.to_bytes() == payload(11, 100)
        assert slow.last_gap == 6
        assert slow.frames_missed == 6


def test_latest_only_reads_the_newest_frame_and_counts_the_older_ones_skipped():
    topic = unique("topic-latest")
    with Publisher(topic) as publisher, Subscriber(topic, DeliveryPolicy.LATEST_ONLY, BufferConfig(0, 64 * 1024)) as latest:
        joined(publisher, 1)
        for i in range(1, 6):
            publisher.publish(payload(i, 100))

        with latest.read_frame(TIMEOUT) as frame:
            assert frame.sequence == 5
            assert frame.to_bytes() == payload(5, 100)
        assert latest.frames_skipped == 4
        assert latest.frames_missed == 0
        publisher.publish(payload(6, 100))
        with asyncio.run(latest.read_frame_async(TIMEOUT)) as frame:
            assert frame.sequence == 6
        assert latest.frames_skipped == 4
        assert latest.frames_read == 2


def test_block_holds_the_publisher_back_until_the_subscriber_reads():
    topic = unique("topic-block")
    with Publisher(topic) as publisher, Subscriber(topic, DeliveryPolicy.BLOCK, SMALL_RING) as blocking:
        joined(publisher, 1)
        for i in range(1, 5):
            publisher.publish(payload(i, 100))

        fifth = threading.Thread(target=publisher.publish, args=(payload(5, 100),))  # the ring is full: waits
        fifth.start()
        fifth.join(0.2)
        assert fifth.is_alive(), "the publisher did not wait for the Block subscriber"
        for i in range(1, 6):
            with blocking.read_frame(TIMEOUT) as frame:
                assert frame.sequence == i

        fifth.join(TIMEOUT)
        assert not fifth.is_alive()
        [status] = publisher.get_subscribers()
        assert (status.frames_delivered, status.frames_dropped) == (5, 0)


def test_zero_copy_fills_the_frame_once_in_a_ring_and_copies_it_to_the_others():
    topic = unique("topic-zc")
    config = BufferConfig(0, 64 * 1024)
    with Publisher(topic) as publisher, Subscriber(topic, DeliveryPolicy.DROP_NEWEST, config) as a, \
            Subscriber(topic, DeliveryPolicy.BLOCK, config) as b, Subscriber(topic, DeliveryPolicy.LATEST_ONLY, config) as c:
        joined(publisher, 3)
        for i in range(1, 21):
            target = publisher.get_frame_buffer(1000)
            assert publisher._primary is not None and publisher._primary.buffer_name == b.buffer_name  # the Block subscriber's ring
            target[:] = payload(i, 1000)
            publisher.commit_frame()
            for subscriber in (a, b, c):
                with subscriber.read_frame(TIMEOUT) as frame:
                    assert frame.sequence == i
                    assert frame.to_bytes() == payload(i, 1000)

        # An aborted frame uses up no number: the next one follows without a gap.
        publisher.get_frame_buffer(10)[:] = bytes([9]) * 10
        publisher.abort_frame()
        publisher.publish(bytes([42]))
        with a.read_frame(TIMEOUT) as frame:
            assert (frame.sequence, a.last_gap) == (21, 0)
        assert publisher.frames_published == 21


def test_zero_copy_without_room_in_any_ring_uses_the_publishers_buffer_and_counts_the_drops():
    topic = unique("topic-zc-full")
    with Publisher(topic) as publisher, Subscriber(topic, DeliveryPolicy.DROP_NEWEST, SMALL_RING) as full:
        joined(publisher, 1)
        for i in range(1, 5):
            publisher.publish(payload(i, 100))
        target = publisher.get_frame_buffer(100)  # no room in the only ring
        assert publisher._primary is None
        target[:] = payload(5, 100)
        publisher.commit_frame()
        [status] = publisher.get_subscribers()
        assert (status.frames_delivered, status.frames_dropped) == (4, 1)
        for _ in range(4):
            full.read_frame(TIMEOUT).release()
        publisher.publish(payload(6, 100))
        with full.read_frame(TIMEOUT) as frame:
            assert (frame.sequence, full.last_gap) == (6, 1)


def test_with_no_subscriber_frames_are_published_to_none_and_zero_copy_uses_the_publishers_buffer():
    topic = unique("topic-none")
    with Publisher(topic) as publisher:
        target = publisher.get_frame_buffer(3_110_400)
        target[:] = b"\x01" * len(target)
        publisher.commit_frame()
        publisher.publish(bytes([1]))
        assert publisher.frames_published == 2
        assert publisher.get_subscribers() == []
        with pytest.raises(InvalidFrameSizeError):
            publisher.publish(b"")
        with pytest.raises(RuntimeError):
            publisher.commit_frame()
        publisher.get_frame_buffer(10)
        with pytest.raises(RuntimeError):
            publisher.publish(bytes([2]))  # a frame is claimed
        publisher.abort_frame()
    with pytest.raises(ObjectDisposedError):
        publisher.publish(bytes([3]))


def test_a_subscriber_that_leaves_is_dropped_at_the_next_frame_and_the_others_go_on():
    topic = unique("topic-leave")
    with Publisher(topic) as publisher, Subscriber(topic, DeliveryPolicy.BLOCK, SMALL_RING) as stays:
        leaves = Subscriber(topic, DeliveryPolicy.BLOCK, SMALL_RING)
        events = joined(publisher, 2)

        leaves.close()
        for i in range(1, 9):
            publisher.publish(payload(i, 100))  # a Block subscriber gone holds nothing back
            with stays.read_frame(TIMEOUT) as frame:
                assert frame.sequence == i

        status, reason = events.wait_left()
        assert status.buffer_name == leaves.buffer_name
        assert isinstance(reason, ReaderClosedError)
        assert len(publisher.get_subscribers()) == 1
        assert_gone(leaves.buffer_name)  # a discovery look that listed it before it left may hold its name locks for a moment


def test_an_idle_publisher_notices_a_subscriber_that_left():
    topic = unique("topic-idle")
    with Publisher(topic, PublisherOptions(discovery_interval=0.02)) as publisher:
        events = TopicEvents(publisher)
        with Subscriber(topic, DeliveryPolicy.DROP_NEWEST, SMALL_RING, id="idle1") as leaving:
            events.wait_joined(1)
            assert leaving.id == "idle1" and leaving.buffer_name == topic + ".sub-drop-newest-idle1"
        status, reason = events.wait_left()  # no frame published: seen by a discovery look
        assert (status.id, status.policy) == ("idle1", DeliveryPolicy.DROP_NEWEST)
        assert isinstance(reason, ReaderClosedError)
        assert publisher.get_subscribers() == []


def test_a_subscriber_there_before_the_publisher_is_connected_at_once_and_sees_the_end_of_the_topic():
    topic = unique("topic-first")
    with Subscriber(topic, DeliveryPolicy.BLOCK, SMALL_RING) as early:
        assert len(early.id) == 12 and all(ch in "0123456789abcdef" for ch in early.id)  # a random id by default
        assert not early.is_publisher_connected()
        with Publisher(topic) as publisher:
            assert len(publisher.get_subscribers()) == 1  # connected by the constructor: it gets the first frame
            assert early.is_publisher_connected()
            publisher.publish(payload(1, 100))
        with early.read_frame(TIMEOUT) as frame:
            assert frame.sequence == 1
        with pytest.raises(WriterClosedError):
            early.read_frame(TIMEOUT)


def test_a_frame_that_never_fits_a_ring_is_skipped_for_that_subscriber_only(caplog):
    topic = unique("topic-large")
    with Publisher(topic) as publisher, Subscriber(topic, DeliveryPolicy.BLOCK, SMALL_RING) as small, \
            Subscriber(topic, DeliveryPolicy.BLOCK, BufferConfig(1024, 64 * 1024)) as large:
        joined(publisher, 2)
        with caplog.at_level(logging.WARNING, logger="zerobuffer"):
            publisher.publish(payload(1, 1000))
            target = publisher.get_frame_buffer(1000)
            target[:] = payload(2, 1000)
            publisher.commit_frame()
        assert sum("can never fit the ring of subscriber '%s'" % small.buffer_name in r.getMessage() for r in caplog.records) == 1
        publisher.publish(payload(3, 100))
        for i in (1, 2, 3):
            with large.read_frame(TIMEOUT) as frame:
                assert frame.sequence == i
        with small.read_frame(TIMEOUT) as frame:
            assert (frame.sequence, small.last_gap, small.frames_missed) == (3, 2, 2)


def test_metadata_too_large_for_a_subscriber_leaves_it_without_metadata_but_with_frames(caplog):
    topic = unique("topic-meta")
    with Publisher(topic) as publisher, Subscriber(topic, DeliveryPolicy.BLOCK, BufferConfig(0, 4096)) as no_room:
        joined(publisher, 1)
        with caplog.at_level(logging.WARNING, logger="zerobuffer"):
            publisher.set_metadata(b"format=gray8")
        assert any("gets no metadata" in r.getMessage() for r in caplog.records)
        publisher.publish(b"x")
        with no_room.read_frame(TIMEOUT) as frame:
            assert frame.sequence == 1
        assert bytes(no_room.get_metadata()) == b""


def test_one_topic_has_one_publisher_and_its_lock_goes_with_it():
    topic = unique("topic-one")
    with Publisher(topic):
        assert os.path.exists(publisher_lock_file(topic))
        with pytest.raises(TopicAlreadyPublishedError) as raised:
            Publisher(topic)
        assert topic in str(raised.value)
        assert raised.value.kind is ErrorKind.TOPIC_ALREADY_PUBLISHED
        assert raised.value.buffer_name == topic
    assert not os.path.exists(publisher_lock_file(topic))
    with Publisher(topic):
        pass


def test_a_crashed_publishers_lock_file_is_taken_over_and_removed_by_the_stale_sweep():
    # What a SIGKILLed publisher leaves: the file, with no lock on it (the kernel dropped the flock).
    taken_over = unique("topic-takeover")
    open(publisher_lock_file(taken_over), "wb").close()
    with Publisher(taken_over):
        pass
    assert not os.path.exists(publisher_lock_file(taken_over))

    abandoned = unique("topic-abandoned")
    open(publisher_lock_file(abandoned), "wb").close()
    live = unique("topic-live")
    with Publisher(live) as publisher:
        lifecycle.clean_stale()
        assert not os.path.exists(publisher_lock_file(abandoned))
        assert os.path.exists(publisher_lock_file(live))  # a live publisher's lock is never touched
        publisher.publish(b"\x01")


def test_names_are_parsed_exactly_and_bad_ones_are_refused_by_name():
    assert subscriber_buffer("cam0", DeliveryPolicy.DROP_NEWEST, "k1") == "cam0.sub-drop-newest-k1"
    assert try_parse_subscriber("cam0", "cam0.sub-latest-only-x9") == (DeliveryPolicy.LATEST_ONLY, "x9")
    assert try_parse_subscriber("cam0", "cam0.sub-block.sub-block-1") is None  # a subscriber of topic "cam0.sub-block"
    assert try_parse_subscriber("cam0", "cam0.sub-sometimes-1") is None
    assert try_parse_subscriber("cam0", "cam01.sub-block-1") is None
    assert try_parse_subscriber("cam0", "cam0.sub-block-") is None
    assert try_parse_policy("Drop-Newest") is DeliveryPolicy.DROP_NEWEST
    assert try_parse_policy("sometimes") is None
    with pytest.raises(ValueError, match="bad/name"):
        Publisher("bad/name")
    with pytest.raises(ValueError, match="a-b"):
        subscriber_buffer("t", DeliveryPolicy.BLOCK, "a-b")
    with pytest.raises(ValueError, match="a-b"):
        Subscriber(unique("topic-id"), DeliveryPolicy.BLOCK, id="a-b")
    longest = "t" * MAX_TOPIC_LENGTH
    assert MAX_TOPIC_LENGTH == 151
    assert names.is_valid(subscriber_buffer(longest, DeliveryPolicy.LATEST_ONLY, "9" * MAX_SUBSCRIBER_ID_LENGTH))
    with pytest.raises(ValueError):
        validate_topic(longest + "t")
    with pytest.raises(ValueError):
        PublisherOptions(discovery_interval=0).validate()
