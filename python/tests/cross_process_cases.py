"""Cross-process cases written once and run against two kinds of peer process: the Python peer
tool (``test_cross_process.py``) and the C# CLI (``interop/test_interop_csharp.py``). Both speak
the same options, JSON events and exit codes, so the same assertions hold for either."""

from __future__ import annotations

import hashlib
import os
import random
import time
from typing import Callable

import pytest

from zerobuffer import BufferConfig, Reader, Writer, WriterDeadError

from .support import DEAD_PEER_BOUND, PeerProcess, assert_none, sequence_pattern, unique

Spawn = Callable[..., PeerProcess]

FRAME_COUNT = 10_000
MIXED_SIZES = [1, 17, 100, 1000, 4095, 10_000, 32_752, 3, 64, 250, 5000, 2047, 15, 16, 31]
"""1 byte up to half the ring, cycled, so the write position visits every kind of tail (marker wraps, implicit wraps, exact ends)."""
RING_SIZE = 64 * 1024
"""The 10 000 frames (~37 MB) wrap the 64 KiB ring hundreds of times."""


def peer_writes_this_process_reads(spawn: Spawn, prefix: str) -> None:
    """10 000 mixed-size frames and binary metadata from the peer's writer to this reader; every hash equal."""
    name = unique(prefix)
    metadata = bytes(random.Random(42).randrange(256) for _ in range(300))
    metadata = b"\xff" + metadata[1:]  # not valid UTF-8
    metadata_file = os.path.join(os.environ.get("TMPDIR") or "/tmp", name + ".bin")
    with open(metadata_file, "wb") as f:
        f.write(metadata)
    received: dict[int, str] = {}
    try:
        with Reader(name, BufferConfig(1024, RING_SIZE)) as reader:
            with spawn("write", name, "--count", str(FRAME_COUNT), "--sizes", ",".join(map(str, MIXED_SIZES)),
                       "--metadata-file", metadata_file, "--hash", "--exit", "--json") as writer:
                total = 0
                while True:
                    with reader.read_frame(30) as frame:
                        assert frame.is_valid, "no frame after %d frames; peer stderr: %s" % (len(received), writer.error_output)
                        data = frame.data
                        if data == b"EXIT":
                            assert frame.sequence == FRAME_COUNT + 1
                            break
                        index = len(received)
                        assert frame.sequence == index + 1
                        assert frame.size == MIXED_SIZES[index % len(MIXED_SIZES)]
                        assert data == sequence_pattern(frame.size, frame.sequence), "frame %d content" % frame.sequence
                        received[frame.sequence] = hashlib.sha256(data).hexdigest()
                        total += frame.size
                assert writer.wait_for_exit() == 0
                assert bytes(reader.get_metadata()) == metadata
                assert reader.get_status().metadata_written_bytes == 8 + len(metadata)
                assert total > 100 * RING_SIZE, "the exchange must wrap the ring many times"
                status = reader.get_status()
                assert status.payload_free_bytes == RING_SIZE
                assert status.written_count > FRAME_COUNT + 1, "no wrap marker was written"
                # Every hash the writer process computed before its commit equals the one computed here.
                written = writer.events("written")
                assert len(written) == FRAME_COUNT
                for event in written:
                    assert event["sha256"] == received[event["sequence"]]
                meta_event = writer.wait_for_event("metadata")
                assert meta_event["sha256"] == hashlib.sha256(metadata).hexdigest()
    finally:
        os.unlink(metadata_file)
    assert_none(name)


def this_process_writes_peer_reads(spawn: Spawn, prefix: str) -> None:
    """The reverse direction: zero-copy frames and text metadata from here, hashed by the peer's reader."""
    name = unique(prefix)
    text = "format=yuv420p; width=1920; height=1080; fps=60; source=caméra 0"
    utf8 = text.encode("utf-8")
    sent = []
    with spawn("read", name, "--metadata-size", "256", "--payload-size", str(RING_SIZE), "--hash", "--json") as reader:
        ready = reader.wait_for_event("ready")
        assert ready["payloadSize"] == RING_SIZE
        assert ready["metadataSize"] == 256
        with Writer(name) as writer:
            writer.set_metadata(utf8)
            metadata = reader.wait_for_event("metadata")  # reported without any frame
            assert metadata["size"] == len(utf8)
            assert metadata["sha256"] == hashlib.sha256(utf8).hexdigest()
            assert metadata["text"] == text
            for i in range(FRAME_COUNT):
                size = MIXED_SIZES[i % len(MIXED_SIZES)]
                sequence = writer.next_sequence
                assert sequence == i + 1
                target = writer.get_frame_buffer(size)
                target[:] = sequence_pattern(size, sequence)
                sent.append(hashlib.sha256(target).hexdigest())
                target.release()
                writer.commit_frame()
            writer.write_frame(b"EXIT")
            reader.wait_for_event("exit-frame")
            assert reader.wait_for_exit() == 0
        frames = reader.events("frame")
        assert len(frames) == FRAME_COUNT
        for i, event in enumerate(frames):
            assert event["sequence"] == i + 1
            assert event["size"] == MIXED_SIZES[i % len(MIXED_SIZES)]
            assert event["sha256"] == sent[i]
        done = reader.wait_for_event("done")
        assert done["frames"] == FRAME_COUNT
        assert len(reader.events("metadata")) == 1
    assert_none(name)


def metadata_sharing(spawn: Spawn, prefix: str) -> None:
    """Binary metadata written by the peer is read here; text metadata written here is read by the peer."""
    name = unique(prefix)
    binary = bytearray(random.Random(7).randrange(256) for _ in range(300))
    binary[0] = 0xFF
    path = os.path.join(os.environ.get("TMPDIR") or "/tmp", name + ".bin")
    with open(path, "wb") as f:
        f.write(binary)
    try:
        with Reader(name, BufferConfig(1024, 64 * 1024)) as reader:
            assert len(reader.get_metadata()) == 0
            with spawn("write", name, "--metadata-file", path, "--count", "1", "--json") as writer:
                assert writer.wait_for_exit() == 0
            assert bytes(reader.get_metadata()) == bytes(binary)
            assert reader.get_status().metadata_written_bytes == 8 + len(binary)
            with reader.read_frame(10) as frame:
                assert frame.sequence == 1
    finally:
        os.unlink(path)
    assert_none(name)

    name2 = unique(prefix + "-rev")
    text = "format=yuv420p; width=1920; height=1080; fps=60; source=caméra 0"
    utf8 = text.encode("utf-8")
    with spawn("read", name2, "--json") as reader:
        reader.wait_for_event("ready")
        with Writer(name2) as writer:
            writer.set_metadata(utf8)
            metadata = reader.wait_for_event("metadata")
            assert metadata["size"] == len(utf8)
            assert metadata["sha256"] == hashlib.sha256(utf8).hexdigest()
            assert metadata["text"] == text
            writer.write_frame(b"EXIT")
            assert reader.wait_for_exit() == 0
        assert len(reader.events("metadata")) == 1
    assert_none(name2)


def _assert_error(process: PeerProcess, kind: str) -> None:
    errors = process.events("error")
    assert len(errors) == 1, process.lines
    assert errors[0]["kind"] == kind
    assert errors[0]["message"].strip()
    assert process.error_output.startswith("error: "), process.error_output


def error_detection(spawn: Spawn, prefix: str) -> None:
    """The typed errors cross the process boundary, in both directions, including SIGKILLed peers."""
    # Writer without reader → BufferNotFound (exit 12).
    missing = unique(prefix + "-missing")
    with spawn("write", missing, "--json") as writer:
        assert writer.wait_for_exit() == 12
        _assert_error(writer, "BufferNotFound")
        assert missing in writer.error_output
    assert_none(missing)

    name = unique(prefix + "-errors")
    with Reader(name, BufferConfig(0, 64 * 1024)) as reader:
        with Writer(name) as writer:
            # Second writer process while this one is connected → WriterAlreadyConnected (exit 14).
            with spawn("write", name, "--json") as second:
                assert second.wait_for_exit() == 14
                _assert_error(second, "WriterAlreadyConnected")
            # Second reader process → ReaderAlreadyConnected (exit 13).
            with spawn("read", name, "--json") as second_reader:
                assert second_reader.wait_for_exit() == 13
                _assert_error(second_reader, "ReaderAlreadyConnected")
            # The failed attempts did not disturb this writer.
            assert reader.get_status().writer_pid == os.getpid()
            writer.write_frame(b"\x01\x02\x03")
            with reader.read_frame(5) as frame:
                assert frame.sequence == 1

        # Killed writer process → WriterDeadError here, within the liveness bound.
        with spawn("write", name, "--count", "0", "--hold", "--json") as writer:
            writer.wait_for_event("holding")
            since_kill = time.monotonic()
            writer.kill()
            with pytest.raises(WriterDeadError):
                reader.read_frame(30)
            elapsed = time.monotonic() - since_kill
            assert elapsed < DEAD_PEER_BOUND, "writer death reported after %.0f ms" % (elapsed * 1000)
    assert_none(name)

    # The other way round: the peer reports this process's writer closing as the end of the stream
    # (exit 0, an "end" event; not WriterDead, exit 16)...
    name2 = unique(prefix + "-writer-gone")
    with spawn("read", name2, "--json") as reader:
        reader.wait_for_event("ready")
        with Writer(name2) as writer:
            writer.write_frame(b"\x2a")
            reader.wait_for_event("frame")
        assert reader.wait_for_exit() == 0
        assert reader.wait_for_event("end")["frames"] == 1
        assert reader.events("error") == []
    assert_none(name2)

    # ...and this process's reader closing (ReaderClosed, exit 25: a ReaderDead that was on purpose).
    name3 = unique(prefix + "-reader-gone")
    with Reader(name3, BufferConfig(0, 4096)) as reader:
        writer = spawn("write", name3, "--count", "1000000", "--size", "1000", "--json")
        try:
            writer.wait_for_event("written")
            reader.close()
            assert writer.wait_for_exit() == 25
            _assert_error(writer, "ReaderClosed")
        finally:
            writer.close()
    assert_none(name3)
