"""Interop across containers: the Python SDK and ZeroBuffer for .NET (the C# CLI) on either side of
a PID + mount namespace (a private /tmp, no TMPDIR, only /dev/shm shared), in both directions; the
end of the stream across languages (``zerobuffer read`` exits 0 with an "end" event when a Python
writer closes, the Python peer's ``read`` exits 0 when ``zerobuffer write`` finishes); a SIGKILL
inside a namespace seen from the other language; access denial across languages (a non-root user).

Root is required; when ``unshare`` or ``setpriv`` is refused these tests fail with the reason."""

from __future__ import annotations

import hashlib
import time

import pytest

from zerobuffer import BufferAccess, BufferConfig, Reader, Writer, WriterClosedError, WriterDeadError

from ..support import (NamespacedPeer, PeerProcess, assert_none, assert_within_bound, nobody_csharp, nobody_peer,
                       require_unshare, sequence_pattern, unique)

SIZES = [1, 100, 1000, 4000, 17, 2047, 15, 16]
COUNT = 300


@pytest.fixture(autouse=True)
def _namespaces_available():
    require_unshare()


def _frames_sent_by_this_process(writer: Writer) -> dict[int, str]:
    sent = {}
    for index in range(COUNT):
        data = sequence_pattern(SIZES[index % len(SIZES)], index + 1)
        writer.write_frame(data)
        sent[index + 1] = hashlib.sha256(data).hexdigest()
    return sent


def _read_in_this_process(reader: Reader, peer: PeerProcess) -> dict[int, str]:
    received = {}
    for sequence in range(1, COUNT + 1):
        with reader.read_frame(30) as frame:
            assert frame.is_valid, "frame %d; peer stderr: %s" % (sequence, peer.error_output)
            assert frame.sequence == sequence and frame.data == sequence_pattern(frame.size, sequence)
            received[sequence] = hashlib.sha256(frame.data).hexdigest()
    return received


def test_csharp_reader_in_a_namespace_and_python_writer_on_the_host():
    name = unique("io-ns-cs-reader")
    with NamespacedPeer.csharp("read", name, "--payload-size", str(16 * 1024), "--hash", "--json") as reader:
        assert reader.wait_for_event("ready", timeout=60)["pid"] == 1
        with Writer(name) as writer:
            assert writer.is_reader_connected()
            sent = _frames_sent_by_this_process(writer)
            reader.wait_for_event("frame", index=COUNT - 1)
        assert reader.wait_for_exit(30) == 0, reader.error_output
        assert reader.wait_for_event("end")["frames"] == COUNT
        assert {e["sequence"]: e["sha256"] for e in reader.events("frame")} == sent
    assert_none(name)


def test_python_reader_on_the_host_and_csharp_writer_in_a_namespace():
    name = unique("io-ns-cs-writer")
    with Reader(name, BufferConfig(0, 16 * 1024)) as reader:
        with NamespacedPeer.csharp("write", name, "--count", str(COUNT), "--sizes", ",".join(map(str, SIZES)), "--hash",
                                   "--json") as writer:
            received = _read_in_this_process(reader, writer)
            assert writer.wait_for_exit(60) == 0, writer.error_output
            assert {e["sequence"]: e["sha256"] for e in writer.events("written")} == received
        with pytest.raises(WriterClosedError):  # the C# writer closed: the end of the stream
            reader.read_frame(5)
    assert_none(name)


def test_csharp_reader_on_the_host_ends_its_stream_when_a_namespaced_python_writer_closes():
    name = unique("io-ns-py-writer")
    with PeerProcess.csharp("read", name, "--payload-size", str(16 * 1024), "--hash", "--json") as reader:
        reader.wait_for_event("ready", timeout=60)
        with NamespacedPeer("write", name, "--count", str(COUNT), "--sizes", ",".join(map(str, SIZES)), "--hash",
                            "--json") as writer:
            assert writer.wait_for_exit(60) == 0, writer.error_output
            written = {e["sequence"]: e["sha256"] for e in writer.events("written")}
        assert reader.wait_for_exit(30) == 0, reader.error_output
        end = reader.wait_for_event("end")
        assert end["frames"] == COUNT
        assert {e["sequence"]: e["sha256"] for e in reader.events("frame")} == written
        assert reader.events("error") == []
    assert_none(name)


def test_namespaced_python_reader_ends_its_stream_when_the_csharp_writer_finishes():
    name = unique("io-ns-py-reader")
    with NamespacedPeer("read", name, "--payload-size", str(16 * 1024), "--hash", "--json") as reader:
        reader.wait_for_event("ready")
        with PeerProcess.csharp("write", name, "--count", str(COUNT), "--sizes", ",".join(map(str, SIZES)), "--hash",
                                "--json") as writer:
            assert writer.wait_for_exit(60) == 0, writer.error_output
            written = {e["sequence"]: e["sha256"] for e in writer.events("written")}
        assert reader.wait_for_exit(30) == 0, reader.error_output
        assert reader.wait_for_event("end")["frames"] == COUNT
        assert {e["sequence"]: e["sha256"] for e in reader.events("frame")} == written
    assert_none(name)


def test_killed_csharp_writer_in_a_namespace_is_a_death_for_the_python_reader():
    name = unique("io-ns-cs-killed")
    with Reader(name, BufferConfig(0, 4096)) as reader:
        with NamespacedPeer.csharp("write", name, "--count", "1", "--size", "10", "--hold", "--json") as writer:
            writer.wait_for_event("holding", timeout=60)
            reader.read_frame(5).release()
            killed = time.monotonic()
            writer.kill()
            with pytest.raises(WriterDeadError):
                reader.read_frame(30)
            assert_within_bound(time.monotonic() - killed, "the namespaced C# writer's death was reported")
    assert_none(name)


def test_access_denied_across_languages():
    # A Python writer of another user against an owner-only C# buffer...
    name = unique("io-acc-cs-owner")
    with PeerProcess.csharp("read", name, "--json") as reader:
        reader.wait_for_event("ready", timeout=60)
        with nobody_peer("write", name, "--count", "1", "--json") as stranger:
            assert stranger.wait_for_exit(30) == 26, stranger.error_output
            error = stranger.wait_for_event("error")
            assert error["kind"] == "AccessDenied" and "uid 0" in error["message"] and "0600" in error["message"]
    assert_none(name)

    # ...a C# writer of another user against an owner-only Python buffer...
    name = unique("io-acc-py-owner")
    with Reader(name, BufferConfig(0, 4096)):
        with nobody_csharp("write", name, "--count", "1", "--json") as stranger:
            assert stranger.wait_for_exit(60) == 26, stranger.error_output
            error = stranger.wait_for_event("error")
            assert error["kind"] == "AccessDenied" and "uid 0" in error["message"] and "0600" in error["message"]
    assert_none(name)

    # ...and both work once the creator shares the buffer.
    name = unique("io-acc-cs-everyone")
    with PeerProcess.csharp("read", name, "--access", "everyone", "--count", "2", "--json") as reader:
        reader.wait_for_event("ready", timeout=60)
        with nobody_peer("write", name, "--count", "2", "--json") as stranger:
            assert stranger.wait_for_exit(30) == 0, stranger.error_output
        assert reader.wait_for_exit(30) == 0
        assert len(reader.events("frame")) == 2
    assert_none(name)

    name = unique("io-acc-py-everyone")
    with Reader(name, BufferConfig(0, 4096, BufferAccess.EVERYONE)) as reader:
        with nobody_csharp("write", name, "--count", "2", "--json") as stranger:
            for sequence in (1, 2):
                with reader.read_frame(60) as frame:
                    assert frame.is_valid and frame.sequence == sequence, stranger.error_output
            assert stranger.wait_for_exit(60) == 0, stranger.error_output
    assert_none(name)


def test_a_sweep_in_a_namespace_never_removes_a_live_buffer_of_the_other_language():
    # The second scenario, both ways: a reader of another name created in a namespace
    # sweeps stale buffers first; the live buffer of the other language on the host survives.
    python_victim = unique("io-ns-victim-py")
    with Reader(python_victim, BufferConfig(0, 4096)) as owner:
        with NamespacedPeer.csharp("read", unique("io-ns-other-cs"), "--timeout-ms", "1000", "--json") as other:
            assert other.wait_for_exit(60) == 3, other.error_output
        with Writer(python_victim) as writer:
            writer.write_frame(b"alive")
            with owner.read_frame(5) as frame:
                assert frame.to_bytes() == b"alive"
    assert_none(python_victim)

    csharp_victim = unique("io-ns-victim-cs")
    with PeerProcess.csharp("read", csharp_victim, "--json") as owner:
        owner.wait_for_event("ready", timeout=60)
        with NamespacedPeer("read", unique("io-ns-other-py"), "--timeout-ms", "1000", "--json") as other:
            assert other.wait_for_exit(30) == 3, other.error_output
        with Writer(csharp_victim) as writer:
            writer.write_frame(b"alive")
            assert owner.wait_for_event("frame")["sequence"] == 1
    assert_none(csharp_victim)
