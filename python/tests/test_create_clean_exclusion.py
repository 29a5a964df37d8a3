"""Create/clean exclusion (protocol §1, §5.1, §5.4, §5.5): the name lock in /dev/shm plus both
/tmp lock files (ours and upstream C#'s ``locks/``), always taken in that order; a reader's dispose
in the order of §5.4; a closing reader makes a creator wait (at most 1 s), never fail or remove it.

"Another container" is played here by a second lock directory (TMPDIR): a reader whose /tmp the
creator cannot see, sharing only /dev/shm (the real namespaces are in test_namespaces.py)."""

from __future__ import annotations

import concurrent.futures
import os
import tempfile
import threading
import time

import pytest

from zerobuffer import BufferConfig, Reader, ReaderAlreadyConnectedError, Writer, lifecycle
from zerobuffer._primitives import lock_file as lock_file_module
from zerobuffer._primitives.lock_file import LockFile, Outcome
from zerobuffer._primitives.segment import SharedMemorySegment
from zerobuffer._primitives.semaphore import NamedSemaphore
from zerobuffer._protocol import layout as L
from zerobuffer._protocol import names
from zerobuffer._protocol.name_locks import TRANSIENT_LOCK_WAIT, NameLocks
from zerobuffer.lifecycle import CleanupOutcome

from .support import (abandon_by_killed_reader, assert_all, assert_gone, assert_none, orphan_semaphores, remove_by_hand,
                      segment_u64, unique, upstream_buffer)


def _record_lock_takes(monkeypatch) -> list[str]:
    taken: list[str] = []
    original = LockFile.try_acquire

    def recording(path, create, buffer_name, mode=0o600):
        outcome, lock = original(path, create, buffer_name, mode)
        if outcome is Outcome.ACQUIRED and buffer_name is not None:  # not the census's "is it held?" probes
            taken.append(path)
        return outcome, lock

    monkeypatch.setattr(lock_file_module.LockFile, "try_acquire", staticmethod(recording))
    return taken


def test_creator_takes_name_lock_then_ours_then_upstream_and_keeps_the_tmp_ones(monkeypatch):
    name = unique("ex-order")
    taken = _record_lock_takes(monkeypatch)
    with Reader(name, BufferConfig(0, 4096)):
        own = [path for path in taken if name in path]
        assert own == [names.name_lock_file(name), names.lock_file(name), names.upstream_lock_file(name)]
        assert not os.path.exists(names.name_lock_file(name)), "the name lock is deleted once the name is created"
        assert LockFile.is_held(names.lock_file(name)) and LockFile.is_held(names.upstream_lock_file(name))
        assert_all(name)
    assert_none(name)


def test_reader_dispose_follows_the_protocol_order(monkeypatch):
    name = unique("ex-dispose")
    events: list[str] = []
    reader = Reader(name, BufferConfig(0, 4096))

    def spy(cls, method, label):
        original = getattr(cls, method)

        def wrapper(*args, **kwargs):
            if not events:
                events.append("reader_pid=%d" % segment_u64(name, L.READER_PID_OFFSET))
            events.append(label if not label.startswith("unlink sem") else
                          "unlink " + ("sem-w" if "sem-w" in args[-1] else "sem-r"))
            return original(*args, **kwargs)
        monkeypatch.setattr(cls, method, staticmethod(wrapper) if label.startswith("unlink") else wrapper)

    spy(NamedSemaphore, "unlink", "unlink sem-w")
    spy(SharedMemorySegment, "unlink", "unlink segment")
    spy(SharedMemorySegment, "close", "close segment descriptor")
    spy(LockFile, "release", "release lock file")
    reader.close()
    assert events[:5] == ["reader_pid=0", "unlink sem-w", "unlink sem-r", "unlink segment", "close segment descriptor"], events
    assert events[5:] == ["release lock file", "release lock file"], events
    assert_none(name)


def _as_another_container(monkeypatch, directory: str) -> None:
    monkeypatch.setenv("TMPDIR", directory)


def _count_attempts(monkeypatch, after: int) -> threading.Event:
    """An event set once the locks have been tried ``after`` times (a creator backing off)."""
    reached = threading.Event()
    calls = [0]
    original = NameLocks.try_take

    def counting(cls, name, mode, upstream_when_missing):
        result = original.__func__(cls, name, mode, upstream_when_missing)
        calls[0] += 1
        if calls[0] >= after:
            reached.set()
        return result

    monkeypatch.setattr(NameLocks, "try_take", classmethod(counting))
    return reached


def test_closing_reader_in_another_container_makes_a_creator_wait_then_succeed(monkeypatch):
    name = unique("ex-closing")
    with tempfile.TemporaryDirectory() as first_tmp, tempfile.TemporaryDirectory() as second_tmp:
        _as_another_container(monkeypatch, first_tmp)
        closing = Reader(name, BufferConfig(0, 4096))
        segment_u64(name, L.READER_PID_OFFSET, 0)  # closing: reader_pid 0, its reader lock still held
        _as_another_container(monkeypatch, second_tmp)
        waiting = _count_attempts(monkeypatch, after=3)
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            started = time.monotonic()
            creating = pool.submit(Reader, name, BufferConfig(0, 8192))
            assert waiting.wait(5), "the creator never tried again"
            # It backed off; it removed nothing of the closing reader.
            assert os.path.exists(names.segment_file(name))
            assert os.path.exists(names.semaphore_file(names.data_available_semaphore(name)))
            _as_another_container(monkeypatch, first_tmp)
            closing.close()
            with creating.result(10) as created:
                assert time.monotonic() - started < TRANSIENT_LOCK_WAIT + 0.5
                assert created.config.payload_block_size == 8192
                _as_another_container(monkeypatch, second_tmp)
                with Writer(name) as writer:
                    writer.write_frame(b"new")
                    with created.read_frame(5) as frame:
                        assert frame.to_bytes() == b"new"
        _as_another_container(monkeypatch, first_tmp)
        assert_none(name)
        _as_another_container(monkeypatch, second_tmp)
        assert_none(name)


def test_a_reader_closing_for_too_long_makes_the_creator_give_up_without_touching_it(monkeypatch):
    name = unique("ex-closing-long")
    with tempfile.TemporaryDirectory() as first_tmp, tempfile.TemporaryDirectory() as second_tmp:
        _as_another_container(monkeypatch, first_tmp)
        closing = Reader(name, BufferConfig(0, 4096))
        try:
            segment_u64(name, L.READER_PID_OFFSET, 0)
            _as_another_container(monkeypatch, second_tmp)
            started = time.monotonic()
            with pytest.raises(ReaderAlreadyConnectedError, match="closing"):
                Reader(name, BufferConfig(0, 4096))
            assert TRANSIENT_LOCK_WAIT <= time.monotonic() - started < TRANSIENT_LOCK_WAIT + 2
            assert os.path.exists(names.segment_file(name)) and os.path.exists(
                names.semaphore_file(names.space_available_semaphore(name)))
        finally:
            _as_another_container(monkeypatch, first_tmp)
            segment_u64(name, L.READER_PID_OFFSET, os.getpid())
            closing.close()
        assert_none(name)


def test_live_reader_in_another_container_refuses_a_creator_at_once(monkeypatch):
    name = unique("ex-other-container")
    with tempfile.TemporaryDirectory() as first_tmp, tempfile.TemporaryDirectory() as second_tmp:
        _as_another_container(monkeypatch, first_tmp)
        with Reader(name, BufferConfig(0, 4096)) as owner:
            _as_another_container(monkeypatch, second_tmp)
            started = time.monotonic()
            with pytest.raises(ReaderAlreadyConnectedError, match="live reader"):
                Reader(name, BufferConfig(0, 4096))
            assert time.monotonic() - started < TRANSIENT_LOCK_WAIT
            # Nor does a sweep of the other container touch it.
            assert not [r for r in lifecycle.clean_stale(orphan_grace=0) if r.name == name]
            assert lifecycle.clean(name).outcome is CleanupOutcome.REFUSED_LIVE
            assert not os.path.exists(names.lock_file(name))  # nothing of the check left in this container
            with Writer(name) as writer:
                writer.write_frame(b"alive")
                with owner.read_frame(5) as frame:
                    assert frame.to_bytes() == b"alive"
            _as_another_container(monkeypatch, first_tmp)
        assert_none(name)


def test_cleaner_holding_the_name_lock_makes_a_creator_wait(monkeypatch):
    name = unique("ex-name-lock")
    outcome, cleaner = LockFile.try_acquire(names.name_lock_file(name), True, name)
    assert outcome is Outcome.ACQUIRED and cleaner is not None
    waiting = _count_attempts(monkeypatch, after=2)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        creating = pool.submit(Reader, name, BufferConfig(0, 4096))
        assert waiting.wait(5)
        cleaner.release(delete_file=True)  # what a cleaner does when it is done
        with creating.result(timeout=5):
            assert_all(name)
    assert_none(name)


def test_upstream_csharp_lock_excludes_our_creator():
    # An upstream C# reader creating the name holds locks/N.lock (no segment yet): a transient holder.
    name = unique("ex-upstream-lock")
    outcome, upstream = LockFile.try_acquire(names.upstream_lock_file(name), True, name)
    assert outcome is Outcome.ACQUIRED and upstream is not None
    try:
        started = time.monotonic()
        with pytest.raises(ReaderAlreadyConnectedError, match="locks"):
            Reader(name, BufferConfig(0, 4096))
        assert time.monotonic() - started >= TRANSIENT_LOCK_WAIT
        # Once its buffer exists with a live reader PID (no advertisement: the PID rule), at once.
        upstream_buffer(name, reader_pid=os.getpid())
        started = time.monotonic()
        with pytest.raises(ReaderAlreadyConnectedError, match="live reader"):
            Reader(name, BufferConfig(0, 4096))
        assert time.monotonic() - started < TRANSIENT_LOCK_WAIT
        assert os.path.exists(names.segment_file(name))
    finally:
        upstream.release(delete_file=True)
        remove_by_hand(name)
    assert_none(name)


def test_cleaner_takes_the_locks_in_order_and_deletes_every_lock_file(monkeypatch):
    for _ in range(5):
        name = unique("ex-clean")
        abandon_by_killed_reader(name)
        if not os.path.exists(names.upstream_lock_file(name)):
            assert_gone(name)  # a parallel sweep was first
            continue
        taken = _record_lock_takes(monkeypatch)
        result = lifecycle.clean(name)
        monkeypatch.undo()
        if result.outcome is not CleanupOutcome.REMOVED:
            assert_gone(name)
            continue
        assert [path for path in taken if name in path] == list(NameLocks.paths(name))
        assert_none(name)
        break
    else:
        raise AssertionError("the killed reader's buffer was never cleaned here")

    # The upstream lock is taken only when it exists: a check leaves no file behind.
    orphan = unique("ex-clean-orphan")
    orphan_semaphores(orphan)
    assert lifecycle.clean(orphan).outcome is CleanupOutcome.REMOVED
    assert_none(orphan)
    assert not os.path.exists(names.upstream_lock_file(orphan))
