"""UndisposedFrameTests: a reader that takes frames and never releases them (issue 18 item 5). The
writer's BufferFullError and lifecycle.occupancy name how many frames it holds and the oldest one's
sequence, from the shared memory alone; a reader that releases but is slow gets the other diagnosis.
The twin of C#'s UndisposedFrameTests, with the same figures."""

from zerobuffer import BufferConfig, BufferFullError, Reader, RingOccupancy, Writer, lifecycle

from .support import assert_none, unique

RING = 4096
SIZE = 100  # 116 bytes in the ring: 35 fit in 4096
FOOTPRINT = SIZE + 16
READ_TIMEOUT = 10.0
SHORT_WRITE_TIMEOUT = 0.1  # the ring stays full: only how soon the error comes


def fill_while_holding(reader: Reader, writer: Writer, before: int, take: int) -> tuple[list, BufferFullError]:
    """Writes and releases ``before`` frames (so the held ones start mid-ring and wrap), then writes
    until the ring is full, taking the first ``take`` frames without releasing them; returns them
    and the writer's error for the next frame."""
    for _ in range(before):
        writer.write_frame(bytes(SIZE))
        reader.read_frame(READ_TIMEOUT).release()
    held = []
    writer.write_timeout = SHORT_WRITE_TIMEOUT
    while writer.try_write_frame(bytes(SIZE), 0):
        if len(held) < take:
            frame = reader.read_frame(READ_TIMEOUT)
            assert frame.is_valid
            held.append(frame)  # taken, never released: the porting mistake
    try:
        writer.write_frame(bytes(SIZE))
    except BufferFullError as error:
        return held, error
    raise AssertionError("the write into a full ring succeeded")


def test_reader_holds_every_frame_it_took_error_names_count_and_oldest():
    name = unique("undisposed-all")
    with Reader(name, BufferConfig(0, RING)) as reader, Writer(name) as writer:
        held, e = fill_while_holding(reader, writer, before=20, take=1 << 30)
        assert e.held_frames == len(held) == 35
        assert e.oldest_held_sequence == 21
        assert e.unread_frames == 0
        assert e.required_bytes == FOOTPRINT
        assert e.occupancy is not None and e.occupancy.is_known and e.occupancy.held_frames_dominate
        assert e.occupancy.held_bytes == RING - e.free_bytes  # every byte in use is held (the wrap tail included)
        assert "The reader holds 35 undisposed frames (oldest sequence 21)" in e.message
        assert "slow" not in e.message

        held[0].release()  # the oldest: its space comes back, the writer goes on
        writer.write_frame(bytes(SIZE))
        after = lifecycle.occupancy(name)
        assert after is not None
        assert (after.held_frames, after.oldest_held_sequence, after.unread_frames) == (34, 22, 1)
    assert_none(name)


def test_reader_holds_most_and_reads_no_more_both_figures():
    name = unique("undisposed-some")
    with Reader(name, BufferConfig(0, RING)) as reader, Writer(name) as writer:
        _, e = fill_while_holding(reader, writer, before=3, take=30)
        assert (e.held_frames, e.oldest_held_sequence, e.unread_frames) == (30, 4, 5)
        assert "The reader holds 30 undisposed frames (oldest sequence 4), 3480 bytes" in e.message
        assert "It has also not read 5 committed frames (616 bytes) yet." in e.message  # 232 + the 36-byte wrap tail + 348
    assert_none(name)


def test_slow_reader_that_releases_gets_the_other_message():
    name = unique("slow-reader")
    with Reader(name, BufferConfig(0, RING)) as reader, Writer(name) as writer:
        _, e = fill_while_holding(reader, writer, before=7, take=0)
        assert (e.held_frames, e.oldest_held_sequence, e.unread_frames) == (0, None, 35)
        assert "The reader has not read 35 committed frames (4096 bytes) yet: it is slow or stalled. It holds no frames." in e.message
        assert "undisposed" not in e.message

        with reader.read_frame(READ_TIMEOUT):  # busy with one frame: still slow, and that frame is named too
            assert not writer.try_write_frame(bytes(SIZE), 0)
            try:
                writer.write_frame(bytes(SIZE))
                raise AssertionError("the write into a full ring succeeded")
            except BufferFullError as busy:
                assert (busy.held_frames, busy.oldest_held_sequence, busy.unread_frames) == (1, 8, 34)
                assert "it is slow or stalled. It also holds 1 undisposed frame (oldest sequence 8), 116 bytes." in busy.message
    assert_none(name)


def test_occupancy_frames_released_out_of_order_wait_behind_the_oldest():
    name = unique("undisposed-order")
    with Reader(name, BufferConfig(0, RING)) as reader, Writer(name) as writer:
        assert lifecycle.occupancy(name) == RingOccupancy(RING, RING, True)
        frames = []
        for i in range(5):
            writer.write_frame(bytes(SIZE + i))
            frames.append(reader.read_frame(READ_TIMEOUT))
        writer.write_frame(bytes(SIZE))  # one unread
        for frame in frames[1:]:
            frame.release()  # space returns in ring order: they wait behind frame 1
        o = lifecycle.occupancy(name)
        assert o is not None
        assert (o.held_frames, o.oldest_held_sequence, o.held_bytes) == (5, 1, 5 * FOOTPRINT + 10)
        assert (o.unread_frames, o.unread_bytes) == (1, FOOTPRINT)
        assert o.held_summary == "reader holds 5 undisposed frames (oldest sequence 1)"
        frames[0].release()
        o = lifecycle.occupancy(name)
        assert o is not None
        assert (o.held_frames, o.oldest_held_sequence, o.held_summary, o.unread_frames) == (0, None, None, 1)
    assert lifecycle.occupancy(name) is None
    assert_none(name)
