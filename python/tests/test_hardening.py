"""Hardening found by adversarial testing (issue 13, item 5), each a test that failed before the fix:
the committed-bytes budget and the release guard (protocol §4.3), sequence 0, a truthful
``lock_held``, an honest dry run, and a NullHandler on the package's logger."""

from __future__ import annotations

import logging
import subprocess

import pytest

import zerobuffer
from zerobuffer import BufferConfig, BufferCorruptedError, Reader, Writer, lifecycle
from zerobuffer._protocol import layout as L
from zerobuffer.lifecycle import BufferState

from .support import (HandWriter, PeerProcess, abandon_by_killed_reader, assert_none, remove_abandoned_buffer, segment_u64,
                      unique)

RING = 4096


def test_reader_never_publishes_free_bytes_above_the_ring_size():
    name = unique("hard-release-guard")
    with Reader(name, BufferConfig(0, RING)) as reader, Writer(name) as writer:
        writer.write_frame(bytes(100))
        frame = reader.read_frame(5)
        assert frame.is_valid
        segment_u64(name, L.PAYLOAD_FREE_BYTES_OFFSET, RING)  # someone credits the held frame's space early
        frame.release()
        assert segment_u64(name, L.PAYLOAD_FREE_BYTES_OFFSET) == RING, "free bytes went above P"
        writer.write_frame(b"next")  # reported by the next read that finds a frame
        with pytest.raises(BufferCorruptedError, match="above the 4096-byte ring"):
            reader.read_frame(1)
    assert_none(name)


def test_inflated_written_count_is_corruption_not_replayed_frames():
    name = unique("hard-inflated-count")
    with Reader(name, BufferConfig(0, RING)) as reader, Writer(name) as writer:
        for i in range(3):
            writer.write_frame(bytes([i]) * 200)
        for i in range(3):
            reader.read_frame(5).release()
        count = segment_u64(name, L.PAYLOAD_WRITTEN_COUNT_OFFSET)
        segment_u64(name, L.PAYLOAD_WRITTEN_COUNT_OFFSET, count + 5)
        for _ in range(2):  # the frame stays where it is: the next read finds the damage again
            with pytest.raises(BufferCorruptedError, match="never charged"):
                reader.read_frame(1)
        status = reader.get_status()
        assert status.payload_free_bytes == RING, "old frames were replayed and their space given back twice"
        assert status.read_count == count
    assert_none(name)


@pytest.mark.parametrize("continuity", [True, False], ids=["reader", "duplex-client-reader"])
def test_frame_with_sequence_zero_is_corruption(continuity):
    name = unique("hard-seq0")
    with Reader(name, BufferConfig(0, RING)) as reader, Writer(name) as writer:
        reader._check_sequence_continuity = continuity
        writer.write_frame(b"numbered")
        segment_u64(name, L.payload_offset(0) + L.FRAME_SEQUENCE_OFFSET, 0)
        with pytest.raises(BufferCorruptedError, match="sequence 0"):
            reader.read_frame(1)
        segment_u64(name, L.payload_offset(0) + L.FRAME_SEQUENCE_OFFSET, 1)  # repaired: delivered, once
        with reader.read_frame(1) as frame:
            assert frame.to_bytes() == b"numbered"
    assert_none(name)


def test_upstream_writer_that_charges_after_publishing_is_waited_for_not_corruption():
    # Protocol-v1 writers publish the count first and subtract free bytes after: until the charge,
    # the item does not fit the budget, and the reader treats it as not committed yet.
    name = unique("hard-late-charge")
    with Reader(name, BufferConfig(0, RING)) as reader:
        sleeper = subprocess.Popen(["sleep", "600"])
        hand = HandWriter(name, sleeper.pid)
        try:
            total = hand.publish(b"late")
            assert not reader.read_frame(0.3).is_valid  # counted, not charged: not committed yet
            hand.charge(total)
            with reader.read_frame(5) as frame:
                assert frame.to_bytes() == b"late"
            hand.leave()
        finally:
            sleeper.kill()
            sleeper.wait()
    assert_none(name)


def test_lock_held_is_reported_truthfully_when_a_pid_is_alive():
    name = unique("hard-lock-held")
    with Reader(name, BufferConfig(0, RING)):
        info = lifecycle.inspect(name)
        assert info is not None and info.state is BufferState.LIVE and info.reader_alive
        assert info.lock_held, "the reader holds its lock files; a live PID must not hide that"
        listed = next(b for b in lifecycle.list_buffers() if b.name == name)
        assert listed.lock_held
    assert_none(name)


def test_dry_run_reports_what_it_would_remove_never_removed():
    for _ in range(5):
        name = unique("hard-dry-run")
        abandon_by_killed_reader(name)
        with PeerProcess.python("clean", "--stale", "--dry-run", "--grace-ms", "0", "--json") as cleaner:
            assert cleaner.wait_for_exit() == 0
            cleaned = [e for e in cleaner.events("cleaned") if e["name"] == name]
            done = cleaner.wait_for_event("done")
        with PeerProcess.python("clean", "--stale", "--dry-run", "--grace-ms", "0") as text:
            assert text.wait_for_exit() == 0
            lines = list(text.lines)
        still_there = lifecycle.inspect(name)
        remove_abandoned_buffer(name)
        assert_none(name)
        if not cleaned or still_there is None:
            continue  # a parallel sweep removed it first: try again with a fresh one
        assert cleaned[0]["outcome"] == "WouldRemove" and cleaned[0]["message"].startswith("Would remove")
        assert "removed" not in done and done["wouldRemove"] >= 1 and done["dryRun"] is True, done
        assert not any(line.startswith("Removed") for line in lines), lines
        assert any(line.startswith("Would remove") and name in line for line in lines), lines
        assert any(line.startswith("Dry run:") and line.endswith("would be removed, nothing was.") for line in lines), lines
        return
    raise AssertionError("the abandoned buffer was never seen by the dry run")


def test_package_logger_has_a_null_handler():
    handlers = logging.getLogger("zerobuffer").handlers
    assert any(isinstance(handler, logging.NullHandler) for handler in handlers), handlers
    assert zerobuffer.__version__
