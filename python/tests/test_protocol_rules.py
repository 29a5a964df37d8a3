"""Not matrix rows: the pure protocol rules, checked without shared memory, and the API's guards."""

import pytest

from zerobuffer import BufferConfig, ErrorKind, FrameTooLargeError, InvalidFrameSizeError, Reader, Writer
from zerobuffer._protocol import layout, names
from zerobuffer._protocol.release_queue import ReleaseQueue
from zerobuffer._protocol.write_plan import WritePlan

from .support import assert_none, unique


@pytest.mark.parametrize("write_pos,length,expected", [
    # The examples of docs/protocol.md §3.1 (P = 1024).
    (0, 1000, WritePlan(False, 0, 0, 1016)),       # fits at 0, leaves an 8-byte tail (no early wrap at 0)
    (600, 398, WritePlan(True, 424, 0, 838)),      # would leave a 10-byte tail and can wrap: early wrap
    (500, 498, WritePlan(False, 0, 500, 514)),     # would leave a 10-byte tail but cannot wrap: placed here
    (1010, 100, WritePlan(True, 14, 0, 130)),      # must wrap, 14-byte tail: implicit wrap
    (600, 684, None),                              # must wrap but 424 + 700 > 1024: never placeable
])
def test_write_plan_follows_the_short_tail_rule(write_pos, length, expected):
    plan = WritePlan.try_create(1024, write_pos, 16 + length)
    assert plan == expected
    if plan is not None:
        assert plan.writes_marker == (plan.wrap and plan.tail >= 16)


def test_release_queue_returns_space_in_ring_order():
    queue = ReleaseQueue()
    a, b = queue.enqueue_frame(100), queue.enqueue_frame(200)
    assert queue.enqueue_tail(50) == (0, 0)  # queued behind the held frames
    assert queue.release(b) == (0, 0)
    assert queue.release(b) == (0, 0)  # idempotent
    assert queue.release(a) == (350, 2)  # a, b and the tail, in one batch
    assert queue.outstanding == 0
    assert queue.enqueue_tail(7) == (7, 0)  # nothing held: a tail goes straight back


def test_error_kinds_have_the_csharp_values():
    assert [(k.csharp_name, int(k)) for k in ErrorKind] == [
        ("SystemError", 1), ("BufferNotFound", 2), ("ReaderAlreadyConnected", 3), ("WriterAlreadyConnected", 4),
        ("ReaderDead", 5), ("WriterDead", 6), ("BufferFull", 7), ("FrameTooLarge", 8), ("InvalidFrameSize", 9),
        ("SequenceError", 10), ("MetadataAlreadyWritten", 11), ("ProtocolMismatch", 12), ("BufferCorrupted", 13),
        ("WriterClosed", 14), ("ReaderClosed", 15), ("AccessDenied", 16), ("DuplexHandlerFailed", 17),
        ("TopicAlreadyPublished", 18)]


@pytest.mark.parametrize("bad", ["", ".", "..", "a/b", "a b", "x" * 201, "é"])
def test_invalid_names_are_refused_with_the_rule(bad):
    with pytest.raises(ValueError, match="1-200 characters"):
        Reader(bad, BufferConfig(0, 1024))
    with pytest.raises(ValueError, match="1-200 characters"):
        Writer(bad)
    assert names.is_valid("x" * 200)


def test_frame_size_rules_and_sizing():
    name = unique("rules")
    with Reader(name, BufferConfig(0, 1000)) as reader, Writer(name) as writer:
        assert reader.config.payload_block_size == 1024 == layout.round64(1000)
        assert writer.max_frame_size_anywhere == 1024 // 2 - 24 == 488  # never a tail of 1-15 bytes (§3.2)
        with pytest.raises(InvalidFrameSizeError):
            writer.write_frame(b"")
        with pytest.raises(FrameTooLargeError):
            writer.write_frame(bytes(1024 - 15))
        with pytest.raises(ValueError):
            writer.set_metadata(b"x")  # metadata block of 0 bytes
        writer.write_frame(bytes(1024 - 16))  # exact fit
        with reader.read_frame(1) as frame:
            assert frame.size == 1008
        with pytest.raises(ValueError):
            writer.write_timeout = 0
    assert_none(name)


def test_missing_atomics_fail_the_import_clearly():
    # Without libatomic there is no safe 64-bit atomic add: the import must fail, never fall back.
    import subprocess
    import sys
    probe = (
        "import ctypes\n"
        "real = ctypes.CDLL\n"
        "def fake(name, *a, **k):\n"
        "    if name and 'atomic' in name: raise OSError('no ' + name)\n"
        "    return real(name, *a, **k)\n"
        "ctypes.CDLL = fake\n"
        "try:\n"
        "    import zerobuffer\n"
        "except ImportError as e:\n"
        "    print('ImportError:', e)\n"
        "else:\n"
        "    print('imported')\n"
    )
    from .support import PYTHON_ROOT
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60,
                            env={"PYTHONPATH": PYTHON_ROOT, "PATH": "/usr/bin:/bin"})
    assert result.stdout.startswith("ImportError:"), result.stdout + result.stderr
    assert "libatomic" in result.stdout
    assert "no non-atomic fallback" in result.stdout


def test_writer_validates_the_control_block():
    from zerobuffer import BufferCorruptedError, BufferNotFoundError, ProtocolMismatchError
    from .support import segment_u64
    name = unique("rules-oieb")
    with Reader(name, BufferConfig(0, 1024)):
        original = segment_u64(name, layout.OIEB_SIZE_OFFSET)
        version_bytes = original & ~0xFFFFFFFF
        segment_u64(name, layout.OIEB_SIZE_OFFSET, version_bytes)  # oieb_size 0: creation not finished
        with pytest.raises(BufferNotFoundError, match="not initialised"):
            Writer(name)
        segment_u64(name, layout.OIEB_SIZE_OFFSET, version_bytes | 64)  # another OIEB size
        with pytest.raises(ProtocolMismatchError):
            Writer(name)
        segment_u64(name, layout.OIEB_SIZE_OFFSET, original)
        segment_u64(name, layout.PAYLOAD_FREE_BYTES_OFFSET, 1025)  # more free bytes than the ring
        with pytest.raises(BufferCorruptedError):
            Writer(name)
        segment_u64(name, layout.PAYLOAD_FREE_BYTES_OFFSET, 1024)
        with Writer(name) as writer:
            writer.write_frame(b"ok")
    assert_none(name)


def test_reader_validates_wrap_markers():
    from zerobuffer import BufferCorruptedError
    from .support import segment_u64
    name = unique("rules-marker")
    with Reader(name, BufferConfig(0, 1024)) as reader, Writer(name) as writer:
        writer.write_frame(bytes(100))
        header = layout.payload_offset(0)
        # Length 0 with a non-zero sequence is a damaged header, not a wrap marker.
        segment_u64(name, header + layout.FRAME_LENGTH_OFFSET, 0)
        with pytest.raises(BufferCorruptedError):
            reader.read_frame(1)
        # {0, 0} at offset 0 is not a marker either (a frame always fits there).
        segment_u64(name, header + layout.FRAME_SEQUENCE_OFFSET, 0)
        with pytest.raises(BufferCorruptedError):
            reader.read_frame(1)
        # The token was given back each time: once repaired, the frame is delivered.
        segment_u64(name, header + layout.FRAME_LENGTH_OFFSET, 100)
        segment_u64(name, header + layout.FRAME_SEQUENCE_OFFSET, 1)
        with reader.read_frame(1) as frame:
            assert frame.sequence == 1 and frame.size == 100
    assert_none(name)
