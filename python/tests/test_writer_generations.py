"""Writer generations and the commit record (protocol §2.4, §4.4, §5.2 step 7): a sequence-1 frame
inside one writer session is a duplicated or damaged frame (SequenceError), not a new connection;
a new session's sequence 1 is; and a writer of ours killed in the middle of a commit (after its
commit record, before its count) costs its successor nothing: the successor finishes the commit."""

from __future__ import annotations

import pytest

from zerobuffer import BufferConfig, Reader, SequenceError, Writer, WriterClosedError, WriterDeadError
from zerobuffer._protocol import extension_words as X
from zerobuffer._protocol import layout as L
from zerobuffer._protocol import names

from .support import assert_none, dead_pid, segment_u64, sequence_pattern, unique

RING = 4096


def test_duplicate_sequence_one_in_the_same_session_is_a_sequence_error():
    name = unique("gen-dup")
    with Reader(name, BufferConfig(0, RING)) as reader:
        with Writer(name) as writer:
            writer.write_frame(b"first")
            writer.write_frame(b"second")
            assert writer._try_write_sequenced(b"again", 1, 1.0)  # the same writer repeats number 1
            for expected in (1, 2):
                with reader.read_frame(5) as frame:
                    assert frame.sequence == expected
            with pytest.raises(SequenceError) as raised:
                reader.read_frame(5)
            assert (raised.value.expected, raised.value.actual) == (3, 1)
            with reader.read_frame(5) as frame:  # the frame was kept; reading resumes from it
                assert frame.sequence == 1 and frame.to_bytes() == b"again"
        # A new writer is a new session: its sequence 1 is a new connection.
        with Writer(name) as writer:
            writer.write_frame(b"next writer")
            with reader.read_frame(5) as frame:
                assert frame.sequence == 1 and frame.to_bytes() == b"next writer"
    assert_none(name)


def test_every_connect_starts_a_new_generation():
    name = unique("gen-bump")
    with Reader(name, BufferConfig(0, RING)):
        generations = []
        for _ in range(3):
            with Writer(name) as writer:
                session = X.unpack_session(segment_u64(name, L.WRITER_SESSION_OFFSET))
                assert session.is_connected and session.tag == writer._session.pid
                assert segment_u64(name, L.SESSION_START_OFFSET) == segment_u64(name, L.PAYLOAD_WRITTEN_COUNT_OFFSET)
                generations.append(session.generation)
                writer.write_frame(b"x")
            assert X.unpack_session(segment_u64(name, L.WRITER_SESSION_OFFSET)).is_closed
        assert generations == [1, 2, 3]
    assert_none(name)


def _half_commit(name: str, length: int, killed_at: str) -> tuple[int, int]:
    """Builds, by hand, what a writer of ours leaves when it is SIGKILLed in the middle of its first
    commit (protocol §3.5): header and data written, free bytes charged; then write_pos stored
    unless ``killed_at`` is "after-charge"; the commit record stored only when it is "after-record";
    written_count never; writer lock free; writer_pid and the session's tag = its PID, state
    connected. Returns (its PID, the frame's write position)."""
    pid = dead_pid()
    ring = L.payload_offset(0)
    write_pos = segment_u64(name, L.PAYLOAD_WRITE_POS_OFFSET)
    count = segment_u64(name, L.PAYLOAD_WRITTEN_COUNT_OFFSET)
    generation = X.unpack_session(segment_u64(name, L.WRITER_SESSION_OFFSET)).generation
    # The session it started when it connected ("nothing in flight" record, start, session, then the PID).
    segment_u64(name, L.COMMIT_RECORD_OFFSET, X.pack_commit_record(write_pos, count))
    segment_u64(name, L.SESSION_START_OFFSET, count)
    segment_u64(name, L.WRITER_SESSION_OFFSET, X.pack_session(pid, X.next_generation(generation), L.SESSION_STATE_CONNECTED))
    segment_u64(name, L.WRITER_PID_OFFSET, pid)
    # Its commit: header and data, the charge, the position, the record; then it died.
    with open(names.segment_file(name), "r+b") as f:
        f.seek(ring + write_pos)
        f.write(length.to_bytes(8, "little") + (1).to_bytes(8, "little") + sequence_pattern(length, 1))
    total = 16 + length
    segment_u64(name, L.PAYLOAD_FREE_BYTES_OFFSET, segment_u64(name, L.PAYLOAD_FREE_BYTES_OFFSET) - total)
    if killed_at != "after-charge":
        segment_u64(name, L.PAYLOAD_WRITE_POS_OFFSET, write_pos + total)
    if killed_at == "after-record":
        segment_u64(name, L.COMMIT_RECORD_OFFSET, X.pack_commit_record(write_pos + total, count + 1))
    return pid, write_pos


@pytest.mark.parametrize("killed_at", ["after-record", "after-position"])
def test_successor_finishes_a_half_commit_of_a_killed_writer(killed_at):
    name = unique("gen-repair")
    with Reader(name, BufferConfig(0, RING)) as reader:
        with Writer(name) as first:
            for i in range(3):
                first.write_frame(sequence_pattern(100, i + 1))
        for i in range(3):
            with reader.read_frame(5) as frame:
                assert frame.sequence == i + 1
        _half_commit(name, 50, killed_at)
        with pytest.raises(WriterDeadError):  # the half commit published nothing; its writer is dead
            reader.read_frame(5)

        with Writer(name) as successor:
            successor.write_frame(b"new-1")
            successor.write_frame(b"new-2")
            # The predecessor's frame exactly once, then every frame of the successor at once (no lag).
            with reader.read_frame(5) as frame:
                assert frame.sequence == 1 and frame.to_bytes() == sequence_pattern(50, 1)
            for expected in (b"new-1", b"new-2"):
                with reader.read_frame(5) as frame:
                    assert frame.to_bytes() == expected
            status = reader.get_status()
            assert status.read_count == status.written_count == 6
            assert status.payload_free_bytes == RING
        with pytest.raises(WriterClosedError):
            reader.read_frame(5)
    assert_none(name)


def test_no_repair_when_the_writer_died_before_its_position():
    # A writer of ours killed after charging but before its position: nothing was published, nothing
    # is finished; the capacity is leaked (protocol §3.5), never over-credited.
    name = unique("gen-no-repair")
    with Reader(name, BufferConfig(0, RING)) as reader:
        with Writer(name) as first:
            first.write_frame(b"a")
        reader.read_frame(5).release()
        count = segment_u64(name, L.PAYLOAD_WRITTEN_COUNT_OFFSET)
        _half_commit(name, 50, killed_at="after-charge")
        with Writer(name) as successor:
            assert segment_u64(name, L.PAYLOAD_WRITTEN_COUNT_OFFSET) == count
            successor.write_frame(b"b")
            with reader.read_frame(5) as frame:
                assert frame.to_bytes() == b"b" and frame.sequence == 1
        assert reader.get_status().payload_free_bytes == RING - 66  # the leak
    assert_none(name)


def test_successor_finds_the_frame_behind_a_wrap_marker():
    # Killed between its position and its record while committing a frame that wrapped with a marker: the
    # successor finds the marker at the recorded position, the frame at 0 behind it ending exactly at the stored
    # position, and publishes both items.
    name = unique("gen-repair-wrap")
    with Reader(name, BufferConfig(0, RING)) as reader:
        with Writer(name) as first:
            first.write_frame(sequence_pattern(1900, 1))
            first.write_frame(sequence_pattern(1900, 2))
        for _ in range(2):
            reader.read_frame(5).release()
        pid = dead_pid()
        ring = L.payload_offset(0)
        count = segment_u64(name, L.PAYLOAD_WRITTEN_COUNT_OFFSET)
        assert segment_u64(name, L.PAYLOAD_WRITE_POS_OFFSET) == 3832
        generation = X.unpack_session(segment_u64(name, L.WRITER_SESSION_OFFSET)).generation
        segment_u64(name, L.COMMIT_RECORD_OFFSET, X.pack_commit_record(3832, count))
        segment_u64(name, L.WRITER_SESSION_OFFSET, X.pack_session(pid, X.next_generation(generation), L.SESSION_STATE_CONNECTED))
        segment_u64(name, L.WRITER_PID_OFFSET, pid)
        with open(names.segment_file(name), "r+b") as f:
            f.seek(ring + 3832)
            f.write(bytes(16))  # the marker {0, 0}
            f.seek(ring)
            f.write((300).to_bytes(8, "little") + (1).to_bytes(8, "little") + sequence_pattern(300, 1))
        segment_u64(name, L.PAYLOAD_FREE_BYTES_OFFSET, segment_u64(name, L.PAYLOAD_FREE_BYTES_OFFSET) - 264 - 316)
        segment_u64(name, L.PAYLOAD_WRITE_POS_OFFSET, 316)
        with Writer(name) as successor:
            assert segment_u64(name, L.PAYLOAD_WRITTEN_COUNT_OFFSET) == count + 2  # the marker and the frame
            successor.write_frame(b"new")
            with reader.read_frame(5) as frame:
                assert frame.to_bytes() == sequence_pattern(300, 1)
            with reader.read_frame(5) as frame:
                assert frame.to_bytes() == b"new"
    assert_none(name)
