"""Peers in separate PID and mount namespaces (issue 13): as two containers of one pod, they share
/dev/shm and nothing else (each has its own PID numbering and its own /tmp). Every peer is a real
process: the Python peer tool as PID 1 of ``unshare --pid --mount --fork --mount-proc`` with a
tmpfs on /tmp and no TMPDIR. A crash is a SIGKILL of that process (the namespace's init).

Root is required. When ``unshare`` or ``setpriv`` is refused these tests fail with the reason;
they are never skipped."""

from __future__ import annotations

import hashlib
import os
import subprocess
import time

import pytest

from zerobuffer import (BufferAccess, BufferConfig, Reader, ReaderDeadError, Writer, WriterClosedError, WriterDeadError,
                        lifecycle)
from zerobuffer._protocol import names
from zerobuffer.lifecycle import BufferState, CleanupOutcome

from .support import (DEAD_PEER_BOUND, GOLDEN_UPSTREAM_OIEB, NamespacedPeer, PeerProcess, assert_none, assert_within_bound,
                      dead_pid, nobody_peer, remove_abandoned_buffer, remove_by_hand, require_unshare, sequence_pattern,
                      take_pid, unique, upstream_buffer)

PROCESS_EXIT_SLACK = 1.0
"""A peer that notices a death within DEAD_PEER_BOUND then needs a moment to report it and exit."""
SIZES = [1, 100, 1000, 4000, 17, 2047, 15, 16]


@pytest.fixture(autouse=True)
def _namespaces_available():
    require_unshare()


def test_reader_on_the_host_and_writer_in_a_namespace_stream():
    name = unique("ns-host-reader")
    count = 500
    with Reader(name, BufferConfig(256, 16 * 1024)) as reader:
        with NamespacedPeer("write", name, "--count", str(count), "--sizes", ",".join(map(str, SIZES)), "--metadata", "from a pod",
                            "--hash", "--json") as writer:
            connected = writer.wait_for_event("connected")
            assert connected["pid"] == 1, "the writer runs as PID 1 of its own namespace"
            received = {}
            for sequence in range(1, count + 1):
                with reader.read_frame(30) as frame:
                    assert frame.is_valid, "frame %d; peer stderr: %s" % (sequence, writer.error_output)
                    assert frame.sequence == sequence and frame.data == sequence_pattern(frame.size, sequence)
                    received[sequence] = hashlib.sha256(frame.data).hexdigest()
            assert writer.wait_for_exit() == 0
            assert {e["sequence"]: e["sha256"] for e in writer.events("written")} == received
            assert bytes(reader.get_metadata()) == b"from a pod"
        # It closed cleanly: the end of the stream, across namespaces.
        with pytest.raises(WriterClosedError):
            reader.read_frame(5)
    assert_none(name)


def test_writer_on_the_host_and_reader_in_a_namespace_stream():
    name = unique("ns-host-writer")
    count = 500
    with NamespacedPeer("read", name, "--payload-size", str(16 * 1024), "--hash", "--json") as reader:
        ready = reader.wait_for_event("ready")
        assert ready["pid"] == 1
        sent = {}
        with Writer(name) as writer:
            assert writer.is_reader_connected()
            for index in range(count):
                size = SIZES[index % len(SIZES)]
                data = sequence_pattern(size, index + 1)
                writer.write_frame(data)
                sent[index + 1] = hashlib.sha256(data).hexdigest()
            reader.wait_for_event("frame", index=count - 1)
        # The writer closed: the namespaced reader ends its stream with exit 0 and an "end" event.
        assert reader.wait_for_exit(30) == 0
        assert reader.wait_for_event("end")["frames"] == count
        assert {e["sequence"]: e["sha256"] for e in reader.events("frame")} == sent
    assert_none(name)


def test_killed_writer_in_a_namespace_is_detected_from_the_host_within_the_bound():
    name = unique("ns-kill-writer")
    with Reader(name, BufferConfig(0, 4096)) as reader:
        with NamespacedPeer("write", name, "--count", "1", "--size", "10", "--hold", "--json") as writer:
            writer.wait_for_event("holding")
            reader.read_frame(5).release()
            killed = time.monotonic()
            writer.kill()
            with pytest.raises(WriterDeadError):
                reader.read_frame(30)
            assert_within_bound(time.monotonic() - killed, "the namespaced writer's death was reported")
    assert_none(name)


def test_killed_reader_in_a_namespace_is_detected_from_the_host_within_the_bound():
    name = unique("ns-kill-reader")
    try:
        with NamespacedPeer("read", name, "--payload-size", "8192", "--delay-ms", "600000", "--json") as reader:
            reader.wait_for_event("ready")
            with Writer(name) as writer:
                writer.write_frame(bytes(1000))
                reader.wait_for_event("frame")  # held: the ring fills up and the writer waits
                killed = time.monotonic()
                reader.kill()
                with pytest.raises(ReaderDeadError):
                    for _ in range(100_000):
                        writer.try_write_frame(bytes(1000), 30)
                assert_within_bound(time.monotonic() - killed, "the namespaced reader's death was reported")
        # Its /tmp locks went with its namespace; its segment and semaphores are stale here.
        info = lifecycle.inspect(name)
        assert info is not None and info.state is BufferState.STALE, info
    finally:
        remove_abandoned_buffer(name)
    assert_none(name)


def test_killed_host_peers_are_detected_inside_a_namespace_within_the_bound():
    name = unique("ns-host-writer-killed")
    with NamespacedPeer("read", name, "--json") as reader:
        reader.wait_for_event("ready")
        with PeerProcess.python("write", name, "--count", "1", "--size", "10", "--hold", "--json") as writer:
            writer.wait_for_event("holding")
            reader.wait_for_event("frame")
            killed = time.monotonic()
            writer.kill()
            assert reader.wait_for_exit(30) == 16
            assert time.monotonic() - killed < DEAD_PEER_BOUND + PROCESS_EXIT_SLACK
            assert [e["kind"] for e in reader.events("error")] == ["WriterDead"]
    assert_none(name)

    name = unique("ns-host-reader-killed")
    try:
        with PeerProcess.python("read", name, "--payload-size", "8192", "--delay-ms", "600000", "--json") as reader:
            reader.wait_for_event("ready")
            with NamespacedPeer("write", name, "--count", "1000000", "--size", "1000", "--write-timeout-ms", "30000",
                                "--json") as writer:
                reader.wait_for_event("frame")
                writer.wait_for_event("written", index=7)  # the 8192-byte ring is full: the writer waits
                killed = time.monotonic()
                reader.kill()
                assert writer.wait_for_exit(30) == 15
                assert time.monotonic() - killed < DEAD_PEER_BOUND + PROCESS_EXIT_SLACK
                assert [e["kind"] for e in writer.events("error")] == ["ReaderDead"]
    finally:
        remove_abandoned_buffer(name)
    assert_none(name)


def test_sweep_from_a_third_namespace_leaves_a_live_buffer_and_removes_a_dead_one():
    victim = unique("ns-victim")
    dead = unique("ns-dead")
    with Reader(victim, BufferConfig(0, 4096)) as owner:
        with PeerProcess.python("read", dead, "--json") as doomed:
            doomed.wait_for_event("ready")
            doomed.kill()
        # The scenario: a reader of another name created in a namespace sweeps first.
        with NamespacedPeer("read", unique("ns-other"), "--timeout-ms", "300", "--json") as other:
            assert other.wait_for_exit(30) == 3
        with NamespacedPeer("clean", "--stale", "--grace-ms", "0", "--json") as cleaner:
            assert cleaner.wait_for_exit(30) == 0
            outcomes = {e["name"]: e["outcome"] for e in cleaner.events("cleaned")}
        assert victim not in outcomes, outcomes
        assert os.path.exists(names.segment_file(victim))
        assert not os.path.exists(names.segment_file(dead)), "the dead buffer is removed (by one of the sweeps)"
        with Writer(victim) as writer:
            writer.write_frame(b"survived")
            with owner.read_frame(5) as frame:
                assert frame.to_bytes() == b"survived"
    # The dead reader's /tmp lock files live in this namespace's /tmp: an orphan here, cleaned here.
    leftover = lifecycle.inspect(dead)
    if leftover is not None:
        assert leftover.state is BufferState.ORPHANED and leftover.resources == (lifecycle.BufferResources.LOCK_FILE | lifecycle.BufferResources.UPSTREAM_LOCK_FILE)
        assert lifecycle.clean(dead).outcome is CleanupOutcome.REMOVED
    assert_none(dead)
    assert_none(victim)


def test_a_reused_pid_does_not_keep_a_dead_writer_alive():
    name = unique("ns-pid-reuse-writer")
    with Reader(name, BufferConfig(0, 4096)) as reader:
        with PeerProcess.python("write", name, "--count", "1", "--size", "10", "--hold", "--json") as writer:
            writer.wait_for_event("holding")
            reader.read_frame(5).release()
            writer.kill()  # SIGKILL, and reaped: its PID is free
            impostor = take_pid(writer.pid)
        try:
            assert reader.get_status().writer_pid == impostor.pid, "an unrelated process now has the writer's PID"
            started = time.monotonic()
            with pytest.raises(WriterDeadError):
                reader.read_frame(30)
            assert_within_bound(time.monotonic() - started, "the writer whose PID was reused was reported dead")
            assert not reader.is_writer_connected()
        finally:
            impostor.kill()
            impostor.wait()
    assert_none(name)


def test_a_reused_pid_does_not_keep_a_dead_buffer_live():
    name = unique("ns-pid-reuse-buffer")
    impostors: list[subprocess.Popen] = []
    try:
        with PeerProcess.python("read", name, "--json") as reader:
            reader.wait_for_event("ready")
            with PeerProcess.python("write", name, "--count", "1", "--size", "10", "--hold", "--json") as writer:
                writer.wait_for_event("holding")
                reader.wait_for_event("frame")
                reader.kill()
                writer.kill()
                impostors.append(take_pid(reader.pid))
                impostors.append(take_pid(writer.pid))
        info = lifecycle.inspect(name)
        assert info is not None
        assert (info.reader_pid, info.writer_pid) == (reader.pid, writer.pid)
        assert not info.reader_alive and not info.writer_alive
        assert info.state is BufferState.STALE, info.reason
        assert lifecycle.clean(name).outcome is CleanupOutcome.REMOVED
    finally:
        for impostor in impostors:
            impostor.kill()
            impostor.wait()
        remove_abandoned_buffer(name)
    assert_none(name)


def test_another_user_cannot_open_an_owner_only_buffer_but_can_a_shared_one():
    name = unique("ns-owner-only")
    with Reader(name, BufferConfig(0, 4096)):
        with nobody_peer("write", name, "--count", "1", "--json") as stranger:
            assert stranger.wait_for_exit(30) == 26, stranger.error_output
            errors = stranger.events("error")
            assert [e["kind"] for e in errors] == ["AccessDenied"], stranger.error_output
            message = errors[0]["message"]
            assert "uid 0" in message and "0600" in message and "--access group|everyone" in message, message
    assert_none(name)

    name = unique("ns-everyone")
    with Reader(name, BufferConfig(0, 4096, BufferAccess.EVERYONE)) as reader:
        with nobody_peer("write", name, "--count", "3", "--size", "100", "--json") as stranger:
            for sequence in (1, 2, 3):
                with reader.read_frame(30) as frame:
                    assert frame.is_valid, stranger.error_output
                    assert frame.sequence == sequence and frame.data == sequence_pattern(100, sequence)
            assert stranger.wait_for_exit(30) == 0
        with pytest.raises(WriterClosedError):
            reader.read_frame(5)
    assert_none(name)


def test_buffer_without_the_advertisement_is_judged_by_pids():
    # Golden bytes of an upstream reader's control block (no extension words): the PID rule decides.
    assert len(GOLDEN_UPSTREAM_OIEB) == 128 and GOLDEN_UPSTREAM_OIEB[96:] == bytes(32)
    live = unique("ns-upstream-live")
    stale = unique("ns-upstream-dead")
    sleeper = subprocess.Popen(["sleep", "600"])
    try:
        upstream_buffer(live, reader_pid=sleeper.pid)
        upstream_buffer(stale, reader_pid=dead_pid())
        live_info, stale_info = lifecycle.inspect(live), lifecycle.inspect(stale)
        assert live_info is not None and live_info.state is BufferState.LIVE and live_info.reader_alive
        assert stale_info is not None and stale_info.state is BufferState.STALE and not stale_info.reader_alive
        # A sweep from another namespace agrees (the PIDs are this namespace's, and it shares it).
        with Writer(live) as writer:
            writer.write_frame(b"for an upstream reader")
            assert writer.is_reader_connected()
        with open(names.segment_file(live), "rb") as f:
            oieb = f.read(128)
        assert oieb[96:] == bytes(32), "our writer never touches the reserved words of an upstream buffer"
        assert int.from_bytes(oieb[64:72], "little") == 1 and int.from_bytes(oieb[80:88], "little") == 0
        with pytest.raises(ReaderDeadError):
            Writer(stale)
        assert lifecycle.clean(stale).outcome is CleanupOutcome.REMOVED
        sleeper.kill()
        sleeper.wait()
        after = lifecycle.inspect(live)
        assert after is not None and after.state is BufferState.STALE
    finally:
        sleeper.kill()
        sleeper.wait()
        remove_by_hand(live)
        remove_by_hand(stale)
    assert_none(live)
    assert_none(stale)


def test_readers_racing_for_one_name_from_different_namespaces_one_wins():
    name = unique("ns-race")
    racers = [NamespacedPeer("read", name, "--json") for _ in range(4)]
    try:
        deadline = time.monotonic() + 60
        winners: list[NamespacedPeer] = []
        losers: list[NamespacedPeer] = []
        while len(winners) + len(losers) < len(racers) and time.monotonic() < deadline:
            for racer in racers:
                if racer in winners or racer in losers:
                    continue
                if racer.events("ready"):
                    winners.append(racer)
                elif racer._process.poll() is not None:
                    losers.append(racer)
            time.sleep(0.005)  # polling several processes' state, bounded by the deadline
        assert len(winners) == 1, [r.lines for r in racers]
        assert len(losers) == 3
        for loser in losers:
            assert loser.wait_for_exit() == 13
            assert [e["kind"] for e in loser.events("error")] == ["ReaderAlreadyConnected"]
        with Writer(name) as writer:
            writer.write_frame(b"\x05")
            assert winners[0].wait_for_event("frame")["sequence"] == 1
    finally:
        for racer in racers:
            racer.close()
    assert_none(name)


def test_a_sweep_in_one_namespace_and_a_create_in_another_never_interleave():
    for round_ in range(8):
        name = unique("ns-sweep-create")
        with PeerProcess.python("read", name, "--json") as doomed:  # a stale buffer of that very name
            doomed.wait_for_event("ready")
            doomed.kill()
        with NamespacedPeer("clean", "--stale", "--grace-ms", "0", "--json") as cleaner:
            # Whoever gets the name lock first acts alone: the creator either finds the stale
            # buffer gone or removes it itself; it never fails, and the sweep never touches its new buffer.
            with Reader(name, BufferConfig(0, 4096)) as reader:
                assert cleaner.wait_for_exit(30) == 0
                outcome = {e["name"]: e["outcome"] for e in cleaner.events("cleaned")}.get(name)
                assert outcome in (None, "Removed", "RefusedLive"), outcome
                with Writer(name) as writer:
                    writer.write_frame(bytes([round_]))
                    with reader.read_frame(5) as frame:
                        assert frame.to_bytes() == bytes([round_])
        assert_none(name)
