"""BasicTests: the basic life of one buffer: create, metadata, frames, name reuse, reader gone."""

import os
import struct
import threading

import pytest

from zerobuffer import BufferConfig, ErrorKind, ObjectDisposedError, Reader, ReaderClosedError, ReaderDeadError, Writer

from .support import assert_all, assert_none, unique

READ_TIMEOUT = 1.0


def test_can_create_and_destroy_buffer():
    name = unique("create")
    assert_none(name)
    with Reader(name, BufferConfig(1024, 64 * 1024)) as reader:
        assert reader.name == name
        assert not reader.is_writer_connected()
        assert os.path.exists("/dev/shm/" + name)
        assert_all(name)
        status = reader.get_status()
        assert status.reader_pid == os.getpid()
        assert status.writer_pid == 0
        assert status.metadata_size == 1024
        assert status.payload_size == 64 * 1024
        assert status.payload_free_bytes == 64 * 1024
    assert not os.path.exists("/dev/shm/" + name)
    assert_none(name)


def test_can_write_and_read_metadata():
    name = unique("metadata")
    metadata = "Test metadata".encode()
    with Reader(name, BufferConfig(1024, 64 * 1024)) as reader, Writer(name) as writer:
        assert len(reader.get_metadata()) == 0
        writer.set_metadata(metadata)
        # Content only: no length prefix, no padding up to the block size.
        assert bytes(reader.get_metadata()) == metadata
    assert_none(name)


def test_can_write_and_read_frames():
    name = unique("frames")
    with Reader(name, BufferConfig(1024, 64 * 1024)) as reader, Writer(name) as writer:
        for i in range(10):
            writer.write_frame(("Frame %d" % i).encode())
        for i in range(10):
            with reader.read_frame(READ_TIMEOUT) as frame:
                assert frame.is_valid
                assert frame.sequence == i + 1
                assert bytes(frame.data).decode() == "Frame %d" % i
    assert_none(name)


def test_can_handle_sequential_write_read():
    name = unique("sequential")
    with Reader(name, BufferConfig(1024, 64 * 1024)) as reader, Writer(name) as writer:
        for i in range(100):
            writer.write_frame(struct.pack("<i", i))
        for i in range(100):
            with reader.read_frame(READ_TIMEOUT) as frame:
                assert frame.is_valid
                assert frame.size == 4
                assert frame.sequence == i + 1
                assert struct.unpack("<i", frame.data)[0] == i
        assert reader.try_read_frame(0) is None
    assert_none(name)


def test_can_reuse_buffer_name_after_dispose():
    name = unique("reuse")
    config = BufferConfig(1024, 64 * 1024)
    with Reader(name, config) as reader, Writer(name) as writer:
        writer.set_metadata(b"first")
        writer.write_frame(b"First")
        writer.write_frame(b"First again")
        with reader.read_frame(READ_TIMEOUT) as first:
            assert first.to_bytes() == b"First"
            assert first.sequence == 1
    assert_none(name)

    with Reader(name, config) as reader, Writer(name) as writer:
        # A fresh buffer: no metadata and no frame left from the first one, counters at zero.
        status = reader.get_status()
        assert len(reader.get_metadata()) == 0
        assert status.written_count == 0
        assert status.write_position == 0
        assert status.payload_free_bytes == 64 * 1024
        assert reader.try_read_frame(0) is None
        writer.set_metadata(b"second")
        writer.write_frame(b"Second")
        with reader.read_frame(READ_TIMEOUT) as second:
            assert second.is_valid
            assert second.to_bytes() == b"Second"
            assert second.sequence == 1
        assert bytes(reader.get_metadata()) == b"second"
    assert_none(name)


def test_writer_detects_reader_death():
    name = unique("reader-death")
    reader = Reader(name, BufferConfig(1024, 1024))
    writer = Writer(name)
    try:
        writer.write_frame(bytes(512))
        assert writer.is_reader_connected()
        reader.close()  # a clean close: reader_pid = 0, every name unlinked
        assert not writer.is_reader_connected()
        # The very next write fails: reader_pid is 0, so there is no waiting for write_timeout. The
        # reader closed on purpose: ReaderClosedError, which is still a ReaderDeadError.
        with pytest.raises(ReaderDeadError) as error:
            writer.write_frame(bytes(512))
        assert isinstance(error.value, ReaderClosedError)
        assert error.value.kind == ErrorKind.READER_CLOSED
        assert writer.frames_written == 1
        # The writer still has the segment mapped, but every name is already gone.
        assert_none(name)
    finally:
        writer.close()
        reader.close()


def test_closing_reader_ends_read_waiting_on_another_thread():
    """Not a matrix row: closing the reader while another thread waits in read_frame ends that
    read with ObjectDisposedError and never touches the unmapped segment."""
    for attempt in range(6):
        name = unique("close-while-reading")
        reader = Reader(name, BufferConfig(0, 4096))
        outcome = []
        started = threading.Event()

        def read():
            started.set()
            try:
                reader.read_frame(None)
                outcome.append("returned")
            except ObjectDisposedError:
                outcome.append("disposed")

        thread = threading.Thread(target=read)
        thread.start()
        started.wait(5)
        # Not synchronisation: the outcome must be the same whatever the interleaving.
        threading.Event().wait(attempt % 3 * 0.04)
        reader.close()
        thread.join(5)
        assert outcome == ["disposed"]
        assert_none(name)
