"""Any start order (issue 14): ``Writer.connect`` waits for the reader to create the buffer, or to
replace a reader that crashed; other errors come at once (as C#'s Writer.Connect)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from zerobuffer import (BufferConfig, BufferNotFoundError, Reader, ReaderDeadError, Writer,
                        WriterAlreadyConnectedError)

from .support import PeerProcess, abandon_by_killed_reader, assert_none, unique

GENEROUS = 10.0


def test_connect_waits_for_the_reader_to_create_the_buffer():
    name = unique("wc-wait")
    with ThreadPoolExecutor(1) as pool:
        connecting = pool.submit(Writer.connect, name, GENEROUS)
        assert not connecting.done()  # nothing to connect to: it can only be waiting
        with Reader(name, BufferConfig(0, 4096)) as reader:
            with connecting.result(GENEROUS) as writer:
                writer.write_frame(b"\x2a")
            with reader.read_frame(GENEROUS) as frame:
                assert bytes(frame.data) == b"\x2a"
    assert_none(name)


def test_connect_waits_for_a_crashed_readers_replacement():
    name = unique("wc-replace")
    abandon_by_killed_reader(name)  # its buffer stays, with a dead reader
    with ThreadPoolExecutor(1) as pool:
        connecting = pool.submit(Writer.connect, name, GENEROUS)
        assert not connecting.done()  # the dead reader's buffer is not connectable: waiting
        with Reader(name, BufferConfig(0, 4096)) as replacement:
            with connecting.result(GENEROUS) as writer:
                writer.write_frame(b"\x07")
            with replacement.read_frame(GENEROUS) as frame:
                assert bytes(frame.data) == b"\x07"
    assert_none(name)


def test_connect_gives_up_at_its_timeout_with_the_last_reason():
    name = unique("wc-none")
    started = time.monotonic()
    with pytest.raises(BufferNotFoundError) as raised:
        Writer.connect(name, 0.2)
    assert 0.2 <= time.monotonic() - started < GENEROUS
    assert "within 200 ms" in str(raised.value)
    assert isinstance(raised.value.__cause__, BufferNotFoundError)

    abandon_by_killed_reader(name)
    with pytest.raises(ReaderDeadError) as dead:
        Writer.connect(name, 0.2)
    assert "within 200 ms" in str(dead.value)
    with Reader(name, BufferConfig(0, 4096)):  # the replacement takes the abandoned name over
        pass
    assert_none(name)


def test_connect_stops_when_asked_and_rejects_bad_arguments():
    name = unique("wc-stop")
    stop = threading.Event()
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(Writer.connect, name, None, stop=stop)
        assert not waiting.done()
        stop.set()
        with pytest.raises(InterruptedError):
            waiting.result(GENEROUS)
    with pytest.raises(ValueError):
        Writer.connect("bad/name", GENEROUS)
    with pytest.raises(ValueError):
        Writer.connect(name, -2)
    assert_none(name)


def test_connect_reports_another_live_writer_at_once():
    name = unique("wc-taken")
    with Reader(name, BufferConfig(0, 4096)), Writer(name):
        started = time.monotonic()
        with pytest.raises(WriterAlreadyConnectedError):
            Writer.connect(name, GENEROUS)
        assert time.monotonic() - started < 1.0
    assert_none(name)


@pytest.mark.parametrize("spawn", [PeerProcess.python, PeerProcess.csharp], ids=["python", "csharp"])
def test_peer_write_waits_for_the_reader_or_gives_up_after_its_limit(spawn):
    name = unique("wc-peer")
    with spawn("write", name, "--wait-for-reader", "--count", "3", "--json") as writer:
        writer.wait_for_event("waiting")  # started first, and says so
        with Reader(name, BufferConfig(0, 4096)) as reader:
            assert writer.wait_for_exit() == 0
            assert len(writer.events("written")) == 3
            for sequence in (1, 2, 3):
                with reader.read_frame(GENEROUS) as frame:
                    assert frame.sequence == sequence
    with spawn("write", name + "-none", "--wait-for-reader", "300", "--json") as writer:
        assert writer.wait_for_exit() == 12  # BufferNotFound, after the wait
        assert "within 300 ms" in writer.events("error")[0]["message"]
    assert_none(name)
