"""Interop: undisposed frames diagnosed across languages (issue 18 item 5), with the C# CLI as a
second process. A Python reader that holds frames is named by the C# writer's BufferFull error and
by C#'s ``inspect``; a C# reader that holds a frame is named by this Python writer's BufferFullError."""

from zerobuffer import BufferConfig, BufferFullError, Reader, Writer

from ..support import PeerProcess, assert_none, remove_abandoned_buffer, unique

RING = 4096
SIZE = 100  # 116 bytes in the ring: 35 fit in 4096


def test_csharp_writer_names_the_frames_a_python_reader_holds():
    name = unique("io-undisposed-cs-writer")
    with Reader(name, BufferConfig(0, RING)) as reader:
        with PeerProcess.csharp("write", name, "--count", "100", "--size", str(SIZE), "--write-timeout-ms", "300", "--json") as writer:
            held = []
            while len(held) < 35:
                frame = reader.read_frame(60.0)  # the first waits for the tool to start
                assert frame.is_valid
                held.append(frame)  # never released
            error = writer.wait_for_event("error")
            assert writer.wait_for_exit() == 17
            assert error["kind"] == "BufferFull"
            assert "The reader holds 35 undisposed frames (oldest sequence 1)" in error["message"]

        with PeerProcess.csharp("inspect", name, "--json") as inspect:
            report = inspect.wait_for_event("inspect")
            assert inspect.wait_for_exit() == 0
            assert (report["heldFrames"], report["oldestHeldSequence"], report["unreadFrames"]) == (35, 1, 0)
            assert report["held"] == "reader holds 35 undisposed frames (oldest sequence 1)"
    assert_none(name)


def test_python_writer_names_the_frame_a_csharp_reader_holds():
    name = unique("io-undisposed-cs-reader")
    try:
        with PeerProcess.csharp("read", name, "--payload-size", str(RING), "--pause-at", "holding-frame", "--pause-frame", "3",
                                "--json") as reader:
            reader.wait_for_event("ready")
            with Writer(name) as writer:
                for _ in range(3):
                    writer.write_frame(bytes(SIZE))
                reader.wait_for_event("paused")  # frames 1 and 2 read and released, 3 held from now on
                writer.write_timeout = 0.3
                try:
                    while True:
                        writer.write_frame(bytes(SIZE))
                except BufferFullError as e:
                    error = e
                # 35 frames fit: 3 held, the 34 after it never read.
                assert (error.held_frames, error.oldest_held_sequence, error.unread_frames) == (1, 3, 34)
                assert "It also holds 1 undisposed frame (oldest sequence 3), 116 bytes." in error.message
                reader.kill()
    finally:
        remove_abandoned_buffer(name)  # the killed C# reader could not remove its buffer
    assert_none(name)
