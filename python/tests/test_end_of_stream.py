"""A clean end of stream, distinct from a crash (protocol §6.1, §6.2): a writer that closes is
reported to the reader as WriterClosedError (not a WriterDeadError), a crashed one as
WriterDeadError; a reader that closes is reported to the writer as ReaderClosedError (still a
ReaderDeadError), a crashed one as ReaderDeadError. Peers that do not know the extension words
(upstream) are judged as before: by their PIDs, and a departure is WriterDead/ReaderDead."""

from __future__ import annotations

import os
import subprocess

import pytest

from zerobuffer import (BufferConfig, ErrorKind, Reader, ReaderClosedError, ReaderDeadError, Writer, WriterClosedError,
                        WriterDeadError)
from zerobuffer._protocol import layout as L

from .support import (DEAD_PEER_BOUND, HandWriter, PeerProcess, assert_none, assert_within_bound, remove_by_hand,
                      segment_u64, unique, upstream_buffer, write_until_reader_dead)


def test_closed_writer_is_the_end_of_the_stream_not_a_death():
    name = unique("eos-closed")
    with Reader(name, BufferConfig(0, 4096)) as reader:
        with Writer(name) as writer:
            for i in range(3):
                writer.write_frame(bytes([i]) * 10)
        for i in range(3):
            with reader.read_frame(5) as frame:
                assert frame.sequence == i + 1
        with pytest.raises(WriterClosedError) as raised:
            reader.read_frame(30)
        assert not isinstance(raised.value, WriterDeadError)
        assert raised.value.kind is ErrorKind.WRITER_CLOSED
        # The end is repeated until a new writer comes, whose frames then arrive.
        with pytest.raises(WriterClosedError):
            reader.read_frame(1)
        with Writer(name) as writer:
            writer.write_frame(b"again")
            with reader.read_frame(5) as frame:
                assert frame.sequence == 1 and frame.to_bytes() == b"again"
    assert_none(name)


def test_killed_writer_is_a_death_not_the_end_of_the_stream():
    name = unique("eos-killed")
    with Reader(name, BufferConfig(0, 4096)) as reader:
        with PeerProcess.python("write", name, "--count", "2", "--size", "10", "--hold", "--json") as writer:
            writer.wait_for_event("holding")
            writer.kill()
        for i in range(2):
            with reader.read_frame(5) as frame:
                assert frame.sequence == i + 1
        with pytest.raises(WriterDeadError):
            reader.read_frame(30)
    assert_none(name)


def test_closed_reader_is_reader_closed_and_a_killed_one_reader_dead():
    name = unique("eos-reader-closed")
    reader = Reader(name, BufferConfig(0, 4096))
    with Writer(name) as writer:
        writer.write_frame(b"x")
        reader.close()
        with pytest.raises(ReaderClosedError) as raised:
            writer.write_frame(b"y")
        assert isinstance(raised.value, ReaderDeadError) and raised.value.kind is ErrorKind.READER_CLOSED
    assert_none(name)

    name = unique("eos-reader-killed")
    try:
        with PeerProcess.python("read", name, "--payload-size", "4096", "--json") as peer:
            peer.wait_for_event("ready")
            with Writer(name) as writer:
                writer.write_frame(b"x")
                peer.wait_for_event("frame")
                peer.kill()
                with pytest.raises(ReaderDeadError) as raised:
                    _write_until_it_raises(writer)
                assert not isinstance(raised.value, ReaderClosedError)
                assert raised.value.kind is ErrorKind.READER_DEAD
    finally:
        from .support import remove_abandoned_buffer
        remove_abandoned_buffer(name)
    assert_none(name)


def _write_until_it_raises(writer: Writer) -> None:
    """Writes (the ring of the killed reader fills up, then each write waits its timeout) until the death is reported."""
    for _ in range(10_000):
        writer.try_write_frame(b"z" * 100, 0.05)
    raise AssertionError("the writer never reported its reader gone")


def test_writer_that_closes_between_two_reader_slices_without_writing_is_still_the_end():
    name = unique("eos-empty")
    with Reader(name, BufferConfig(0, 4096)) as reader:
        Writer(name).close()  # connected and left before the reader ever looked
        with pytest.raises(WriterClosedError):
            reader.read_frame(5)
    assert_none(name)


def test_upstream_style_writer_is_judged_by_its_pid_and_its_departure_is_writer_dead():
    name = unique("eos-upstream-writer")
    with Reader(name, BufferConfig(0, 4096)) as reader:
        sleeper = subprocess.Popen(["sleep", "600"])
        hand = HandWriter(name, sleeper.pid)  # no writer lock, no session: the PID rule applies
        try:
            hand.write(b"one")
            assert reader.is_writer_connected()
            with reader.read_frame(5) as frame:
                assert frame.to_bytes() == b"one"
            assert not reader.read_frame(0.2).is_valid  # alive by its PID: no frame, no error
            hand.leave()  # writer_pid = 0: an upstream writer's clean exit still says nothing about the stream
        finally:
            sleeper.kill()
            sleeper.wait()
        with pytest.raises(WriterDeadError):
            reader.read_frame(5)
        # Its session words stayed untouched.
        assert segment_u64(name, L.WRITER_SESSION_OFFSET) == 0

    name = unique("eos-upstream-killed")
    with Reader(name, BufferConfig(0, 4096)) as reader:
        sleeper = subprocess.Popen(["sleep", "600"])
        hand = HandWriter(name, sleeper.pid)
        hand.write(b"one")
        reader.read_frame(5).release()
        sleeper.kill()
        sleeper.wait()
        started = os.times().elapsed
        with pytest.raises(WriterDeadError):
            reader.read_frame(30)
        assert_within_bound(os.times().elapsed - started, "the dead upstream writer was reported")
        hand.close()
    assert_none(name)


def test_upstream_reader_leaving_is_reader_dead_not_reader_closed():
    name = unique("eos-upstream-reader")
    sleeper = subprocess.Popen(["sleep", "600"])
    try:
        upstream_buffer(name, reader_pid=sleeper.pid)
        with Writer(name) as writer:
            writer.write_frame(b"x")
            segment_u64(name, L.READER_PID_OFFSET, 0)  # an upstream reader's dispose
            with pytest.raises(ReaderDeadError) as raised:
                writer.write_frame(b"y")
            assert not isinstance(raised.value, ReaderClosedError)
        remove_by_hand(name)
        upstream_buffer(name, reader_pid=sleeper.pid)
        with Writer(name) as writer:
            sleeper.kill()
            sleeper.wait()
            elapsed = write_until_reader_dead(writer)
            assert elapsed < DEAD_PEER_BOUND
    finally:
        sleeper.kill()
        sleeper.wait()
        remove_by_hand(name)
    assert_none(name)


def test_a_closing_reader_is_closed_for_the_writer_at_once():
    # reader_pid 0 with the reader lock still held: the reader is disposing (§5.4) and reads nothing more.
    name = unique("eos-closing")
    with Reader(name, BufferConfig(0, 4096)) as reader, Writer(name) as writer:
        writer.write_frame(b"x")
        segment_u64(name, L.READER_PID_OFFSET, 0)
        assert not writer.is_reader_connected()
        with pytest.raises(ReaderClosedError):
            writer.write_frame(b"y")
        segment_u64(name, L.READER_PID_OFFSET, os.getpid())  # so that the reader's own close runs as usual
        assert reader.read_frame(5).to_bytes() == b"x"
    assert_none(name)
