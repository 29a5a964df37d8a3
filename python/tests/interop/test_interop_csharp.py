"""Interop: the Python SDK against ZeroBuffer for .NET, through the C# CLI running as a second
process (``dotnet src/ZeroBuffer.Cli/bin/Release/net10.0/ZeroBuffer.Cli.dll``, built by ./test.sh).

Matrix: C# writer → Python reader and Python writer → C# reader (10 000 mixed-size frames with
wrap-around, SHA-256 per frame, metadata); typed errors both ways; a SIGKILLed process on either
side, in either role, detected by the other; the layout constants compared with
``zerobuffer layout --json``.
"""

import threading
import time

from zerobuffer import ReaderDeadError, Writer
from zerobuffer._protocol import layout, names

from .. import cross_process_cases as cases
from ..support import DEAD_PEER_BOUND, PeerProcess, assert_none, remove_abandoned_buffer, sequence_pattern, unique

PROCESS_EXIT_SLACK = 1.0
"""A dead peer is noticed within DEAD_PEER_BOUND; a process that reports it then needs a moment to exit."""


def test_csharp_writer_python_reader_10000_frames():
    cases.peer_writes_this_process_reads(PeerProcess.csharp, "io-cs2py")


def test_python_writer_csharp_reader_10000_frames():
    cases.this_process_writes_peer_reads(PeerProcess.csharp, "io-py2cs")


def test_metadata_both_ways():
    cases.metadata_sharing(PeerProcess.csharp, "io-meta")


def test_typed_errors_and_killed_csharp_writer():
    # Includes: C# writer SIGKILLed → WriterDeadError in this Python reader; the C# reader reports
    # this Python writer leaving (WriterDead) and the C# writer this Python reader leaving (ReaderDead).
    cases.error_detection(PeerProcess.csharp, "io-err")


def test_killed_csharp_reader_detected_by_python_writer():
    name = unique("io-cs-reader-kill")
    payload = sequence_pattern(1000, 7)
    try:
        with PeerProcess.csharp("read", name, "--payload-size", "8192", "--delay-ms", "600000", "--json") as reader:
            reader.wait_for_event("ready")
            with Writer(name) as writer:
                writer.write_timeout = 30
                writer.write_frame(payload)
                reader.wait_for_event("frame")  # held for 600 s: the ring fills up
                while writer.try_write_frame(payload, 0.05):
                    pass
                outcome = []

                def blocked_write():
                    try:
                        writer.write_frame(payload)
                        outcome.append("written")
                    except ReaderDeadError:
                        outcome.extend(["reader-dead", time.monotonic()])

                thread = threading.Thread(target=blocked_write)
                thread.start()
                since_kill = time.monotonic()
                reader.kill()
                thread.join(20)
                assert outcome[:1] == ["reader-dead"]
                elapsed = outcome[1] - since_kill
                assert elapsed < DEAD_PEER_BOUND, "C# reader death reported after %.0f ms" % (elapsed * 1000)
    finally:
        # The killed C# reader could not remove its buffer: the Python stale sweep removes it.
        remove_abandoned_buffer(name)
    assert_none(name)


def test_killed_python_writer_process_detected_by_csharp_reader():
    name = unique("io-py-writer-kill")
    with PeerProcess.csharp("read", name, "--hash", "--json") as reader:
        reader.wait_for_event("ready")
        with PeerProcess.python("write", name, "--count", "1", "--size", "1000", "--hash", "--hold", "--json") as writer:
            writer.wait_for_event("holding")
            frame = reader.wait_for_event("frame")
            assert frame["sequence"] == 1
            assert frame["sha256"] == writer.wait_for_event("written")["sha256"]
            since_kill = time.monotonic()
            writer.kill()
            assert reader.wait_for_exit(30) == 16
            elapsed = time.monotonic() - since_kill
            assert elapsed < DEAD_PEER_BOUND + PROCESS_EXIT_SLACK, "C# reader exited %.0f ms after the kill" % (elapsed * 1000)
            error = reader.events("error")
            assert len(error) == 1 and error[0]["kind"] == "WriterDead"
    assert_none(name)


def test_killed_python_reader_process_detected_by_csharp_writer():
    name = unique("io-py-reader-kill")
    try:
        with PeerProcess.python("read", name, "--payload-size", "8192", "--delay-ms", "600000", "--json") as reader:
            reader.wait_for_event("ready")
            with PeerProcess.csharp("write", name, "--count", "1000000", "--size", "1000", "--write-timeout-ms", "30000",
                                    "--json") as writer:
                reader.wait_for_event("frame")  # held for 600 s: the C# writer fills the ring and waits
                writer.wait_for_event("written", index=7)  # 8 frames of 1016 bytes fill the 8192-byte ring
                since_kill = time.monotonic()
                reader.kill()
                assert writer.wait_for_exit(30) == 15
                elapsed = time.monotonic() - since_kill
                assert elapsed < DEAD_PEER_BOUND + PROCESS_EXIT_SLACK, "C# writer exited %.0f ms after the kill" % (elapsed * 1000)
                error = writer.events("error")
                assert len(error) == 1 and error[0]["kind"] == "ReaderDead"
    finally:
        remove_abandoned_buffer(name)
    assert_none(name)


def test_layout_constants_match_csharp():
    with PeerProcess.csharp("layout", "--json") as cli:
        printed = cli.wait_for_event("layout")
        assert cli.wait_for_exit() == 0
    assert printed["protocolVersion"] == "%d.%d.%d" % (layout.VERSION_MAJOR, layout.VERSION_MINOR, layout.VERSION_PATCH)
    # The same constants under the same names, with the same values, and no constant missing on either side.
    assert printed["constants"] == layout.CONSTANTS
    formats = printed["names"]
    placeholder = "{name}"
    assert formats["segment"] == names.segment(placeholder)
    assert formats["segmentFile"] == names.segment_file(placeholder)
    assert formats["dataAvailableSemaphore"] == names.data_available_semaphore(placeholder)
    assert formats["spaceAvailableSemaphore"] == names.space_available_semaphore(placeholder)
    assert formats["dataAvailableSemaphoreFile"] == names.semaphore_file(names.data_available_semaphore(placeholder))
    assert formats["spaceAvailableSemaphoreFile"] == names.semaphore_file(names.space_available_semaphore(placeholder))
    assert formats["lockDirectory"] == names.lock_directory()
    assert formats["lockFile"] == names.lock_file(placeholder)
    assert formats["lockFileExtension"] == names.LOCK_FILE_EXTENSION
    assert formats["maxNameLength"] == names.MAX_NAME_LENGTH
    assert formats["nameRule"] == names.NAME_RULE


def test_error_kinds_match_the_csharp_exit_codes():
    # The C# CLI lists every "10 + ZeroBufferErrorKind" exit code with its kind name in its root help
    # (each command's help lists only the codes it can return).
    from zerobuffer import ErrorKind
    with PeerProcess.csharp("--help") as cli:
        assert cli.wait_for_exit() == 0
        listed = {}
        for line in cli.lines:
            parts = line.split()
            if len(parts) == 2 and parts[0].isdigit() and 11 <= int(parts[0]) <= 29:
                listed[parts[1]] = int(parts[0]) - 10
    assert listed == {kind.csharp_name: int(kind) for kind in ErrorKind}
