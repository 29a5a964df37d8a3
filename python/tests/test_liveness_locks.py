"""Liveness between our peers by the OFD locks on the segment (protocol §2.4, §6.1): the reader
holds bytes 88-95 from before its oieb_size store until it closes, a writer of ours bytes 80-87
while it holds its claim. PIDs do not decide for our peers (a PID means nothing in another PID
namespace and can be reused); buffers without the advertisement keep the PID rule."""

from __future__ import annotations

import os

import pytest

from zerobuffer import (BufferConfig, Reader, ReaderDeadError, Writer, WriterAlreadyConnectedError, WriterDeadError,
                        lifecycle)
from zerobuffer._protocol import layout as L
from zerobuffer._protocol import names
from zerobuffer._protocol.control_block import ControlBlockSource
from zerobuffer._protocol.oieb import Oieb
from zerobuffer._protocol.peer_liveness import PeerLiveness, ReaderState, WriterState, look
from zerobuffer.lifecycle import BufferState

from .support import (PeerProcess, abandon_by_killed_reader, assert_none, dead_pid, remove_abandoned_buffer, segment_u64,
                      unique)


def _probe(name: str) -> tuple[int, PeerLiveness]:
    fd = os.open(names.segment_file(name), os.O_RDONLY)
    return fd, PeerLiveness(fd)


def test_reader_takes_its_lock_before_publishing_oieb_size(monkeypatch):
    name = unique("lk-reader-first")
    seen = []
    original = Oieb.publish_oieb_size

    def publish(oieb):
        fd, probe = _probe(name)
        try:
            seen.append(probe.reader_lock_held())
        finally:
            os.close(fd)
        original(oieb)

    monkeypatch.setattr(Oieb, "publish_oieb_size", publish)
    with Reader(name, BufferConfig(0, 4096)):
        pass
    assert seen == [True], "the reader lock must be held when oieb_size is stored"
    assert_none(name)


def test_reader_and_writer_locks_live_exactly_as_long_as_their_holders():
    name = unique("lk-spans")
    reader = Reader(name, BufferConfig(0, 4096))
    fd, probe = _probe(name)
    try:
        assert probe.reader_lock_held() and not probe.writer_lock_held()
        writer = Writer(name)
        assert probe.writer_lock_held()
        view = writer.get_frame_buffer(10)  # a view of the mapping kept past close must not keep the lock
        writer.close()
        assert not probe.writer_lock_held()
        del view
        reader.close()
        assert not probe.reader_lock_held()
    finally:
        os.close(fd)
        reader.close()
    assert_none(name)


def test_pids_do_not_decide_for_our_peers():
    name = unique("lk-pids")
    with Reader(name, BufferConfig(0, 4096)) as reader, Writer(name) as writer:
        # PIDs that name nothing in this namespace (as a peer in another PID namespace would store):
        # both peers are still alive for each other, the census and a second writer.
        gone = dead_pid()
        segment_u64(name, L.READER_PID_OFFSET, gone)
        segment_u64(name, L.WRITER_PID_OFFSET, gone)
        segment_u64(name, L.WRITER_SESSION_OFFSET, (1 << 56) | (1 << 32) | gone)  # the session's tag follows
        assert writer.is_reader_connected()
        assert reader.is_writer_connected()
        info = lifecycle.inspect(name)
        assert info is not None and info.state is BufferState.LIVE and info.reader_alive and info.writer_alive
        with pytest.raises(WriterAlreadyConnectedError, match="writer lock"):
            Writer(name)
        writer.write_frame(b"still here")
        with reader.read_frame(5) as frame:
            assert frame.to_bytes() == b"still here"
        segment_u64(name, L.READER_PID_OFFSET, os.getpid())
        segment_u64(name, L.WRITER_PID_OFFSET, os.getpid())
    assert_none(name)


def test_a_live_pid_does_not_keep_a_dead_reader_of_ours_alive():
    # PID reuse in the small: a SIGKILLed reader's PID replaced by a live one (this process's).
    for _ in range(5):
        name = unique("lk-reuse")
        abandon_by_killed_reader(name)
        try:
            segment_u64(name, L.READER_PID_OFFSET, os.getpid())
        except FileNotFoundError:
            continue  # a parallel sweep removed it already
        seen = look(names.segment_file(name))
        assert seen.reader is ReaderState.DEAD
        with pytest.raises(ReaderDeadError):
            Writer(name)
        info = lifecycle.inspect(name)
        if info is not None and not info.lock_held:  # (held only while a parallel sweep checks it)
            assert info.state is BufferState.STALE and not info.reader_alive, info
            assert info.reader_pid == os.getpid()
        remove_abandoned_buffer(name)
        assert_none(name)
        return
    raise AssertionError("the killed reader's buffer was never found")


def test_a_dead_writer_of_ours_is_dead_whatever_its_pid_names():
    name = unique("lk-writer-dead")
    with Reader(name, BufferConfig(0, 4096)) as reader:
        with PeerProcess.python("write", name, "--count", "1", "--size", "10", "--hold", "--json") as writer:
            writer.wait_for_event("holding")
            with reader.read_frame(5) as frame:
                assert frame.sequence == 1
            writer.kill()
        # Its PID in writer_pid and the session's tag now name this live process: still dead.
        segment_u64(name, L.WRITER_PID_OFFSET, os.getpid())
        session = segment_u64(name, L.WRITER_SESSION_OFFSET)
        segment_u64(name, L.WRITER_SESSION_OFFSET, (session & ~0xFFFFFFFF) | os.getpid())
        with pytest.raises(WriterDeadError):
            reader.read_frame(5)
        fd, probe = _probe(name)
        try:
            status, _ = probe.writer(ControlBlockSource.file(fd, 128 + 4096))
        finally:
            os.close(fd)
        assert status.state is WriterState.DEAD and status.ours
        # A new writer replaces it (its claim is free: its lock is).
        with Writer(name) as successor:
            successor.write_frame(b"\x01")
            with reader.read_frame(5) as frame:
                assert frame.sequence == 1
    assert_none(name)


def test_a_segment_still_being_created_is_live_for_the_census():
    # A reader takes its lock before it stores oieb_size: a half-created segment whose lock is held
    # belongs to a creator at work, never an orphan to remove.
    from zerobuffer._primitives import range_lock
    name = unique("lk-creating")
    fd = os.open(names.segment_file(name), os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
    try:
        os.ftruncate(fd, 128 + 4096)
        assert range_lock.try_lock(fd, L.READER_LOCK_OFFSET, L.LIVENESS_LOCK_LENGTH)
        info = lifecycle.inspect(name)
        assert info is not None and info.state is BufferState.LIVE and info.reader_alive, info
        assert not [r for r in lifecycle.clean_stale(orphan_grace=0) if r.name == name]
        assert lifecycle.clean(name).outcome is lifecycle.CleanupOutcome.REFUSED_LIVE
        os.close(fd)  # the creator died half-way: now an orphan
        fd = -1
        info = lifecycle.inspect(name)
        assert info is not None and info.state is BufferState.ORPHANED, info
        assert lifecycle.clean(name).outcome is lifecycle.CleanupOutcome.REMOVED
    finally:
        if fd >= 0:
            os.close(fd)
        if os.path.exists(names.segment_file(name)):
            os.unlink(names.segment_file(name))
    assert_none(name)
