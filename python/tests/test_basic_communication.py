"""BasicCommunicationTests: upstream Gherkin scenarios 1.1–1.7 and the gap analysis's "feature"
tests, in one process (the writer on the test thread or a second thread)."""

import os
import threading
import time

import pytest

from zerobuffer import BufferConfig, ErrorKind, Frame, Reader, SequenceError, Writer, WriterClosedError
from zerobuffer._protocol import layout as L

from .support import assert_none, pattern, segment_u64, unique

READ_TIMEOUT = 5.0


def test_writer_connects_to_existing_reader():
    name = unique("bc-connect")
    with Reader(name, BufferConfig(1024, 10240)) as reader:
        assert not reader.is_writer_connected()
        with Writer(name) as writer:
            assert reader.is_writer_connected()
            assert writer.is_reader_connected()
            # The writer takes the sizes from the control block, not from any config of its own.
            assert writer.metadata_block_size == 1024
            assert writer.ring_size == 10240
            assert reader.get_status().writer_pid == os.getpid()
            assert writer.get_status().reader_pid == os.getpid()
        assert not reader.is_writer_connected()
        assert reader.get_status().writer_pid == 0
    assert_none(name)


def test_reader_and_writer_exchange_frames():
    name = unique("bc-exchange")
    payload = b"Hello, ZeroBuffer!"
    with Reader(name, BufferConfig(1024, 10240)) as reader, Writer(name) as writer:
        writer.write_frame(payload)
        with reader.read_frame(READ_TIMEOUT) as frame:
            assert frame.is_valid
            assert frame.sequence == 1
            assert frame.size == len(payload)
            assert frame.to_bytes() == payload
    assert_none(name)


def test_frame_sequence_numbers_are_validated():
    name = unique("bc-sequence")
    with Reader(name, BufferConfig(1024, 10240)) as reader, Writer(name) as writer:
        for i in range(1, 4):
            writer.write_frame(pattern(i, 64))
        with reader.read_frame(READ_TIMEOUT) as first:
            assert first.sequence == 1
        # Frame 2's header sits at the read position; corrupt its sequence field in the ring.
        status = reader.get_status()
        header = L.payload_offset(status.metadata_size) + status.read_position
        assert segment_u64(name, header + L.FRAME_LENGTH_OFFSET) == 64
        assert segment_u64(name, header + L.FRAME_SEQUENCE_OFFSET) == 2
        segment_u64(name, header + L.FRAME_SEQUENCE_OFFSET, 99)

        with pytest.raises(SequenceError) as error:
            reader.read_frame(READ_TIMEOUT)
        assert error.value.expected == 2
        assert error.value.actual == 99
        assert error.value.kind == ErrorKind.SEQUENCE_ERROR
        assert error.value.buffer_name == name
        # As documented: the frame was not consumed, and its successors are expected from now on.
        assert reader.get_status().read_count == status.read_count
        with reader.read_frame(READ_TIMEOUT) as kept:
            assert kept.sequence == 99
            assert kept.to_bytes() == pattern(2, 64)
        with pytest.raises(SequenceError) as following:
            reader.read_frame(READ_TIMEOUT)
        assert following.value.expected == 100
        assert following.value.actual == 3
    assert_none(name)


def test_multiple_frames_can_be_exchanged():
    name = unique("bc-multiple")

    def size_of(index):
        return 1 + (index * 37 % 700)

    with Reader(name, BufferConfig(0, 4096)) as reader, Writer(name) as writer:
        # Batches of 1..5 frames of varying size through a small ring: it wraps many times.
        sent = received = 0
        batch = 0
        while sent < 500:
            count = min(1 + batch % 5, 500 - sent)
            for _ in range(count):
                writer.write_frame(pattern(sent, size_of(sent)))
                sent += 1
            for _ in range(count):
                with reader.read_frame(READ_TIMEOUT) as frame:
                    assert frame.is_valid
                    assert frame.sequence == received + 1
                    assert frame.to_bytes() == pattern(received, size_of(received))
                received += 1
            batch += 1
        assert received == 500
        assert reader.try_read_frame(0) is None
        assert reader.get_status().payload_free_bytes == 4096
    assert_none(name)


def test_metadata_can_be_set_and_retrieved():
    name = unique("bc-metadata")
    metadata = pattern(5, 100)
    with Reader(name, BufferConfig(1024, 10240)) as reader, Writer(name) as writer:
        assert len(reader.get_metadata()) == 0
        writer.set_metadata(metadata)
        assert bytes(reader.get_metadata()) == metadata
        assert reader.get_status().metadata_written_bytes == 8 + 100
    assert_none(name)


def test_reader_timeout_returns_invalid_frame():
    name = unique("bc-timeout")
    timeout = 0.1
    with Reader(name, BufferConfig(1024, 10240)) as reader:
        # No writer yet: a timeout, not a dead writer.
        started = time.monotonic()
        with reader.read_frame(timeout) as none:
            waited = time.monotonic() - started
            assert not none.is_valid
            assert not none
            assert none.size == 0
            assert len(none.data) == 0
            assert none is Frame.INVALID
            assert waited >= timeout
        with Writer(name):
            # A writer connected but silent: still "no frame", no exception.
            assert not reader.read_frame(timeout).is_valid
            assert reader.try_read_frame(timeout) is None
        # The boundary of "no frame": a writer the reader saw connected has closed, even though it
        # never wrote anything. That is the end of the stream, reported, not timed out.
        with pytest.raises(WriterClosedError):
            reader.read_frame(READ_TIMEOUT)
        # The timeouts left the reader usable for the next writer.
        with Writer(name) as writer:
            writer.write_frame(b"after")
            with reader.read_frame(READ_TIMEOUT) as frame:
                assert frame.is_valid
                assert frame.sequence == 1
                assert frame.to_bytes() == b"after"
    assert_none(name)


def test_1_4_zero_copy_write():
    name = unique("bc-zerocopy")
    size = 4096
    with Reader(name, BufferConfig(1024, 102400)) as reader, Writer(name) as writer:
        for round_ in range(2):
            sequence = writer.next_sequence
            target = writer.get_frame_buffer(size)
            assert sequence == round_ + 1
            assert len(target) == size
            target[:] = bytes(((i + sequence) % 256) for i in range(size))
            # Nothing is visible before the commit.
            assert reader.try_read_frame(0) is None
            assert reader.get_status().written_count == round_
            writer.commit_frame()
            with reader.read_frame(READ_TIMEOUT) as frame:
                assert frame.is_valid
                assert frame.sequence == sequence
                assert frame.size == size
                data = frame.data
                for i in range(size):
                    assert data[i] == (i + sequence) % 256, "frame %d: byte %d" % (sequence, i)
        # Abort publishes nothing; the next frame reuses the space and the sequence number.
        sequence = writer.next_sequence
        writer.get_frame_buffer(10)[:] = b"0123456789"
        writer.abort_frame()
        with pytest.raises(RuntimeError):
            writer.commit_frame()
        assert reader.try_read_frame(0) is None
        writer.write_frame(b"after abort")
        with reader.read_frame(READ_TIMEOUT) as frame:
            assert frame.sequence == sequence
            assert frame.to_bytes() == b"after abort"
    assert_none(name)


def test_1_5_mixed_frame_sizes():
    name = unique("bc-mixed")
    sizes = [100, 1024, 10240, 1]
    with Reader(name, BufferConfig(1024, 102400)) as reader, Writer(name) as writer:
        for size in sizes:
            writer.write_frame(bytes(i % 256 for i in range(size)))
        for f, size in enumerate(sizes):
            with reader.read_frame(READ_TIMEOUT) as frame:
                assert frame.is_valid
                assert frame.sequence == f + 1
                assert frame.size == size
                assert frame.to_bytes() == bytes(i % 256 for i in range(size))
    assert_none(name)


def _run_writer(writer, frames, make):
    errors = []

    def body():
        try:
            for i in range(1, frames + 1):
                writer.write_frame(make(i))
        except BaseException as ex:  # pragma: no cover - reported by the test
            errors.append(ex)
        finally:
            writer.close()  # disconnect as soon as the last frame is committed

    thread = threading.Thread(target=body)
    thread.start()
    return thread, errors


def test_1_6_slow_reader_fast_writer():
    name = unique("bc-slow-reader")
    frames, size = 20, 1024
    # 5 frames of 16 + 1024 bytes fill the ring (5200 → 5248): the writer outruns the reader and blocks.
    with Reader(name, BufferConfig(64, 5 * (16 + size))) as reader:
        writer = Writer(name)
        thread, errors = _run_writer(writer, frames, lambda i: pattern(i, size))
        try:
            for i in range(1, frames + 1):
                time.sleep(0.05)  # the scenario: a slow reader (50 ms per frame)
                with reader.read_frame(READ_TIMEOUT) as frame:
                    assert frame.is_valid, "no frame %d" % i
                    assert frame.sequence == i
                    assert frame.to_bytes() == pattern(i, size)
            # Exactly 20: the writer closed after its last frame, so the next read reports the end of the stream.
            with pytest.raises(WriterClosedError):
                reader.read_frame(READ_TIMEOUT)
        finally:
            thread.join(10)
        assert errors == []
        assert reader.get_status().payload_free_bytes == 5248
    assert_none(name)


MAX_SIZE = 2048


def high_volume_size(index):
    """1..2048 bytes, varying so wraps land at every kind of tail (marker, implicit, exact end)."""
    return 1 + (index * 2654435761 % 2**32) % MAX_SIZE


_RAMP = bytes(range(256)) * 2


def high_volume_content(index, size):
    start = index & 0xFF
    return (_RAMP[start:start + 256] * (size // 256 + 1))[:size]


def test_1_7_slow_reader_fast_writer_high_volume():
    name = unique("bc-high-volume")
    frames, p = 50_000, 10240
    with Reader(name, BufferConfig(64, p)) as reader:
        writer = Writer(name)
        thread, errors = _run_writer(writer, frames, lambda i: high_volume_content(i, high_volume_size(i)))
        try:
            for i in range(1, frames + 1):
                with reader.read_frame(READ_TIMEOUT) as frame:  # a SequenceError here fails the test
                    if not frame:
                        pytest.fail("no frame %d within %s s" % (i, READ_TIMEOUT))
                    size = high_volume_size(i)
                    if frame.sequence != i or frame.size != size or frame.data != high_volume_content(i, size):
                        pytest.fail("frame %d: sequence %d, size %d (expected %d)" % (i, frame.sequence, frame.size, size))
            with pytest.raises(WriterClosedError):
                reader.read_frame(READ_TIMEOUT)
        finally:
            thread.join(30)
        assert errors == []
        status = reader.get_status()
        assert status.payload_free_bytes == p
        assert status.read_count == status.written_count
        assert status.written_count > frames, "no wrap marker was ever written"
    assert_none(name)
