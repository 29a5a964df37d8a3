"""The peer tool's fault points (``--pause-at``, like the C# CLI's): a process stopped at a
protocol point and SIGKILLed there; the survivor notices within the liveness bound, never sees a
half-written frame or metadata, and the name stays usable."""

from __future__ import annotations

from zerobuffer import BufferConfig, Reader, Writer

from .support import (PeerProcess, assert_none, assert_within_bound, read_until_writer_dead, sequence_pattern, unique,
                      write_until_reader_dead)


def test_writer_killed_mid_metadata_leaves_no_metadata():
    name = unique("fp-meta")
    with Reader(name, BufferConfig(1024, 8192)) as reader:
        with PeerProcess.python("write", name, "--metadata", "camera=front;fps=30", "--pause-at", "mid-metadata", "--json") as writer:
            writer.wait_for_event("paused")
            writer.kill()
        assert len(reader.get_metadata()) == 0
        assert_within_bound(read_until_writer_dead(reader), "writer death reported")
        with Writer(name) as following:
            following.set_metadata(b"camera=rear")  # the metadata is still unwritten
            following.write_frame(sequence_pattern(10, 1))
            assert bytes(reader.get_metadata()) == b"camera=rear"
            with reader.read_frame(5) as frame:
                assert frame.sequence == 1
    assert_none(name)


def test_reader_killed_holding_a_frame_is_detected_by_the_writer():
    name = unique("fp-hold")
    with PeerProcess.python("read", name, "--payload-size", "4096", "--pause-at", "holding-frame", "--pause-frame", "2",
                            "--json") as reader:
        reader.wait_for_event("ready")
        with Writer(name) as writer:
            for seq in (1, 2):
                writer.write_frame(sequence_pattern(100, seq))
            paused = reader.wait_for_event("paused")
            assert paused["sequence"] == 2
            reader.kill()
            assert_within_bound(write_until_reader_dead(writer), "reader death reported")
    with Reader(name, BufferConfig(0, 4096)) as fresh, Writer(name) as writer:
        writer.write_frame(b"\x01")
        with fresh.read_frame(5) as frame:
            assert frame.sequence == 1
    assert_none(name)
