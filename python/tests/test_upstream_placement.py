"""Placement that every upstream reader can follow, and a reader that follows every upstream writer
(issue 14 item 6; protocol §3.2 and §4.2), pinned byte by byte: the twin of C#'s
``UpstreamPlacementTests``, plus the races a caught-up reader and a late charge can meet.

Upstream Python's writer is emulated by :class:`~.support.UpstreamPythonWriter`: it counts every
wrap, a tail of 0-15 bytes included (no marker there), and leaves write_pos = P after an exact fit.
"""

from __future__ import annotations

import os
import random
import threading
from typing import Optional

import pytest

from zerobuffer import BufferConfig, BufferCorruptedError, FrameTooLargeError, Reader, WriterDeadError, Writer
from zerobuffer._protocol import layout as L
from zerobuffer._protocol import names
from zerobuffer._protocol.write_plan import WritePlan, max_frame_size_anywhere

from .support import UpstreamPythonWriter, assert_none, remove_by_hand, segment_u64, unique, upstream_buffer

P = 4096
RING = L.payload_offset(0)  # M = 0 everywhere here: the ring starts right after the OIEB


def pattern(size: int, sequence: int) -> bytes:
    return bytes(((i * 7) + sequence) & 0xFF for i in range(size))


def oieb(name: str) -> dict[str, int]:
    """The payload fields of the control block, read through the file as any peer can."""
    return {field: segment_u64(name, offset) for field, offset in (
        ("free", L.PAYLOAD_FREE_BYTES_OFFSET), ("write_pos", L.PAYLOAD_WRITE_POS_OFFSET), ("read_pos", L.PAYLOAD_READ_POS_OFFSET),
        ("written", L.PAYLOAD_WRITTEN_COUNT_OFFSET), ("read", L.PAYLOAD_READ_COUNT_OFFSET))}


def segment_bytes(name: str) -> bytes:
    with open(names.segment_file(name), "rb") as f:
        return f.read()


def expect_frame(reader: Reader, sequence: int, size: int) -> None:
    frame = reader.read_frame(0)
    assert frame.is_valid, "frame %d was not delivered" % sequence
    with frame:
        assert (frame.sequence, frame.size) == (sequence, size)
        assert frame.to_bytes() == pattern(size, sequence), "frame %d differs" % sequence


def expect_no_frame(reader: Reader) -> None:
    assert reader.try_read_frame(0) is None


def write_looking(writer: "UpstreamPythonWriter", reader: Reader, data: bytes, step: str) -> list:
    """Writes ``data`` with the reader looking for a frame at ``step`` of the write; what it found."""
    looked: list = []
    assert writer.try_write(data, between={step: lambda: looked.append(reader.try_read_frame(0))})
    return looked


def expect_death_after_leave(writer: "UpstreamPythonWriter", reader: Reader) -> None:
    """An upstream writer's departure (no closed session word) is a death, after every frame was read."""
    writer.leave()
    with pytest.raises(WriterDeadError):
        reader.read_frame(5)


# ----------------------------------------------------------------------------- the bound (§3.2)

@pytest.mark.parametrize("ring, expected", [(64, 8), (1024, 488), (1025, 489), (4096, 2024), (1 << 20, (1 << 19) - 24)])
def test_the_bound_is_half_the_ring_less_24(ring, expected):
    assert max_frame_size_anywhere(ring) == expected


def _first_short_tail(ring: int, max_length: int) -> Optional[list[int]]:
    """Walks every write position reachable from 0 with frames of 1..``max_length`` bytes under the
    placement rule; the frame lengths of a path that ends with a frame leaving a tail of 1-15
    bytes (or one that cannot be placed), or None."""
    path: dict[int, list[int]] = {0: []}
    pending = [0]
    while pending:
        position = pending.pop()
        for length in range(1, max_length + 1):
            total = L.FRAME_HEADER_SIZE + length
            plan = WritePlan.try_create(ring, position, total)
            if plan is None or plan.leaves_short_tail(ring, total):
                return path[position] + [length]
            following = (plan.frame_position + total) % ring
            if following not in path:
                path[following] = path[position] + [length]
                pending.append(following)
    return None


@pytest.mark.parametrize("ring", [128, 201, 256, 1024, 1025])
def test_frames_up_to_the_bound_never_leave_a_short_tail_one_more_can(ring):
    bound = max_frame_size_anywhere(ring)
    assert _first_short_tail(ring, bound) is None
    assert _first_short_tail(ring, bound + 1) is not None


def _short_tail(ring: int, write_pos: int) -> bool:
    return 0 < ring - write_pos < L.FRAME_HEADER_SIZE and write_pos != 0


@pytest.mark.parametrize("ring", [1024, 4096])
def test_random_frames_up_to_the_bound_never_leave_a_short_tail_with_our_reader(ring):
    """Our writer and reader, random frame sizes in [1, bound]: after every commit the write
    position leaves no tail of 1-15 bytes; every frame arrives intact."""
    name = unique("up-random")
    rng = random.Random(ring)
    with Reader(name, BufferConfig(0, ring)) as reader, Writer(name) as writer:
        bound = writer.max_frame_size_anywhere
        assert bound == max_frame_size_anywhere(ring)
        for sequence in range(1, 1500):
            size = rng.choice((1, bound, rng.randint(1, bound)))
            writer.write_frame(pattern(size, sequence))
            write_pos = segment_u64(name, L.PAYLOAD_WRITE_POS_OFFSET)
            assert not _short_tail(ring, write_pos), "frame %d of %d bytes left a %d-byte tail" % (sequence, size, ring - write_pos)
            expect_frame(reader, sequence, size)
    assert_none(name)


@pytest.mark.parametrize("ring", [1024, 1025, 4096])
def test_random_frames_up_to_the_bound_are_never_refused_with_an_upstream_reader(ring):
    """A buffer an upstream reader created (no extensions), any ring size: frames in [1, bound]
    are never refused and never leave a short tail. The test gives the space back itself (as
    the upstream reader would, once it has read a frame)."""
    name = unique("up-random-upstream")
    upstream_buffer(name, reader_pid=os.getpid(), payload_size=ring)
    rng = random.Random(ring + 1)
    try:
        with Writer(name) as writer:
            bound = writer.max_frame_size_anywhere
            assert bound == max_frame_size_anywhere(ring)
            for sequence in range(1, 1500):
                size = rng.choice((1, bound, rng.randint(1, bound)))
                writer.write_frame(pattern(size, sequence))
                write_pos = segment_u64(name, L.PAYLOAD_WRITE_POS_OFFSET)
                assert not _short_tail(ring, write_pos), "frame %d of %d bytes left a %d-byte tail" % (sequence, size, ring - write_pos)
                segment_u64(name, L.PAYLOAD_FREE_BYTES_OFFSET, ring)  # read and released at once
    finally:
        remove_by_hand(name)
    assert_none(name)


@pytest.mark.parametrize("ring", [1024, 4096])
def test_one_byte_more_than_the_bound_can_leave_a_short_tail(ring):
    """A sequence found by the placement walk with frames up to bound + 1: our reader's buffer
    takes it and is left with a short tail (our reader skips it); an upstream reader's buffer
    refuses its last frame, and nothing changes."""
    sizes = _first_short_tail(ring, max_frame_size_anywhere(ring) + 1)
    assert sizes is not None
    name = unique("up-one-more")
    with Reader(name, BufferConfig(0, ring)) as reader, Writer(name) as writer:
        for sequence, size in enumerate(sizes, 1):
            writer.write_frame(pattern(size, sequence))
            expect_frame(reader, sequence, size)
        assert _short_tail(ring, segment_u64(name, L.PAYLOAD_WRITE_POS_OFFSET))
        writer.write_frame(pattern(1, len(sizes) + 1))  # the tail is skipped (an implicit wrap)
        expect_frame(reader, len(sizes) + 1, 1)
        assert oieb(name)["free"] == ring
    assert_none(name)

    name = unique("up-one-more-upstream")
    upstream_buffer(name, reader_pid=os.getpid(), payload_size=ring)
    try:
        with Writer(name) as writer:
            for sequence, size in enumerate(sizes[:-1], 1):
                writer.write_frame(pattern(size, sequence))
                segment_u64(name, L.PAYLOAD_FREE_BYTES_OFFSET, ring)
            before = segment_bytes(name)
            with pytest.raises(FrameTooLargeError, match="tail"):
                writer.write_frame(pattern(sizes[-1], len(sizes)))
            assert segment_bytes(name) == before
    finally:
        remove_by_hand(name)
    assert_none(name)


# ----------------------------------------------------------------------------- our writer, an upstream reader (§3.2)

def test_with_an_upstream_reader_a_frame_that_would_leave_a_short_tail_is_refused_and_nothing_changes():
    """The issue's case against a buffer an upstream reader created: refused at once, nothing changed."""
    name = unique("up-tail")
    upstream_buffer(name, reader_pid=os.getpid(), payload_size=P)
    try:
        with Writer(name) as writer:
            assert writer.max_frame_size_anywhere == 2024
            writer.write_frame(pattern(2020, 1))
            before = segment_bytes(name)
            assert oieb(name) == {"free": P - 2036, "write_pos": 2036, "read_pos": 0, "written": 1, "read": 0}

            with pytest.raises(FrameTooLargeError) as refused:
                writer.write_frame(pattern(2032, 2))
            message = str(refused.value)
            for part in ("Frame of 2032 bytes", "'%s'" % name, "write position 2036", "12-byte tail", "4096-byte ring",
                         "without the ZeroBuffer extensions", "up to 2024 bytes"):
                assert part in message, message
            assert segment_bytes(name) == before  # not a byte written, no count, no charge
            with pytest.raises(FrameTooLargeError):
                writer.get_frame_buffer(2032)  # the zero-copy path too
            with pytest.raises(FrameTooLargeError):
                writer.try_write_frame(pattern(2032, 2), 0)  # refused, not "no space"
            assert segment_bytes(name) == before
            assert writer.next_sequence == 2

            writer.write_frame(pattern(2024, 2))  # the bound fits here and leaves 20 bytes: a marker fits there later
            second = RING + 2036
            assert (segment_u64(name, second), segment_u64(name, second + 8)) == (2024, 2)
            assert oieb(name) == {"free": 20, "write_pos": 4076, "read_pos": 0, "written": 2, "read": 0}
    finally:
        remove_by_hand(name)
    assert_none(name)


def test_with_our_reader_the_same_frame_is_placed_and_its_tail_skipped():
    name = unique("up-ours")
    with Reader(name, BufferConfig(0, P)) as reader, Writer(name) as writer:
        writer.write_frame(pattern(2020, 1))
        writer.write_frame(pattern(2032, 2))
        assert oieb(name)["write_pos"] == 4084  # a 12-byte tail
        expect_frame(reader, 1, 2020)
        expect_frame(reader, 2, 2032)
        writer.write_frame(pattern(100, 3))  # implicit wrap: no marker, not counted
        assert oieb(name) == {"free": P - 12 - 116, "write_pos": 116, "read_pos": 4084, "written": 3, "read": 2}
        expect_frame(reader, 3, 100)
        assert oieb(name) == {"free": P, "write_pos": 116, "read_pos": 116, "written": 3, "read": 3}
    assert_none(name)


# ----------------------------------------------------------------------------- our reader, upstream Python's writer (§4.2)

def test_an_upstream_python_writers_counted_short_tail_is_reconciled_byte_for_byte():
    """Upstream Python's writer counts a wrap over an 8-byte tail (no marker): the counts run one
    ahead of what was written. Pinned step by step; the reader raised BufferCorruptedError here before."""
    name = unique("up-py-tail")
    with Reader(name, BufferConfig(0, P)) as reader:
        writer = UpstreamPythonWriter(name)
        assert writer.try_write(pattern(2028, 1))
        assert writer.try_write(pattern(2028, 2))
        assert oieb(name)["write_pos"] == 4088  # an 8-byte tail
        assert not writer.try_write(pattern(100, 3))  # needs 8 + 116: only 8 free
        expect_frame(reader, 1, 2028)
        assert writer.try_write(pattern(100, 3))

        # The wrap was counted: 2 frames + wrap + frame = 4 items for 3 frames.
        assert oieb(name) == {"free": P - 2044 - 8 - 116, "write_pos": 116, "read_pos": 2044, "written": 4, "read": 1}
        expect_frame(reader, 2, 2028)
        expect_frame(reader, 3, 100)
        assert oieb(name) == {"free": P, "write_pos": 116, "read_pos": 116, "written": 4, "read": 3}
        expect_no_frame(reader)  # the fourth count announced no frame: taken over by the read count
        assert oieb(name) == {"free": P, "write_pos": 116, "read_pos": 116, "written": 4, "read": 4}

        assert writer.try_write(pattern(1, 4))
        assert writer.try_write(pattern(13, 5))
        assert writer.try_write(pattern(2028, 6))
        expect_frame(reader, 4, 1)
        expect_frame(reader, 5, 13)
        expect_frame(reader, 6, 2028)
        assert oieb(name) == {"free": P, "write_pos": 2206, "read_pos": 2206, "written": 7, "read": 7}
        expect_death_after_leave(writer, reader)
    assert_none(name)


LAPS = [
    [2028, 2028, 100, 1, 13],  # the sizes: a counted 8-byte tail in the first lap
    [2032, 2032, 500, 1000],  # 2048 + 2048 = P exactly: write_pos = P, the wrap counted at the next write
    [1008, 1008, 1008, 1008, 7, 1000],  # 4 x 1024 = P exactly
    [4080],  # frames that fill the whole ring
    [2028, 13, 1000, 2028, 2032, 2032],  # every kind of wrap: marker, 1-15-byte tail, exact fit, then a 0-byte tail
]


@pytest.mark.parametrize("charge_wraps_late", [False, True], ids=["tail-charged-at-wrap", "tail-charged-with-frame"])
@pytest.mark.parametrize("sizes", LAPS, ids=[",".join(map(str, s)) for s in LAPS])
def test_an_upstream_python_writer_is_read_lap_after_lap(sizes, charge_wraps_late):
    """Lap after lap: every frame, in order, intact; the counts end equal; every byte comes back;
    the writer's departure is reported."""
    name = unique("up-py-laps")
    with Reader(name, BufferConfig(0, P)) as reader:
        writer = UpstreamPythonWriter(name, charge_wraps_late=charge_wraps_late)
        written = read = 0
        for i in range(10 * len(sizes)):
            payload = pattern(sizes[i % len(sizes)], written + 1)
            while not writer.try_write(payload):
                assert read < written, "the writer waits for space, but every frame was read (frame %d)" % (written + 1)
                read += 1
                expect_frame(reader, read, sizes[(read - 1) % len(sizes)])
            written += 1
        while read < written:
            read += 1
            expect_frame(reader, read, sizes[(read - 1) % len(sizes)])
        expect_no_frame(reader)
        status = oieb(name)
        assert status["read"] == status["written"] and status["free"] == P
        expect_death_after_leave(writer, reader)
        assert oieb(name)["free"] == P
    assert_none(name)


LOOKS = [(step,) for step in UpstreamPythonWriter.STEPS] + [UpstreamPythonWriter.STEPS, "random"]


@pytest.mark.parametrize("looks", LOOKS, ids=["+".join(s).replace(" ", "-") if s != "random" else s for s in LOOKS])
@pytest.mark.parametrize("charge_wraps_late", [False, True], ids=["tail-charged-at-wrap", "tail-charged-with-frame"])
@pytest.mark.parametrize("sizes", LAPS, ids=[",".join(map(str, s)) for s in LAPS])
def test_a_reader_that_looks_between_the_stores_of_every_write_gets_every_frame(sizes, charge_wraps_late, looks):
    """The reader looks between two stores of every write, at one chosen step, at every step, or
    at steps drawn at random (several seeds), and when the writer has no space; it takes whatever
    it finds: every frame once, in order, intact, never an error; the counts end equal and every
    byte comes back. Looking at one step only leaves wrap counts unsettled when the next wrap
    begins (a reader that crosses a wrap point, or passes a marker, before it is counted)."""
    for seed in (range(5) if looks == "random" else [None]):
        rng = random.Random(seed)
        name = unique("up-py-steps")
        with Reader(name, BufferConfig(0, P)) as reader:
            writer = UpstreamPythonWriter(name, charge_wraps_late=charge_wraps_late)
            taken: list[int] = []

            def look() -> None:
                while True:
                    frame = reader.try_read_frame(0)
                    if frame is None:
                        return
                    with frame:
                        sequence = len(taken) + 1
                        size = sizes[(sequence - 1) % len(sizes)]
                        assert (frame.sequence, frame.size) == (sequence, size), "seed %s" % seed
                        assert frame.to_bytes() == pattern(size, sequence)
                        taken.append(sequence)

            count = 10 * len(sizes)
            for sequence in range(1, count + 1):
                payload = pattern(sizes[(sequence - 1) % len(sizes)], sequence)
                chosen = [s for s in UpstreamPythonWriter.STEPS if rng.random() < 0.3] if looks == "random" else looks
                while not writer.try_write(payload, between={step: look for step in chosen}):
                    before = len(taken)
                    look()
                    assert len(taken) > before, "the writer waits for space, but every frame was read (frame %d)" % sequence
            look()
            assert taken == list(range(1, count + 1))
            status = oieb(name)
            assert status["read"] == status["written"] and status["free"] == P
            expect_death_after_leave(writer, reader)
        assert_none(name)


def test_a_reader_caught_up_after_an_exact_fit_still_takes_over_the_wrap_count():
    """After a frame that ends exactly at P the writer rests at write_pos = P and counts its wrap
    at its next write. A reader that is caught up in between, and looks just when that write has
    moved write_pos but not yet counted, must still take the wrap count over afterwards."""
    name = unique("up-py-exact")
    with Reader(name, BufferConfig(0, P)) as reader:
        writer = UpstreamPythonWriter(name)
        assert writer.try_write(pattern(2032, 1)) and writer.try_write(pattern(2032, 2))
        expect_frame(reader, 1, 2032)
        expect_frame(reader, 2, 2032)
        assert oieb(name) == {"free": P, "write_pos": P, "read_pos": 0, "written": 2, "read": 2}
        expect_no_frame(reader)  # caught up

        assert write_looking(writer, reader, pattern(500, 3), "wrap count") == [None]  # write_pos was 0 already, the wrap not yet counted
        assert oieb(name) == {"free": P - 516, "write_pos": 516, "read_pos": 0, "written": 4, "read": 2}
        expect_frame(reader, 3, 500)
        expect_no_frame(reader)
        assert oieb(name) == {"free": P, "write_pos": 516, "read_pos": 516, "written": 4, "read": 4}
        assert writer.try_write(pattern(1000, 4))
        expect_frame(reader, 4, 1000)
        expect_death_after_leave(writer, reader)
    assert_none(name)


def test_a_marker_passed_before_it_is_counted_with_wrap_counts_outstanding_is_no_frame():
    """Two wrap counts are outstanding (the reader never stood at the writer's position since), and
    the writer has written its next marker and charged its tail but not counted it. The reader
    passes the marker on an outstanding count; what the counts announce after it are only wrap
    counts, so the old bytes at 0 are not read as a frame."""
    name = unique("up-py-early-marker")
    with Reader(name, BufferConfig(0, P)) as reader:
        writer = UpstreamPythonWriter(name)
        assert writer.try_write(pattern(2028, 1)) and writer.try_write(pattern(2028, 2))  # an 8-byte tail
        expect_frame(reader, 1, 2028)
        expect_frame(reader, 2, 2028)
        assert writer.try_write(pattern(100, 3))  # a counted wrap over 8 bytes, then 0..116
        expect_frame(reader, 3, 100)
        assert writer.try_write(pattern(3958, 4))  # 116..4090: a 6-byte tail
        expect_frame(reader, 4, 3958)
        assert writer.try_write(pattern(2984, 5))  # a counted wrap over 6 bytes, then 0..3000
        expect_frame(reader, 5, 2984)
        assert oieb(name) == {"free": P, "write_pos": 3000, "read_pos": 3000, "written": 7, "read": 5}
        assert write_looking(writer, reader, pattern(1984, 6), "wrap count") == [None]  # the marker at 3000 passed, the two wrap counts taken over
        expect_frame(reader, 6, 1984)
        expect_no_frame(reader)
        assert oieb(name) == {"free": P, "write_pos": 2000, "read_pos": 2000, "written": 9, "read": 9}
        expect_death_after_leave(writer, reader)
    assert_none(name)


def test_a_whole_ring_frame_counted_before_it_is_charged_is_waited_for():
    """A frame of P bytes leaves the writer's position where it was, like a bare wrap count; until
    the upstream writer charges it, the reader looks again later, and never drops it."""
    name = unique("up-py-whole")
    with Reader(name, BufferConfig(0, P)) as reader:
        writer = UpstreamPythonWriter(name)
        assert writer.try_write(pattern(P - 16, 1))
        expect_frame(reader, 1, P - 16)
        assert write_looking(writer, reader, pattern(P - 16, 2), "charge") == [None]
        assert oieb(name)["read"] == 1  # nothing taken over: the frame is real
        expect_frame(reader, 2, P - 16)
        expect_no_frame(reader)
        assert oieb(name) == {"free": P, "write_pos": P, "read_pos": 0, "written": 3, "read": 3}
        expect_death_after_leave(writer, reader)
    assert_none(name)


def test_a_marker_and_frame_that_fill_the_ring_counted_before_they_are_charged_are_waited_for():
    """The other way items can fill the whole ring: a marker at the read position and a frame at 0
    that ends there. A writer that charges after counting leaves them looking like bare wrap
    counts (and more of them than wraps crossed) until it charges: not corruption, not skipped."""
    name = unique("up-py-marker")
    with Reader(name, BufferConfig(0, P)) as reader:
        writer = UpstreamPythonWriter(name, charge_wraps_late=True)
        assert writer.try_write(pattern(2028, 1)) and writer.try_write(pattern(2028, 2))  # an 8-byte tail
        expect_frame(reader, 1, 2028)
        expect_frame(reader, 2, 2028)
        assert writer.try_write(pattern(2084, 3))  # the counted wrap over 8 bytes, then a frame at 0..2100
        expect_frame(reader, 3, 2084)  # one wrap count outstanding, not looked at yet
        assert write_looking(writer, reader, pattern(2084, 4), "charge") == [None]  # marker at 2100, frame at 0..2100: counted, not charged
        assert oieb(name)["read"] == 3  # nothing taken over: 3 announced items, 1 wrap crossed, a whole ring uncharged
        expect_frame(reader, 4, 2084)
        expect_no_frame(reader)
        assert oieb(name) == {"free": P, "write_pos": 2100, "read_pos": 2100, "written": 6, "read": 6}
        expect_death_after_leave(writer, reader)
    assert_none(name)


def test_a_frame_that_fills_the_ring_after_a_short_tail_counted_before_it_is_charged_is_waited_for():
    """The third way items fill the whole ring: a tail of 1-15 bytes at the read position and a
    frame at 0 that ends there. With a wrap count outstanding, until the charge it looks like more
    bare wrap counts than wraps crossed: not corruption, not skipped."""
    name = unique("up-py-tailring")
    with Reader(name, BufferConfig(0, P)) as reader:
        writer = UpstreamPythonWriter(name, charge_wraps_late=True)
        assert writer.try_write(pattern(2028, 1)) and writer.try_write(pattern(2028, 2))  # an 8-byte tail
        expect_frame(reader, 1, 2028)
        expect_frame(reader, 2, 2028)
        assert writer.try_write(pattern(100, 3))  # the counted wrap over 8 bytes, then a frame at 0..116
        expect_frame(reader, 3, 100)
        assert writer.try_write(pattern(3958, 4))  # 116..4090: a 6-byte tail
        expect_frame(reader, 4, 3958)  # one wrap count outstanding, not looked at yet
        looked: list[Optional[object]] = []
        seen: list[dict[str, int]] = []
        assert writer.try_write(pattern(4074, 5), between={"charge": lambda: (looked.append(reader.try_read_frame(0)),
                                                                              seen.append(oieb(name)))})
        assert looked == [None]  # wrap over 6 bytes, frame at 0..4090: counted, not charged; nothing taken over
        assert seen == [{"free": P, "write_pos": 4090, "read_pos": 4090, "written": 7, "read": 4}]
        assert oieb(name) == {"free": 0, "write_pos": 4090, "read_pos": 4090, "written": 7, "read": 4}
        expect_frame(reader, 5, 4074)
        expect_no_frame(reader)
        assert oieb(name) == {"free": P, "write_pos": 4090, "read_pos": 4090, "written": 7, "read": 7}
        expect_death_after_leave(writer, reader)
    assert_none(name)


def test_more_counts_than_wraps_crossed_is_still_corruption():
    """A count inflated beyond the wraps crossed is never replayed frames: while the upstream writer
    is alive it is "no frame" (it may be an item counted and not charged yet), once it is gone
    it is corruption."""
    name = unique("up-py-inflated")
    with Reader(name, BufferConfig(0, P)) as reader:
        writer = UpstreamPythonWriter(name)
        assert writer.try_write(pattern(2028, 1)) and writer.try_write(pattern(2028, 2))
        expect_frame(reader, 1, 2028)
        assert writer.try_write(pattern(100, 3))  # counted wrap over 8 bytes
        segment_u64(name, L.PAYLOAD_WRITTEN_COUNT_OFFSET, segment_u64(name, L.PAYLOAD_WRITTEN_COUNT_OFFSET) + 1)  # one more than the wrap explains
        expect_frame(reader, 2, 2028)
        expect_frame(reader, 3, 100)
        expect_no_frame(reader)  # nothing delivered, nothing replayed, nothing taken over
        assert oieb(name) == {"free": P, "write_pos": 116, "read_pos": 116, "written": 5, "read": 3}
        writer.leave()
        for _ in range(2):  # nothing is taken over: the next read finds the damage again
            with pytest.raises(BufferCorruptedError, match="nothing was written there"):
                reader.read_frame(0)
        assert oieb(name) == {"free": P, "write_pos": 116, "read_pos": 116, "written": 5, "read": 3}
    assert_none(name)


def test_the_end_of_the_stream_is_reported_with_a_wrap_count_outstanding_before_a_short_tail():
    """The writer leaves while the reader, behind it all along, stands before a tail of 1-15 bytes
    the writer never wrapped over, with an older wrap count not taken over yet: that count is taken
    over where the reader stands (the tail is never charged), and the departure is reported."""
    name = unique("up-py-end-tail")
    with Reader(name, BufferConfig(0, P)) as reader:
        writer = UpstreamPythonWriter(name)
        assert writer.try_write(pattern(2028, 1)) and writer.try_write(pattern(2028, 2))  # an 8-byte tail
        expect_frame(reader, 1, 2028)
        expect_frame(reader, 2, 2028)
        assert writer.try_write(pattern(100, 3))  # the counted wrap over 8 bytes, then a frame at 0..116
        expect_frame(reader, 3, 100)  # the wrap count is not looked at yet
        assert writer.try_write(pattern(3958, 4))  # 116..4090: a 6-byte tail
        expect_frame(reader, 4, 3958)
        assert oieb(name) == {"free": P, "write_pos": 4090, "read_pos": 4090, "written": 5, "read": 4}
        expect_death_after_leave(writer, reader)
        assert oieb(name) == {"free": P, "write_pos": 4090, "read_pos": 4090, "written": 5, "read": 5}
    assert_none(name)


def test_an_upstream_python_writer_on_another_thread_is_read_to_its_end():
    """The writer runs concurrently (the reader looks at any moment of its writes), several laps of
    the issue's sizes and exact fits; every frame arrives intact and in order, then the end."""
    sizes = LAPS[-1]
    count = 100 * len(sizes)
    name = unique("up-py-thread")
    with Reader(name, BufferConfig(0, P)) as reader:
        writer = UpstreamPythonWriter(name)
        failure: list[BaseException] = []

        def write_all() -> None:
            try:
                for sequence in range(1, count + 1):
                    writer.write(pattern(sizes[(sequence - 1) % len(sizes)], sequence))
            except BaseException as ex:  # reported by the reading thread
                failure.append(ex)
            finally:
                writer.leave()

        thread = threading.Thread(target=write_all)
        thread.start()
        try:
            for sequence in range(1, count + 1):
                frame = reader.read_frame(10)
                assert frame.is_valid, "frame %d did not arrive (%s)" % (sequence, failure)
                with frame:
                    size = sizes[(sequence - 1) % len(sizes)]
                    assert (frame.sequence, frame.size) == (sequence, size)
                    assert frame.to_bytes() == pattern(size, sequence)
            with pytest.raises(WriterDeadError):
                reader.read_frame(10)
        finally:
            thread.join(30)
        assert not thread.is_alive() and not failure, failure
        status = oieb(name)
        assert status["read"] == status["written"] and status["free"] == P
    assert_none(name)
