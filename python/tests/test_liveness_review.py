"""Regressions found by reviewing the liveness and committed-bytes code (the twins of C#'s
Protocol/LivenessReviewTests): each case here went wrong once in one SDK or the other (a false
corruption report, a lock that outlived its writer, a clean close taken for a crash, a hang on a
FIFO, a claim left behind by a failed connect)."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import threading
from typing import Any, Callable

import pytest

from zerobuffer import (BufferConfig, Reader, ReaderAlreadyConnectedError, SystemCallError, WaitStrategy, Writer,
                        WriterClosedError, lifecycle)
from zerobuffer._primitives import range_lock
from zerobuffer._protocol import layout as L
from zerobuffer._protocol import names
from zerobuffer._protocol.peer_liveness import PeerLiveness

from .support import PeerProcess, assert_none, unique

GENEROUS = 5.0
"""Seconds: a bound on waits that end much sooner when all is well."""


def _run(action: Callable[[], Any], result: dict[str, Any]) -> None:
    try:
        result["value"] = action()
    except BaseException as ex:  # handed to the test thread
        result["error"] = ex


def _writer_lock_held(name: str) -> bool:
    """Asked through a descriptor of our own, as any third process would."""
    fd = os.open(names.segment_file(name), os.O_RDONLY | os.O_CLOEXEC)
    try:
        return PeerLiveness(fd).writer_lock_held()
    finally:
        os.close(fd)


# ------------------------------------------------------------------------- committed-bytes budget

def test_a_budget_refresh_in_the_middle_of_a_release_is_not_corruption():
    """A frame released on another thread publishes its space in two stores (free bytes, then the
    reader's published total). A budget refresh that lands between them must not come out short
    and report the next frame as corruption: staged here exactly, with the reader taking the next
    frame while the release is stopped between its stores."""
    name = unique("rv-budget")
    with Reader(name, BufferConfig(0, 4096)) as reader, Writer(name) as writer:
        writer.write_frame(bytes(100))
        first = reader.read_frame(GENEROUS)  # the budget now covers nothing more
        assert first.sequence == 1
        writer.write_frame(bytes(100))

        outcome: dict[str, Any] = {}

        def read_next() -> int:
            with reader.read_frame(GENEROUS) as frame:
                return frame.sequence

        reading = threading.Thread(target=_run, args=(read_next, outcome))

        def between_the_stores() -> None:
            reader._ring._between_release_stores = None
            reading.start()  # a thread of its own: it refreshes its budget now, in the middle of this release
            reading.join(0.3)  # it finishes here, or waits for the release to end

        reader._ring._between_release_stores = between_the_stores
        releasing = threading.Thread(target=first.release)  # released on another thread than the reading one
        releasing.start()
        releasing.join(GENEROUS)
        assert not releasing.is_alive()
        reading.join(GENEROUS)
        assert not reading.is_alive()
        assert "error" not in outcome, outcome
        assert outcome["value"] == 2
        assert reader.get_status().read_count == 2
    assert_none(name)


# ------------------------------------------------------------------------- the writer lock at close

def test_a_writer_closed_while_another_thread_fills_a_frame_still_ends_the_stream():
    """A writer closed while a zero-copy frame acquired on another thread is still referenced
    keeps its mapping (the other thread may still write through the view), but not its writer
    lock: the stream ends, and the name is free for a new writer."""
    name = unique("rv-filling")
    with Reader(name, BufferConfig(0, 4096)) as reader:
        writer = Writer(name)
        writer.write_frame(b"\x01")
        acquired: dict[str, Any] = {}
        thread = threading.Thread(target=_run, args=(lambda: writer.get_frame_buffer(16), acquired))  # never committed
        thread.start()
        thread.join(GENEROUS)
        assert not thread.is_alive() and "error" not in acquired, acquired
        view: memoryview = acquired.pop("value")

        writer.close()  # on another thread than the acquisition, with the view alive: the mapping stays
        assert len(bytes(view)) == 16  # still mapped
        assert not _writer_lock_held(name)
        assert not reader.is_writer_connected()
        with reader.read_frame(GENEROUS) as frame:
            assert frame.sequence == 1
        with pytest.raises(WriterClosedError):
            reader.read_frame(GENEROUS)
        with Writer(name) as successor:  # the name is free for a new writer
            successor.write_frame(b"\x02")
        with reader.read_frame(GENEROUS) as frame:
            assert frame.sequence == 1
        view.release()
    assert_none(name)


# ------------------------------------------------------------------------- peer liveness

def test_a_writer_closing_while_the_reader_checks_on_it_is_always_the_end_of_the_stream(monkeypatch):
    """A writer that closes while the reader is looking at it is the end of the stream, every
    time, never a crash. Every other round stages the close exactly where it hurt: while the
    reader is in its look at the writer, right before it asks for the writer lock; the others
    leave it to chance, as the C# twin does."""
    name = unique("rv-closing")
    real_query = range_lock.is_locked_by_other
    stage = {"armed": False}
    in_check = threading.Event()
    writer_closed = threading.Event()

    def query(fd: int, start: int, length: int) -> bool:
        if start == L.WRITER_LOCK_OFFSET and stage["armed"]:
            stage["armed"] = False
            in_check.set()
            writer_closed.wait(GENEROUS)  # the writer closes now, in the middle of the reader's look
        return real_query(fd, start, length)

    monkeypatch.setattr(range_lock, "is_locked_by_other", query)
    with Reader(name, BufferConfig(0, 4096), wait_strategy=WaitStrategy.BUSY_SPIN) as reader:
        for round_number in range(50):
            staged = round_number % 2 == 0
            writer = Writer(name)
            writer.write_frame(b"\x01")
            with reader.read_frame(GENEROUS):
                pass
            in_check.clear()
            writer_closed.clear()
            stage["armed"] = staged
            outcome: dict[str, Any] = {}
            reading = threading.Thread(target=_run, args=(lambda: reader.read_frame(GENEROUS), outcome))
            reading.start()  # it polls, looking at the writer every 100 ms
            if staged:
                assert in_check.wait(GENEROUS), "the reader never looked at the writer"
            writer.close()
            writer_closed.set()
            reading.join(GENEROUS * 2)
            assert not reading.is_alive()
            assert isinstance(outcome.get("error"), WriterClosedError), (round_number, staged, outcome)
    assert_none(name)


# ------------------------------------------------------------------------- a FIFO in /dev/shm

def _finishes(action: Callable[[], Any], fifo: str, what: str) -> Any:
    """Runs ``action`` and returns its result (or raises its error); fails the test, instead of
    hanging it, when the action is still stuck after a while (opening the FIFO for reading, it
    waits for a writer: one is given, so that the thread comes back)."""
    result: dict[str, Any] = {}
    thread = threading.Thread(target=_run, args=(action, result), daemon=True)
    thread.start()
    thread.join(GENEROUS)
    if thread.is_alive():
        unblock = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        try:
            thread.join(GENEROUS)
        finally:
            os.close(unblock)
        leftover = result.get("value")
        if hasattr(leftover, "close"):
            leftover.close()
        pytest.fail("%s hung in open() on the FIFO" % what)
    if "error" in result:
        raise result["error"]
    return result.get("value")


def _peer_tool_exit_code(*args: str) -> tuple[int, PeerProcess]:
    with PeerProcess.python(*args) as tool:  # a hung tool is ended on the way out (SIGTERM, then SIGKILL)
        try:
            return tool.wait_for_exit(GENEROUS * 6), tool
        except subprocess.TimeoutExpired:
            pytest.fail("the peer tool hung: %s" % (args,))


def test_a_fifo_planted_in_dev_shm_hangs_nothing_and_is_left_alone():
    """Anyone can plant a FIFO in /dev/shm under a buffer's name. Opening it for reading would wait
    for a writer for ever; creators, the census, the tools and the sweep leave it alone instead, and at once."""
    planted = unique("rv-fifo")
    path = names.segment_file(planted)
    subprocess.run(["mkfifo", "-m", "666", path], check=True)
    try:
        def sweep() -> None:
            with Reader(unique("rv-fifo-sweeper"), BufferConfig(0, 4096)):  # its sweep looks at every name
                pass

        _finishes(sweep, path, "a reader's sweep")

        info = _finishes(lambda: lifecycle.inspect(planted), path, "inspect")
        assert info is not None and info.state is lifecycle.BufferState.LIVE
        assert "not a regular file" in info.reason, info.reason
        assert info.resources == lifecycle.BufferResources.SEGMENT

        with pytest.raises(ReaderAlreadyConnectedError, match="exists and is not a regular file"):
            _finishes(lambda: Reader(planted, BufferConfig(0, 4096)), path, "a reader of the planted name")
        with pytest.raises(SystemCallError):
            _finishes(lambda: Writer(planted), path, "a writer of the planted name")

        listed = _finishes(lifecycle.list_buffers, path, "list")
        assert planted not in [buffer.name for buffer in listed]
        cleaned = _finishes(lambda: lifecycle.clean(planted), path, "clean")
        assert cleaned.outcome is lifecycle.CleanupOutcome.REFUSED_LIVE, cleaned.message
        _finishes(lambda: lifecycle.clean_stale(orphan_grace=0.0), path, "clean --stale")

        code, tool = _peer_tool_exit_code("clean", "--stale", "--grace-ms", "0", "--json")
        assert code == 0, tool.error_output
        code, tool = _peer_tool_exit_code("clean", planted, "--json")
        assert code == 5, tool.error_output  # refused: live
        assert tool.events("cleaned")[0]["outcome"] == "RefusedLive"
        code, tool = _peer_tool_exit_code("list", "--json")
        assert code == 0, tool.error_output
        assert planted not in [event["name"] for event in tool.events("buffer")]

        assert stat.S_ISFIFO(os.stat(path, follow_symlinks=False).st_mode)  # never removed
    finally:
        os.unlink(path)
    assert_none(planted)


# ------------------------------------------------------------------------- a failed connect

class _FailingHandler(logging.Handler):
    """A log handler that fails, at the last step of a writer's connect (after its claim)."""

    def __init__(self, reader: Reader) -> None:
        super().__init__(logging.DEBUG)
        self.reader = reader
        self.writer_pids: list[int] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.writer_pids.append(self.reader.get_status().writer_pid)
        raise RuntimeError("a log handler that fails")


def test_a_connect_that_fails_after_its_claim_gives_the_claim_back():
    """A connect that fails after it claimed the buffer gives the claim back (its PID and its
    lock), even while the failed writer object is still referenced (by the exception)."""
    name = unique("rv-failed-claim")
    with Reader(name, BufferConfig(0, 4096)) as reader:
        logger = logging.getLogger("zerobuffer")
        handler = _FailingHandler(reader)
        level = logger.level
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        try:
            with pytest.raises(RuntimeError, match="a log handler that fails") as failed:
                Writer(name)
        finally:
            logger.removeHandler(handler)
            logger.setLevel(level)
        assert handler.writer_pids and handler.writer_pids[0] != 0  # it failed after its claim

        assert reader.get_status().writer_pid == 0
        assert not _writer_lock_held(name)
        assert not reader.is_writer_connected()
        with Writer(name) as writer:  # not WriterAlreadyConnectedError
            writer.write_frame(b"\x01")
        with reader.read_frame(GENEROUS) as frame:
            assert frame.sequence == 1
        del failed
    assert_none(name)
