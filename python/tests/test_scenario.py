"""ScenarioTests: the upstream TEST_SCENARIOS.md cases. 1.1, 2.1 and 2.2 run the peer as a real
process (the Python peer tool); the others run in this process."""

import hashlib
import struct
import threading
import time

import pytest

from zerobuffer import (BufferConfig, BufferFullError, ErrorKind, MetadataAlreadyWrittenError, Reader, ReaderDeadError,
                        Writer, WriterDeadError)

from .support import DEAD_PEER_BOUND, PeerProcess, assert_none, remove_abandoned_buffer, sequence_pattern, unique

READ_TIMEOUT = 1.0


def in_process_pattern(key: int, size: int) -> bytes:
    """Deterministic content keyed by ``key``, so each frame differs."""
    return bytes(((key * 31) + i) & 0xFF for i in range(size))


def test_1_1_simple_write_read_cycle():
    name = unique("s11")
    message = b"Hello, ZeroBuffer from another process!"
    assert len(message) == 39
    with PeerProcess.python("read", name, "--hash", "--json") as reader:
        ready = reader.wait_for_event("ready")
        assert ready["pid"] == reader.pid
        with Writer(name) as writer:
            writer.write_frame(message)
            frame = reader.wait_for_event("frame")
            assert frame["sequence"] == 1
            assert frame["size"] == 39
            assert frame["sha256"] == hashlib.sha256(message).hexdigest()
            writer.write_frame(b"EXIT")
            exit_frame = reader.wait_for_event("exit-frame")
            assert exit_frame["sequence"] == 2
            assert reader.wait_for_exit() == 0
    # The reader process removed the buffer on its way out.
    assert_none(name)


def test_1_2_multiple_frames_sequential():
    name = unique("s12")
    with Reader(name, BufferConfig(1024, 256 * 1024)) as reader, Writer(name) as writer:
        for i in range(100):
            writer.write_frame(struct.pack("<i", i))
        assert writer.next_sequence == 101
        for i in range(100):
            with reader.read_frame(READ_TIMEOUT) as frame:
                assert frame.is_valid
                assert frame.sequence == i + 1
                assert struct.unpack("<i", frame.data)[0] == i
        assert reader.try_read_frame(0) is None
    assert_none(name)


def test_1_3_buffer_full_handling():
    name = unique("s13")
    frame_size = 1024
    with Reader(name, BufferConfig(256, 4096)) as reader, Writer(name) as writer:
        writer.write_timeout = 0.2
        written = 0
        full = None
        waited = 0.0
        while written < 10:
            started = time.monotonic()
            try:
                writer.write_frame(in_process_pattern(written + 1, frame_size))
                written += 1
            except BufferFullError as error:
                waited = time.monotonic() - started
                full = error
                break
        assert full is not None
        assert full.kind == ErrorKind.BUFFER_FULL
        # 4096 / (16 + 1024) = 3 frames fit; the 4th waits out write_timeout (the reader is alive).
        assert written == 3
        assert waited >= 0.2
        assert writer.next_sequence == 4  # the failed write took no sequence number

        # One read (and release) frees room for exactly one more frame.
        with reader.read_frame(READ_TIMEOUT) as frame:
            assert frame.is_valid
            assert frame.sequence == 1
        writer.write_frame(in_process_pattern(4, frame_size))
        assert not writer.try_write_frame(in_process_pattern(5, frame_size), 0)
        for sequence in range(2, 5):
            with reader.read_frame(READ_TIMEOUT) as frame:
                assert frame.sequence == sequence
                assert frame.to_bytes() == in_process_pattern(sequence, frame_size)
        assert reader.get_status().payload_free_bytes == 4096
    assert_none(name)


def test_2_1_writer_crash_detection():
    name = unique("s21")
    with Reader(name, BufferConfig(256, 64 * 1024)) as reader:
        with PeerProcess.python("write", name, "--count", "1", "--size", "1000", "--hold", "--json") as writer:
            writer.wait_for_event("holding")
            assert reader.is_writer_connected()
            since_kill = time.monotonic()
            writer.kill()  # SIGKILL: the writer never disconnects cleanly

            # What the writer committed before dying is still delivered...
            with reader.read_frame(10) as frame:
                assert frame.is_valid
                assert frame.sequence == 1
                assert frame.to_bytes() == sequence_pattern(1000, 1)
            # ...then the death is reported within the liveness bound, although the timeout is far longer.
            with pytest.raises(WriterDeadError):
                reader.read_frame(30)
            elapsed = time.monotonic() - since_kill
            assert elapsed < DEAD_PEER_BOUND, "writer death reported after %.0f ms" % (elapsed * 1000)
            assert not reader.is_writer_connected()
    assert_none(name)


def test_2_2_reader_crash_detection():
    name = unique("s22")
    payload = sequence_pattern(1000, 7)
    try:
        # The reader process holds the first frame for a long time (--delay-ms), so the ring fills up.
        with PeerProcess.python("read", name, "--payload-size", "8192", "--delay-ms", "600000", "--json") as reader:
            reader.wait_for_event("ready")
            with Writer(name) as writer:
                writer.write_timeout = 30
                writer.write_frame(payload)
                reader.wait_for_event("frame")
                while writer.try_write_frame(payload, 0.05):
                    pass
                # The ring is full: the next write waits for space, with a 30 s write timeout.
                outcome = []

                def blocked_write():
                    try:
                        writer.write_frame(payload)
                        outcome.append("written")
                    except ReaderDeadError:
                        outcome.append("reader-dead")
                        outcome.append(time.monotonic())

                thread = threading.Thread(target=blocked_write)
                thread.start()
                since_kill = time.monotonic()
                reader.kill()
                thread.join(20)
                assert outcome[:1] == ["reader-dead"]
                elapsed = outcome[1] - since_kill
                assert elapsed < DEAD_PEER_BOUND, "reader death reported after %.0f ms (write timeout 30 s)" % (elapsed * 1000)
                assert not writer.is_reader_connected()
    finally:
        # A SIGKILLed reader cannot remove its buffer; sweep it (the writer is closed by now).
        remove_abandoned_buffer(name)
    assert_none(name)


def test_4_1_metadata_write_once():
    name = unique("s41")
    original = b"Camera Config v1.0"
    with Reader(name, BufferConfig(1024, 64 * 1024)) as reader:
        with Writer(name) as writer:
            writer.set_metadata(original)
            with pytest.raises(MetadataAlreadyWrittenError):
                writer.set_metadata(b"Camera Config v2.0")
            with pytest.raises(MetadataAlreadyWrittenError):
                writer.get_metadata_buffer(4)
            assert bytes(reader.get_metadata()) == original
        # Write-once per buffer, not per writer: a later writer cannot replace it either.
        with Writer(name) as second:
            with pytest.raises(MetadataAlreadyWrittenError) as error:
                second.set_metadata(b"other")
            assert error.value.kind == ErrorKind.METADATA_ALREADY_WRITTEN
        assert bytes(reader.get_metadata()) == original
        assert reader.get_status().metadata_written_bytes == 8 + len(original)
    assert_none(name)


def test_4_2_metadata_size_validation():
    name = unique("s42")
    with Reader(name, BufferConfig(256, 64 * 1024)) as reader, Writer(name) as writer:
        # M = 256 holds the 8-byte length prefix plus at most 248 content bytes.
        with pytest.raises(ValueError):
            writer.set_metadata(bytes(512))
        with pytest.raises(ValueError):
            writer.set_metadata(bytes(249))
        assert len(reader.get_metadata()) == 0
        assert reader.get_status().metadata_written_bytes == 0
        fitting = in_process_pattern(7, 248)
        writer.set_metadata(fitting)
        assert bytes(reader.get_metadata()) == fitting
        assert reader.get_status().metadata_written_bytes == 256
        assert reader.get_status().metadata_free_bytes == 0
    assert_none(name)


def test_5_3_wrap_around_behavior():
    name = unique("s53")
    frame_size = 1024
    with Reader(name, BufferConfig(512, 8192)) as reader, Writer(name) as writer:
        wraps = 0
        previous = 0
        for i in range(50):
            data = bytearray(in_process_pattern(i, frame_size))
            data[0] = i & 0xFF
            writer.write_frame(data)
            position = writer.get_status().write_position
            if position < previous:
                wraps += 1
            previous = position
            with reader.read_frame(READ_TIMEOUT) as frame:
                assert frame.is_valid
                assert frame.sequence == i + 1
                assert frame.size == frame_size
                assert frame.data[0] == i & 0xFF
                assert frame.to_bytes() == bytes(data)
        # 7 frames of 1040 bytes fit before the end of the 8192-byte ring: the 8th of every 7 wraps.
        assert wraps == 7
        status = reader.get_status()
        assert status.written_count == 50 + wraps  # every wrap left an explicit marker (tail 912 >= 16)
        assert status.read_count == status.written_count
        assert status.payload_free_bytes == 8192
    assert_none(name)


def test_6_1_rapid_write_read_cycles():
    name = unique("s61")
    with Reader(name, BufferConfig(1024, 64 * 1024)) as reader, Writer(name) as writer:
        for i in range(1000):
            writer.write_frame(struct.pack("<i", i))
            with reader.read_frame(READ_TIMEOUT) as frame:
                assert frame.is_valid
                assert frame.sequence == i + 1
                assert struct.unpack("<i", frame.data)[0] == i
        assert reader.get_status().payload_free_bytes == 64 * 1024
    assert_none(name)


def test_7_1_pattern_validation():
    name = unique("s71")
    frame_count, frame_size = 100, 1024
    with Reader(name, BufferConfig(1024, 256 * 1024)) as reader, Writer(name) as writer:
        hashes = []
        for f in range(frame_count):
            data = bytes(((f * 7 + offset * 13) % 256) for offset in range(frame_size))
            hashes.append(hashlib.sha256(data).hexdigest())
            writer.write_frame(data)
        seen = set()
        for i in range(frame_count):
            with reader.read_frame(READ_TIMEOUT) as frame:
                assert frame.is_valid
                assert frame.sequence == i + 1
                assert frame.size == frame_size
                data = frame.data
                assert data[0] == i * 7 % 256
                assert data[512] == (i * 7 + 512 * 13) % 256
                assert data[1023] == (i * 7 + 1023 * 13) % 256
                digest = hashlib.sha256(data).hexdigest()
                assert digest == hashes[i]
                seen.add(digest)
        assert len(seen) == frame_count
    assert_none(name)
