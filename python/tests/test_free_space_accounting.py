"""FreeSpaceAccountingTests: payload_free_bytes (read through get_status) is exact at every step:
a frame costs 16 + n, a wrap costs its tail, and space comes back only in ring (FIFO) order."""

import random
import threading

import pytest

from zerobuffer import BufferConfig, ObjectDisposedError, Reader, Writer

from .support import assert_none, pattern, unique

HEADER = 16
READ_TIMEOUT = 1.0


def free(reader: Reader) -> int:
    return reader.get_status().payload_free_bytes


def test_free_space_correct_after_simple_wrap():
    name = unique("free-simple-wrap")
    with Reader(name, BufferConfig(100, 1000)) as reader, Writer(name) as writer:
        p = 1024  # 1000 rounded up to 64
        assert free(reader) == p
        for i in range(8):
            writer.write_frame(pattern(i, 100))
        assert free(reader) == p - 8 * (HEADER + 100)
        for _ in range(8):
            with reader.read_frame(READ_TIMEOUT) as frame:
                assert frame.size == 100
        assert free(reader) == p
        # Write position 928: the 96-byte tail cannot hold 116 bytes, so the 9th frame wraps.
        writer.write_frame(pattern(8, 100))
        assert reader.get_status().write_position == 116
        with reader.read_frame(READ_TIMEOUT) as frame:
            assert frame.size == 100
            assert frame.sequence == 9
            assert frame.to_bytes() == pattern(8, 100)
        assert free(reader) == p
    assert_none(name)


def test_free_space_correct_after_multiple_wraps():
    name = unique("free-multi-wrap")
    with Reader(name, BufferConfig(100, 500)) as reader, Writer(name) as writer:
        p = 512
        wraps = 0
        sequence = 1
        for cycle in range(10):
            before = reader.get_status().write_position
            for i in range(3):
                writer.write_frame(pattern(cycle * 3 + i, 120))
            # 3 × 136 = 408 bytes; from position 408 the 104-byte tail is wasted too, filling the ring exactly.
            if reader.get_status().write_position <= before:
                wraps += 1
                assert free(reader) == 0
            for i in range(3):
                with reader.read_frame(READ_TIMEOUT) as frame:
                    assert frame.size == 120
                    assert frame.sequence == sequence
                    sequence += 1
                    assert frame.to_bytes() == pattern(cycle * 3 + i, 120)
            assert free(reader) == p
        assert wraps == 9
    assert_none(name)


def test_free_space_with_partial_reads():
    name = unique("free-partial")
    with Reader(name, BufferConfig(100, 1000)) as reader, Writer(name) as writer:
        p, cost = 1024, HEADER + 100
        for i in range(1, 6):
            writer.write_frame(pattern(i, 100))
            assert free(reader) == p - i * cost
        # Reading does not return space; releasing does, frame by frame.
        first = reader.read_frame(READ_TIMEOUT)
        second = reader.read_frame(READ_TIMEOUT)
        assert free(reader) == p - 5 * cost
        first.release()
        assert free(reader) == p - 4 * cost
        second.release()
        assert free(reader) == p - 3 * cost
        for i in range(3, 6):
            with reader.read_frame(READ_TIMEOUT) as frame:
                assert frame.sequence == i
                assert free(reader) == p - (6 - i) * cost
            assert free(reader) == p - (5 - i) * cost
        assert free(reader) == p
    assert_none(name)


def test_wrap_marker_space_accounted_correctly():
    name = unique("free-marker")
    with Reader(name, BufferConfig(100, 1000)) as reader, Writer(name) as writer:
        p = 1024
        for i in range(8):
            writer.write_frame(pattern(i, 100))
            reader.read_frame(READ_TIMEOUT).release()
        before = reader.get_status()
        assert before.write_position == 928
        assert before.payload_free_bytes == p
        # 96-byte tail < 116: a wrap marker goes at 928, the frame at 0.
        writer.write_frame(pattern(8, 100))
        after_write = reader.get_status()
        assert after_write.payload_free_bytes == p - 96 - 116
        assert after_write.written_count == before.written_count + 2  # marker + frame
        assert after_write.write_position == 116
        with reader.read_frame(READ_TIMEOUT) as frame:
            # Passing the marker returned the tail at once; the frame is still held.
            after_read = reader.get_status()
            assert after_read.payload_free_bytes == p - 116
            assert after_read.read_count == after_write.written_count
            assert after_read.read_position == 116
            assert frame.size == 100
            assert frame.sequence == 9
        assert free(reader) == p
    assert_none(name)


def _assert_free_matches_model(reader, held, ring_size):
    """The exact rule: bytes in use run from the oldest frame still held (or, with none held, the
    read position) up to the write position; tails and released-but-queued frames in between are
    still in use. The ring is completely used when the two meet with anything outstanding."""
    status = reader.get_status()
    start = held[0][1] if held else status.read_position
    used = (status.write_position - start) % ring_size
    if used == 0 and (held or status.written_count != status.read_count):
        used = ring_size
    assert status.payload_free_bytes == ring_size - used


def test_stress_test_free_space_accounting():
    name = unique("free-stress")
    with Reader(name, BufferConfig(100, 10000)) as reader, Writer(name) as writer:
        p = 10048  # 10000 rounded up to 64
        rng = random.Random(42)
        unread = []  # (sequence, size) not read yet
        held = []  # (frame, start offset of its header) in read order
        next_sequence = 1
        writes = full_rejections = reads = wraps = 0
        try:
            for _ in range(1000):
                # Writes slightly more likely than reads and releases, so the ring fills up now and then.
                choice = rng.randrange(10)
                if choice < 4 and len(unread) + len(held) < 60:
                    size = rng.randrange(10, 400)
                    before = reader.get_status().write_position
                    if writer.try_write_frame(pattern(next_sequence, size), 0):
                        unread.append((next_sequence, size))
                        next_sequence += 1
                        writes += 1
                        if reader.get_status().write_position < before:
                            wraps += 1
                    else:
                        full_rejections += 1
                elif 4 <= choice < 7:
                    frame = reader.try_read_frame(0)
                    if frame is not None:
                        sequence, size = unread.pop(0)
                        assert frame.sequence == sequence
                        assert frame.size == size
                        assert frame.to_bytes() == pattern(sequence, size)
                        end = reader.get_status().read_position
                        held.append((frame, (end if end else p) - HEADER - frame.size))
                        reads += 1
                    else:
                        assert unread == []
                elif choice >= 7 and held:
                    victim = rng.randrange(len(held))  # any order, not only the oldest
                    held[victim][0].release()
                    held.pop(victim)
                _assert_free_matches_model(reader, held, p)
            # Drain: release everything still held, newest first, then read the rest.
            while held:
                held.pop()[0].release()
                _assert_free_matches_model(reader, held, p)
            while unread:
                sequence, _ = unread.pop(0)
                with reader.read_frame(READ_TIMEOUT) as frame:
                    assert frame.sequence == sequence
        finally:
            for frame, _ in held:
                frame.release()
        assert free(reader) == p
        assert reader.outstanding_frames == 0
        # The run really exercised the interesting paths.
        assert writes > 100 and reads > 100 and wraps > 0 and full_rejections > 0, (writes, reads, wraps, full_rejections)
    assert_none(name)


def test_single_frame_accounting():
    name = unique("free-single")
    with Reader(name, BufferConfig(0, 4096)) as reader, Writer(name) as writer:
        p = 4096
        writer.write_frame(pattern(1, 100))
        assert free(reader) == p - (HEADER + 100)
        with reader.read_frame(READ_TIMEOUT):
            assert free(reader) == p - (HEADER + 100)
            assert reader.outstanding_frames == 1
        assert free(reader) == p
        assert reader.outstanding_frames == 0
    assert_none(name)


def test_multiple_frames_accounting():
    name = unique("free-multiple")
    with Reader(name, BufferConfig(0, 4096)) as reader, Writer(name) as writer:
        p = 4096
        sizes = [100, 7, 333, 64]
        costs = [HEADER + s for s in sizes]
        for size in sizes:
            writer.write_frame(pattern(size, size))
        assert free(reader) == p - sum(costs)
        frames = [reader.read_frame(READ_TIMEOUT) for _ in sizes]
        try:
            assert [f.size for f in frames] == sizes
            assert free(reader) == p - sum(costs)
            assert reader.outstanding_frames == 4
            # Newer frames released first: nothing comes back while the oldest is held.
            frames[2].release()
            assert free(reader) == p - sum(costs)
            frames[1].release()
            frames[2].release()  # idempotent
            assert free(reader) == p - sum(costs)
            assert reader.outstanding_frames == 4
            with pytest.raises(ObjectDisposedError):
                frames[1].data
            assert frames[0].to_bytes() == pattern(sizes[0], sizes[0])  # the oldest is intact
            # Releasing the oldest returns it and the two released behind it, in one go.
            frames[0].release()
            assert free(reader) == p - costs[3]
            assert reader.outstanding_frames == 1
            # Release from another thread: thread-safe.
            thread = threading.Thread(target=frames[3].release)
            thread.start()
            thread.join(5)
            assert free(reader) == p
            assert reader.outstanding_frames == 0
        finally:
            for frame in frames:
                frame.release()
    assert_none(name)


def test_wrap_around_accounting():
    name = unique("free-wrap")
    with Reader(name, BufferConfig(0, 1024)) as reader, Writer(name) as writer:
        p = 1024
        # Implicit wrap: a 1000-byte frame at 0 leaves an 8-byte tail, too short for a marker.
        writer.write_frame(pattern(1, 1000))
        with reader.read_frame(READ_TIMEOUT) as frame:
            assert frame.size == 1000
        assert free(reader) == p
        written_before = reader.get_status().written_count
        writer.write_frame(pattern(2, 100))
        after_write = reader.get_status()
        assert after_write.payload_free_bytes == p - 8 - 116  # the tail is charged at the wrap
        assert after_write.written_count == written_before + 1  # no marker counted
        assert after_write.write_position == 116
        with reader.read_frame(READ_TIMEOUT) as frame:
            assert frame.sequence == 2
            assert frame.to_bytes() == pattern(2, 100)
            assert free(reader) == p - 116  # the tail came back when the reader skipped it
            assert reader.get_status().read_count == after_write.written_count
        assert free(reader) == p

        # Marker wrap while an older frame is held: the tail comes back only behind that frame.
        # Positions now: 116. A (300 B) at 116, B (400 B) at 432 → write position 848, tail 176.
        writer.write_frame(pattern(3, 300))
        writer.write_frame(pattern(4, 400))
        assert reader.get_status().write_position == 848
        with reader.read_frame(READ_TIMEOUT) as a:
            assert a.sequence == 3
        b = reader.read_frame(READ_TIMEOUT)
        c = None
        try:
            assert b.sequence == 4
            assert free(reader) == p - 416
            # C (250 B = 266) does not fit the 176-byte tail: marker at 848, C at 0; costs 176 + 266.
            written_before_marker = reader.get_status().written_count
            writer.write_frame(pattern(5, 250))
            after_marker = reader.get_status()
            assert after_marker.written_count == written_before_marker + 2
            assert after_marker.payload_free_bytes == p - 416 - 176 - 266
            c = reader.read_frame(READ_TIMEOUT)
            assert c.sequence == 5
            assert c.to_bytes() == pattern(5, 250)
            assert free(reader) == p - 416 - 176 - 266  # tail queued behind B
            c.release()
            assert free(reader) == p - 416 - 176 - 266  # C queued behind B too
            b.release()
            assert free(reader) == p
        finally:
            b.release()
            if c is not None:
                c.release()
    assert_none(name)


def test_full_buffer_accounting():
    name = unique("free-full")
    with Reader(name, BufferConfig(0, 1024)) as reader, Writer(name) as writer:
        writer.write_timeout = 10
        p = 1024
        # Exact fit: one frame of P − 16 bytes fills the ring.
        writer.write_frame(pattern(1, p - HEADER))
        assert free(reader) == 0
        assert not writer.try_write_frame(pattern(2, 1), 0)
        assert free(reader) == 0
        # A blocked writer stays blocked while the frame is only read, and resumes once it is released.
        done = threading.Event()
        errors = []

        def blocked():
            try:
                writer.write_frame(pattern(2, 1))
            except BaseException as ex:  # pragma: no cover - reported below
                errors.append(ex)
            done.set()

        thread = threading.Thread(target=blocked)
        thread.start()
        full = reader.read_frame(READ_TIMEOUT)
        try:
            assert full.size == p - HEADER
            assert full.to_bytes() == pattern(1, p - HEADER)
            assert free(reader) == 0
            assert not done.is_set()
        finally:
            full.release()
        assert done.wait(5)  # the writer resumes once the frame is released
        thread.join(5)
        assert errors == []
        assert free(reader) == p - 17
        with reader.read_frame(READ_TIMEOUT) as following:
            assert following.sequence == 2
            assert following.to_bytes() == pattern(2, 1)
        assert writer.try_write_frame(pattern(3, 1), 0)
        with reader.read_frame(READ_TIMEOUT) as last:
            assert last.sequence == 3
        assert free(reader) == p
    assert_none(name)


def test_metadata_space_accounting():
    name = unique("free-metadata")
    with Reader(name, BufferConfig(100, 1000)) as reader, Writer(name) as writer:
        m, p = 128, 1024  # 100 rounded up to 64
        initial = reader.get_status()
        assert initial.metadata_size == m
        assert initial.metadata_free_bytes == m
        assert initial.metadata_written_bytes == 0
        writer.set_metadata(pattern(9, 50))
        after_metadata = reader.get_status()
        assert after_metadata.metadata_free_bytes == m - (8 + 50)
        assert after_metadata.metadata_written_bytes == 8 + 50
        assert after_metadata.payload_free_bytes == p
        assert bytes(reader.get_metadata()) == pattern(9, 50)
        # Frames leave the metadata counters alone.
        writer.write_frame(pattern(1, 100))
        after_frame = reader.get_status()
        assert after_frame.payload_free_bytes == p - 116
        assert after_frame.metadata_free_bytes == after_metadata.metadata_free_bytes
        assert after_frame.metadata_written_bytes == after_metadata.metadata_written_bytes
        with reader.read_frame(READ_TIMEOUT) as frame:
            assert frame.to_bytes() == pattern(1, 100)
        assert free(reader) == p
    assert_none(name)
