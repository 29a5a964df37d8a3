"""ResourceCleanupTests (test matrix): create/dispose cycles, buffers abandoned by SIGKILLed peer
processes (``python -m zerobuffer._tools.peer``), the stale sweep, and explicit cleanup through
:mod:`zerobuffer.lifecycle` and the peer tool's ``clean``. Other readers sweep in parallel (the C#
suite, other tests): end states are asserted, not who removed a buffer."""

from __future__ import annotations

import os
import threading

from zerobuffer import (BufferConfig, ErrorKind, Reader, ReaderAlreadyConnectedError, Writer, lifecycle)
from zerobuffer._primitives.lock_file import LockFile, Outcome
from zerobuffer._protocol import names
from zerobuffer._protocol.layout import WRITER_PID_OFFSET
from zerobuffer.lifecycle import BufferResources, BufferState, CleanupOutcome

from .support import (OUR_BUFFER_RESOURCES, PeerProcess, abandon_by_killed_reader, assert_all, assert_gone, assert_none,
                      assert_within_bound,
                      dead_pid, orphan_lock_file, orphan_segment, orphan_semaphores, read_until_writer_dead,
                      remove_abandoned_buffer, segment_u64, sequence_pattern, unique, write_until_reader_dead, sweep_until_gone)

WAIT = 5.0
READER_ALREADY_CONNECTED_EXIT = 10 + int(ErrorKind.READER_ALREADY_CONNECTED)


def _assert_usable(name: str) -> None:
    with Reader(name, BufferConfig(64, 4096)) as reader, Writer(name) as writer:
        writer.write_frame(b"\x07")
        with reader.read_frame(WAIT) as frame:
            assert frame.sequence == 1
    assert_none(name)


# ----------------------------------------------------------------------------- normal cycles

def test_create_destroy_multiple_times():
    name = unique("rc-cycles")
    assert_none(name)
    for i in range(5):
        with Reader(name, BufferConfig(1024, 10240)) as reader:
            assert_all(name)
            with Writer(name) as writer:
                writer.write_frame(bytes([i]))
                with reader.read_frame(WAIT) as frame:
                    assert frame.sequence == 1
                    assert frame.data[0] == i
        assert_none(name)


def test_multiple_buffers_cleanup():
    buffer_names = [unique("rc-multi%d" % i) for i in range(3)]
    readers: list[Reader] = []
    writers: list[Writer] = []
    try:
        for name in buffer_names:
            reader = Reader(name, BufferConfig())
            readers.append(reader)
            writer = Writer(name)
            writers.append(writer)
            writer.write_frame(b"\x01\x02\x03")
            with reader.read_frame(WAIT) as frame:
                assert bytes(frame.data) == b"\x01\x02\x03"
        for name in buffer_names:
            assert_all(name)
        for i, name in enumerate(buffer_names):
            writers[i].close()
            readers[i].close()
            assert_none(name)
            for later in buffer_names[i + 1:]:
                assert_all(later)
    finally:
        for w in writers:
            w.close()
        for r in readers:
            r.close()


def test_buffer_reuse_after_deletion():
    name = unique("rc-reuse")
    with Reader(name, BufferConfig(1024, 10240)) as reader, Writer(name) as writer:
        writer.set_metadata(b"first")
        writer.write_frame(b"\xaa\xaa\xaa")
        with reader.read_frame(WAIT) as frame:
            assert frame.size == 3 and frame.data[0] == 0xAA
        assert bytes(reader.get_metadata()) == b"first"
    assert_none(name)
    with Reader(name, BufferConfig(1024, 10240)) as reader, Writer(name) as writer:
        assert len(reader.get_metadata()) == 0  # fresh state: no metadata, counters at zero
        assert reader.get_status().written_count == 0
        writer.set_metadata(b"second")  # write-once is per buffer, and this is a new buffer
        writer.write_frame(b"\xbb" * 4)
        with reader.read_frame(WAIT) as frame:
            assert frame.size == 4 and frame.data[0] == 0xBB and frame.sequence == 1
        assert bytes(reader.get_metadata()) == b"second"
    assert_none(name)


def test_name_reuse_in_separate_processes():
    name = unique("rc-procs")
    # Two different processes own the name one after the other, then this one.
    for round_ in (1, 2):
        with PeerProcess.python("read", name, "--count", "1", "--json") as reader:
            reader.wait_for_event("ready")
            with Writer(name) as writer:
                writer.write_frame(bytes(round_ * 11))
                frame = reader.wait_for_event("frame")
                assert frame["sequence"] == 1
                assert frame["size"] == round_ * 11
            assert reader.wait_for_exit() == 0
        assert_none(name)
    with Reader(name, BufferConfig(64, 4096)) as reader, Writer(name) as writer:
        writer.write_frame(b"\x21\x21\x21")
        with reader.read_frame(WAIT) as frame:
            assert frame.sequence == 1 and frame.size == 3
    assert_none(name)


def test_cleanup_with_wrap_around():
    name = unique("rc-wrap")
    with Reader(name, BufferConfig(1024, 4096)) as reader, Writer(name) as writer:
        last_write_position = 0
        wraps = 0
        for i in range(20):
            data = bytearray(512)
            data[0] = i
            writer.write_frame(data)
            with reader.read_frame(WAIT) as frame:
                assert frame.size == 512 and frame.data[0] == i
            position = reader.get_status().write_position
            wraps += 1 if position < last_write_position else 0
            last_write_position = position
        assert wraps >= 2, "the ring wrapped %d times" % wraps
    assert_none(name)
    with Reader(name, BufferConfig(1024, 4096)) as reader, Writer(name) as writer:
        writer.write_frame(b"\xff")
        with reader.read_frame(WAIT) as frame:
            assert frame.data[0] == 0xFF
    assert_none(name)


def test_concurrent_name_reuse():
    name = unique("rc-concurrent")
    with Reader(name, BufferConfig()):
        pass
    # Five creators of one name at once: exactly one wins, the others are told the name is taken.
    start = threading.Barrier(5)
    winners: list[Reader] = []
    losers: list[ReaderAlreadyConnectedError] = []
    others: list[BaseException] = []

    def create() -> None:
        start.wait()
        try:
            winners.append(Reader(name, BufferConfig(1024, 10240)))
        except ReaderAlreadyConnectedError as ex:
            losers.append(ex)
        except BaseException as ex:  # reported below
            others.append(ex)

    threads = [threading.Thread(target=create) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    try:
        assert others == []
        assert len(winners) == 1
        assert len(losers) == 4
        with Writer(name) as writer:
            writer.write_frame(b"\x05")
            with winners[0].read_frame(WAIT) as frame:
                assert frame.sequence == 1
    finally:
        for r in winners:
            r.close()
    assert_none(name)
    with Reader(name, BufferConfig()) as reader, Writer(name) as writer:
        writer.write_frame(b"\x06")
        with reader.read_frame(WAIT) as frame:
            assert frame.data[0] == 6
    assert_none(name)


# ----------------------------------------------------------------------------- crashes and the sweep

def test_cleanup_stale_resources_with_random_names():
    buffer_names = [unique("rc-random") for _ in range(5)]
    for name in buffer_names:
        abandon_by_killed_reader(name, "--metadata-size", "1024", "--payload-size", "10240")
    # A new reader sweeps every abandoned buffer before it creates its own.
    trigger = unique("rc-trigger")
    with Reader(trigger, BufferConfig(64, 4096)):
        for name in buffer_names:
            assert_gone(name)
    assert_none(trigger)


def test_only_cleanup_abandoned_buffers():
    abandoned = unique("rc-abandoned")
    active_here = unique("rc-active-here")
    active_process = unique("rc-active-proc")
    writer_keeps = unique("rc-writer-keeps")

    abandon_by_killed_reader(abandoned)
    with Reader(active_here, BufferConfig(64, 4096)), \
            PeerProcess.python("read", active_process, "--json") as other_reader, \
            PeerProcess.python("read", writer_keeps, "--json") as crashed_reader:
        other_reader.wait_for_event("ready")
        # A crashed reader whose writer is still alive: the writer still uses the buffer.
        crashed_reader.wait_for_event("ready")
        with PeerProcess.python("write", writer_keeps, "--count", "0", "--hold", "--json") as live_writer:
            live_writer.wait_for_event("holding")
            crashed_reader.kill()

            with Reader(unique("rc-trigger"), BufferConfig(64, 4096)):
                assert_gone(abandoned)
                assert_all(active_here)
                assert_all(active_process)
                assert os.path.exists(names.segment_file(writer_keeps))
                info = lifecycle.inspect(writer_keeps)
                assert info is not None and info.state is BufferState.LIVE

            live_writer.kill()
        remove_abandoned_buffer(writer_keeps)
        assert_none(writer_keeps)
        other_reader.close()
        assert other_reader.wait_for_exit() == 130
        assert_none(active_process)


def test_can_cleanup_after_reader_crash():
    name = unique("rc-reader-crash")
    with PeerProcess.python("read", name, "--json") as reader:
        reader.wait_for_event("ready")
        with Writer(name) as writer:
            writer.set_metadata(b"old")
            writer.write_frame(sequence_pattern(100, 1))
            reader.wait_for_event("frame")

            reader.kill()
            assert_within_bound(write_until_reader_dead(writer), "reader death reported")

            # The writer gave up its claim on noticing, so the name is free without closing it.
            assert segment_u64(name, WRITER_PID_OFFSET) == 0
            with Reader(name, BufferConfig(256, 8192)) as fresh:
                status = fresh.get_status()
                assert status.reader_pid == os.getpid()
                assert status.writer_pid == 0
                assert status.written_count == 0
                assert status.payload_free_bytes == 8192
                assert len(fresh.get_metadata()) == 0
                with Writer(name) as following:
                    following.write_frame(b"\x2a")
                    with fresh.read_frame(WAIT) as frame:
                        assert frame.sequence == 1
    assert_none(name)


def test_can_cleanup_after_writer_crash():
    name = unique("rc-writer-crash")
    with Reader(name, BufferConfig(64, 64 * 1024)) as reader:
        with PeerProcess.python("write", name, "--count", "3", "--size", "500", "--hold", "--json") as writer:
            writer.wait_for_event("holding")
            writer.kill()
        for seq in (1, 2, 3):
            with reader.read_frame(WAIT) as frame:
                assert frame.sequence == seq
                assert frame.data == sequence_pattern(500, seq)
        assert_within_bound(read_until_writer_dead(reader), "writer death reported")

        # A new writer connects to the same buffer; its sequence restarts at 1 (accepted).
        with PeerProcess.python("write", name, "--count", "2", "--size", "300", "--json") as writer:
            assert writer.wait_for_exit() == 0
        for seq in (1, 2):
            with reader.read_frame(WAIT) as frame:
                assert frame.sequence == seq and frame.size == 300
                assert frame.data == sequence_pattern(300, seq)
    assert_none(name)


def test_can_cleanup_after_both_crash():
    name = unique("rc-both-crash")
    with PeerProcess.python("read", name, "--json") as reader:
        reader.wait_for_event("ready")
        with PeerProcess.python("write", name, "--count", "5", "--hold", "--json") as writer:
            writer.wait_for_event("holding")
            writer.kill()
            reader.kill()
    with Reader(name, BufferConfig(128, 4096)) as fresh:
        assert_all(name)
        assert fresh.get_status().written_count == 0
        assert fresh.get_status().metadata_size == 128
    assert_none(name)


def test_can_reuse_name_after_cleanup():
    # API: clean one stale name explicitly.
    via_api = unique("rc-clean-api")
    abandon_by_killed_reader(via_api)
    result = lifecycle.clean(via_api)
    assert result.outcome in (CleanupOutcome.REMOVED, CleanupOutcome.NOT_FOUND)  # NOT_FOUND: a parallel sweep was first
    assert_none(via_api)
    _assert_usable(via_api)

    # Tool: python -m zerobuffer._tools.peer clean NAME (the twin of zerobuffer clean NAME).
    via_tool = unique("rc-clean-tool")
    abandon_by_killed_reader(via_tool)
    with PeerProcess.python("clean", via_tool, "--json") as clean:
        cleaned = clean.wait_for_event("cleaned")
        assert cleaned["outcome"] in ("Removed", "NotFound")
        assert clean.wait_for_exit() == 0
    assert_none(via_tool)
    _assert_usable(via_tool)


def test_cleanup_does_not_affect_active_buffers():
    here = unique("rc-live-here")
    process = unique("rc-live-proc")
    with Reader(here, BufferConfig(64, 4096)) as reader, PeerProcess.python("read", process, "--json") as other:
        other.wait_for_event("ready")
        assert lifecycle.clean(here).outcome is CleanupOutcome.REFUSED_LIVE
        assert lifecycle.clean(process, dry_run=True).outcome is CleanupOutcome.REFUSED_LIVE
        assert not [r for r in lifecycle.clean_stale() if r.name in (here, process)]
        with PeerProcess.python("clean", process, "--json") as clean:
            cleaned = clean.wait_for_event("cleaned")
            assert cleaned["outcome"] == "RefusedLive"
            assert clean.wait_for_exit() == 5
        assert_all(here)
        assert_all(process)
        with Writer(here) as writer:
            writer.write_frame(b"\x09")
            with reader.read_frame(WAIT) as frame:
                assert frame.data[0] == 9
        with Writer(process) as writer:
            writer.write_frame(b"\x08")
            other.wait_for_event("frame")
        other.close()
        other.wait_for_exit()
    assert_none(process)
    assert_none(here)


def test_stale_resource_detection():
    # Live: a reader here.
    live = unique("rc-detect-live")
    with Reader(live, BufferConfig(64, 4096)):
        info = lifecycle.inspect(live)
        assert info is not None
        assert info.state is BufferState.LIVE
        assert info.reader_alive
        assert info.reader_pid == os.getpid()
        assert info.payload_size == 4096
        assert info.resources == OUR_BUFFER_RESOURCES
        assert any(b.name == live and b.state is BufferState.LIVE for b in lifecycle.list_buffers())

    # Live: a lock held by someone with nothing else yet (a reader still creating its buffer).
    locked = unique("rc-detect-locked")
    outcome, held = LockFile.try_acquire(names.lock_file(locked), True, locked)
    assert outcome is Outcome.ACQUIRED and held is not None
    try:
        info = lifecycle.inspect(locked)
        assert info is not None and info.state is BufferState.LIVE
        assert lifecycle.clean(locked).outcome is CleanupOutcome.REFUSED_LIVE
    finally:
        held.release(delete_file=True)
    assert_none(locked)

    # Stale: lock free and PIDs dead. A parallel sweep may remove it at any moment, so look right
    # after the kill, a few times, until it is seen at least once.
    seen_stale = False
    for _ in range(5):
        if seen_stale:
            break
        stale = unique("rc-detect-stale")
        pid = abandon_by_killed_reader(stale)
        info = lifecycle.inspect(stale)
        if info is not None and info.state is BufferState.LIVE:
            assert info.lock_held, info.reason  # only a sweep checking it right now (it holds the lock for a moment)
        elif info is not None and info.resources == OUR_BUFFER_RESOURCES:
            assert info.state is BufferState.STALE
            assert info.reader_pid == pid
            assert not info.reader_alive
            assert not info.lock_held
            seen_stale = True
        remove_abandoned_buffer(stale)
        assert_none(stale)
    assert seen_stale, "a SIGKILLed reader's buffer was never observed as stale"

    # Orphans (young ones are left alone by sweeps for a grace period, so no race here).
    semaphores_only = unique("rc-detect-sems")
    orphan_semaphores(semaphores_only)
    lock_only = unique("rc-detect-lock")
    lock_info = None
    for _ in range(10):  # a sweep may hold it for a moment (then it reads Live): make it again
        orphan_lock_file(lock_only)
        lock_info = lifecycle.inspect(lock_only)
        if lock_info is not None and lock_info.state is BufferState.ORPHANED:
            break
    segment_only = unique("rc-detect-seg")
    orphan_segment(segment_only, dead_pid(), 0)
    segment_live_writer = unique("rc-detect-seg-live")
    orphan_segment(segment_live_writer, dead_pid(), os.getpid())
    try:
        sems = lifecycle.inspect(semaphores_only)
        assert sems is not None and sems.state is BufferState.ORPHANED
        assert sems.resources == BufferResources.DATA_SEMAPHORE | BufferResources.SPACE_SEMAPHORE
        assert lock_info is not None and lock_info.state is BufferState.ORPHANED
        assert lock_info.resources == BufferResources.LOCK_FILE
        segment = lifecycle.inspect(segment_only)
        assert segment is not None and segment.state is BufferState.ORPHANED
        assert segment.resources == BufferResources.SEGMENT
        assert segment.payload_size == 64
        live_writer = lifecycle.inspect(segment_live_writer)
        assert live_writer is not None and live_writer.state is BufferState.LIVE  # a live writer PID protects it

        listed = lifecycle.list_buffers()
        assert any(b.name == semaphores_only and b.state is BufferState.ORPHANED for b in listed)
        assert any(b.name == segment_only and b.state is BufferState.ORPHANED for b in listed)

        # Young orphans survive a stale sweep; explicit cleaning removes them.
        assert not [r for r in lifecycle.clean_stale() if r.outcome is CleanupOutcome.REMOVED and r.name == semaphores_only]
        for name in (semaphores_only, segment_only):
            result = lifecycle.clean(name)
            assert result.outcome is CleanupOutcome.REMOVED
            assert result.state_before is BufferState.ORPHANED
            assert result.removed == (BufferResources.SEGMENT if name == segment_only
                                      else BufferResources.DATA_SEMAPHORE | BufferResources.SPACE_SEMAPHORE)
            assert_none(name)

        lock_cleaned = lifecycle.clean(lock_only)
        assert lock_cleaned.outcome in (CleanupOutcome.REMOVED, CleanupOutcome.NOT_FOUND)
        assert_none(lock_only)

        assert lifecycle.clean(segment_live_writer).outcome is CleanupOutcome.REFUSED_LIVE
        assert os.path.exists(names.segment_file(segment_live_writer))
    finally:
        try:
            os.unlink(names.segment_file(segment_live_writer))
        except FileNotFoundError:
            pass
        for name in (semaphores_only, lock_only, segment_only):
            remove_abandoned_buffer(name)
    assert_none(segment_live_writer)


def test_concurrent_cleanup_attempts():
    name = unique("rc-race")
    abandon_by_killed_reader(name)

    # Processes and threads clean and create the name at the same time.
    with PeerProcess.python("clean", name, "--json") as clean_a, PeerProcess.python("clean", name, "--json") as clean_b, \
            PeerProcess.python("read", name, "--json", "--count", "1") as reader_process:
        start = threading.Barrier(6)
        readers: list[Reader] = []
        clean_outcomes: list[CleanupOutcome] = []
        unexpected: list[BaseException] = []

        def work(i: int) -> None:
            start.wait()
            try:
                if i % 2 == 0:
                    clean_outcomes.append(lifecycle.clean(name).outcome)
                    return
                try:
                    readers.append(Reader(name, BufferConfig(64, 4096)))
                except ReaderAlreadyConnectedError:
                    pass  # documented: someone else owns the name
            except BaseException as ex:
                unexpected.append(ex)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        try:
            assert unexpected == []
            # Exactly one live reader: one of the threads here, or the reader process.
            if len(readers) == 1:
                assert reader_process.wait_for_exit() == READER_ALREADY_CONNECTED_EXIT
                process_won = False
            else:
                assert readers == []
                reader_process.wait_for_event("ready")
                process_won = True
            assert all(o in (CleanupOutcome.REMOVED, CleanupOutcome.NOT_FOUND, CleanupOutcome.REFUSED_LIVE) for o in clean_outcomes)
            for clean in (clean_a, clean_b):
                code = clean.wait_for_exit()
                assert code in (0, 5), "clean exited with %d: %s" % (code, clean.error_output)
            with Writer(name) as writer:
                writer.write_frame(b"\x01")
                if process_won:
                    reader_process.wait_for_event("frame")
                    assert reader_process.wait_for_exit() == 0
                else:
                    with readers[0].read_frame(WAIT) as frame:
                        assert frame.sequence == 1
        finally:
            for r in readers:
                r.close()
    assert_none(name)


def test_cleanup_with_metadata():
    name = unique("rc-metadata")
    with PeerProcess.python("read", name, "--json") as reader:
        reader.wait_for_event("ready")
        with Writer(name) as writer:
            writer.set_metadata(b"camera=front;fps=30")
            writer.write_frame(b"\x01\x02\x03")
            reader.wait_for_event("metadata")
            reader.kill()
    with Reader(name, BufferConfig(1024, 4096)) as fresh:
        assert len(fresh.get_metadata()) == 0
        with Writer(name) as writer:
            writer.set_metadata(b"camera=rear")
            assert bytes(fresh.get_metadata()) == b"camera=rear"
    assert_none(name)


def test_cleanup_with_partial_writes():
    name = unique("rc-partial")
    with Reader(name, BufferConfig(64, 16 * 1024)) as reader:
        with PeerProcess.python("write", name, "--count", "3", "--size", "1000", "--pause-at", "after-acquire",
                                "--pause-frame", "3", "--json") as writer:
            paused = writer.wait_for_event("paused")
            assert paused["sequence"] == 3
            writer.kill()  # between get_frame_buffer and commit_frame
        for seq in (1, 2):
            with reader.read_frame(WAIT) as frame:
                assert frame.sequence == seq
                assert frame.data == sequence_pattern(1000, seq)
        # The half-written third frame is never delivered: the reader reports the death instead.
        assert_within_bound(read_until_writer_dead(reader), "writer death reported")
        assert reader.get_status().written_count == 2

        with PeerProcess.python("write", name, "--count", "2", "--size", "1000", "--json") as writer:
            assert writer.wait_for_exit() == 0
        for seq in (1, 2):
            with reader.read_frame(WAIT) as frame:
                assert frame.sequence == seq
                assert frame.data == sequence_pattern(1000, seq)
    assert_none(name)


def test_cleanup_after_wrap_around():
    name = unique("rc-wrap-crash")
    with PeerProcess.python("read", name, "--metadata-size", "0", "--payload-size", "4096", "--json") as reader:
        reader.wait_for_event("ready")
        with Writer(name) as writer:
            for seq in range(1, 13):
                writer.write_frame(sequence_pattern(1000, seq))
                reader.wait_for_event("frame", index=seq - 1)
            assert writer.get_status().written_count > 12, "the ring wrapped (wrap markers are counted)"
            reader.kill()
            assert_within_bound(write_until_reader_dead(writer), "reader death reported")
    with Reader(name, BufferConfig(0, 4096)) as fresh, Writer(name) as writer:
        assert fresh.get_status().write_position == 0
        writer.write_frame(sequence_pattern(1000, 1))
        with fresh.read_frame(WAIT) as frame:
            assert frame.sequence == 1
            assert frame.data == sequence_pattern(1000, 1)
    assert_none(name)


def test_random_name_cleanup():
    buffer_names = [unique("rc-rand20") for _ in range(20)]
    for batch in range(0, 20, 5):
        peers = [PeerProcess.python("read", n, "--json", "--payload-size", "4096") for n in buffer_names[batch:batch + 5]]
        try:
            for peer in peers:
                peer.wait_for_event("ready")
        finally:
            for peer in peers:
                peer.kill()
                peer.close()
    # Creating a reader sweeps them; a sweep in another container at the same time may take a name and leave its
    # /tmp lock files (it cannot see them), which the next sweep here removes: create readers until all are gone.
    sweep_until_gone(buffer_names)


def test_young_lock_files_nobody_holds_are_swept_at_once_young_semaphores_are_not():
    """Lock files nobody holds, without a segment, are garbage however young (a creator holds its own): the next
    sweep removes them, while young semaphores without a segment keep their grace."""
    locks_only = unique("rc-young-locks")
    semaphores_only = unique("rc-young-sems")
    orphan_lock_file(locks_only)
    os.makedirs(names.upstream_lock_directory(), exist_ok=True)
    open(names.upstream_lock_file(locks_only), "wb").close()
    orphan_semaphores(semaphores_only)
    try:
        sweep_until_gone([locks_only])  # (a parallel sweep may be first: either way, no grace)
        assert os.path.exists(names.semaphore_file(names.data_available_semaphore(semaphores_only)))
        results = [r for r in lifecycle.clean_stale() if r.name == semaphores_only]
        assert [r.outcome for r in results] == [CleanupOutcome.SKIPPED_RECENT]
    finally:
        lifecycle.clean(semaphores_only)
        lifecycle.clean(locks_only)
    assert_none(semaphores_only)

