"""Wait strategies (zerobuffer.wait), release batching and prefault: the Python twin of the C#
behaviour of Reader.WaitStrategy / Writer.WaitStrategy / Reader.BatchReleases / Prefault.

Every waiting scenario runs once per strategy. A peer thread that must act while the other side
waits is released by a :class:`Signalling` strategy (a wrapper that reports its first ``idle``
call, i.e. the wait has begun), never by a sleep.
"""

from __future__ import annotations

import concurrent.futures
import ctypes
import errno
import math
import threading
import time
from typing import Callable

import pytest

import zerobuffer
from zerobuffer import (BlockingWaitStrategy, BufferConfig, BufferFullError, BusySpinWaitStrategy, ObjectDisposedError, Reader,
                        ReaderDeadError, SpinThenBlockWaitStrategy, SystemCallError, WaitStrategy, Writer,
                        WriterClosedError, wait)
from zerobuffer import reader as reader_module
from zerobuffer._interop import libc
from zerobuffer.spin_history import FIRST_PROBE_AFTER, LONG_WAITS_BEFORE_SKIPPING, SpinHistory
from zerobuffer.duplex import DuplexClientOptions, DuplexServerOptions

from .duplex_support import RECEIVE_TIMEOUT, DuplexPair
from .support import PeerProcess, assert_none, assert_within_bound, pattern, sequence_pattern, unique

STRATEGIES = [WaitStrategy.BLOCKING, WaitStrategy.SPIN_THEN_BLOCK, WaitStrategy.BUSY_SPIN]
IDS = ["blocking", "spin-then-block", "busy-spin"]
HEADER = 16
PEER_TIMEOUT = 10.0
"""Bound on how long a helper thread may take to do its part (a deadline, not a delay)."""


class Signalling(WaitStrategy):
    """Behaves exactly like ``inner`` and sets :attr:`waiting` when a wait has begun (its first ``idle`` call)."""

    def __init__(self, inner: WaitStrategy) -> None:
        self.inner = inner
        self.waiting = threading.Event()

    def idle(self, attempt: int, waited: float) -> bool:
        self.waiting.set()
        return self.inner.idle(attempt, waited)

    @property
    def _takes_token_per_frame(self) -> bool:
        return self.inner._takes_token_per_frame


def in_thread(action: Callable[[], object]) -> "concurrent.futures.Future[object]":
    """Runs ``action`` on a fresh thread; the future carries its result or exception."""
    future: concurrent.futures.Future[object] = concurrent.futures.Future()

    def run() -> None:
        try:
            future.set_result(action())
        except BaseException as ex:  # noqa: BLE001 - handed to the test thread
            future.set_exception(ex)

    threading.Thread(target=run, daemon=True).start()
    return future


def sem_w(reader: Reader) -> int:
    return reader._resources.data_available.value


def sem_r(reader: Reader) -> int:
    return reader._resources.space_available.value


def free(reader: Reader) -> int:
    return reader.get_status().payload_free_bytes


def fill(writer: Writer, size: int) -> int:
    """Writes ``size``-byte frames until the ring is full; returns how many."""
    count = 0
    while writer.try_write_frame(pattern(count, size), 0):
        count += 1
    assert count > 0
    return count


# ----------------------------------------------------------------------------- per strategy

@pytest.mark.parametrize("strategy", STRATEGIES, ids=IDS)
def test_frame_written_while_reader_waits_is_read(strategy):
    name = unique("ws-later")
    signalling = Signalling(strategy)
    with Reader(name, BufferConfig(0, 4096), wait_strategy=signalling) as reader, Writer(name) as writer:

        def write_when_reader_waits():
            assert signalling.waiting.wait(PEER_TIMEOUT)
            writer.write_frame(pattern(1, 100))

        done = in_thread(write_when_reader_waits)
        with reader.read_frame(PEER_TIMEOUT) as frame:
            assert frame.is_valid
            assert frame.sequence == 1
            assert frame.to_bytes() == pattern(1, 100)
        done.result(PEER_TIMEOUT)
        assert free(reader) == 4096
    assert_none(name)


@pytest.mark.parametrize("strategy", STRATEGIES, ids=IDS)
def test_committed_frame_taken_without_its_token(strategy):
    # The counts decide, not tokens: a frame whose token is lost is taken at once, even with timeout 0.
    name = unique("ws-no-token")
    with Reader(name, BufferConfig(0, 4096), wait_strategy=strategy) as reader, Writer(name) as writer:
        writer.write_frame(pattern(1, 10))
        assert reader._resources.data_available.drain() == 1
        with reader.read_frame(0) as frame:
            assert frame.is_valid and frame.to_bytes() == pattern(1, 10)
    assert_none(name)


@pytest.mark.parametrize("strategy", STRATEGIES, ids=IDS)
def test_timeout_returns_no_frame(strategy):
    name = unique("ws-timeout")
    with Reader(name, BufferConfig(0, 4096), wait_strategy=strategy) as reader, Writer(name):
        start = time.monotonic()
        frame = reader.read_frame(0.05)
        assert not frame.is_valid
        assert reader.try_read_frame(0) is None
        assert_within_bound(time.monotonic() - start, "a 50 ms read timed out")
    assert_none(name)


@pytest.mark.parametrize("strategy", STRATEGIES, ids=IDS)
def test_writer_disconnecting_after_three_frames_is_reported_after_them(strategy):
    name = unique("ws-writer-gone")
    signalling = Signalling(strategy)
    with Reader(name, BufferConfig(0, 4096), wait_strategy=signalling) as reader:
        writer = Writer(name)

        def write_three_and_leave():
            assert signalling.waiting.wait(PEER_TIMEOUT)
            for i in range(1, 4):
                writer.write_frame(pattern(i, 50))
            writer.close()
            return time.monotonic()

        left = in_thread(write_three_and_leave)
        for i in range(1, 4):
            with reader.read_frame(PEER_TIMEOUT) as frame:
                assert frame.is_valid, "frame %d" % i
                assert frame.sequence == i and frame.to_bytes() == pattern(i, 50)
        with pytest.raises(WriterClosedError):
            reader.read_frame(30)
        assert_within_bound(time.monotonic() - left.result(PEER_TIMEOUT), "the writer's disconnect was reported")
    assert_none(name)


@pytest.mark.parametrize("strategy", STRATEGIES, ids=IDS)
def test_frames_committed_before_writer_left_are_read_before_writer_dead(strategy):
    name = unique("ws-commit-then-die")
    with Reader(name, BufferConfig(0, 4096), wait_strategy=strategy) as reader:
        with Writer(name) as writer:
            for i in range(1, 4):
                writer.write_frame(pattern(i, 20))
        for i in range(1, 4):
            with reader.read_frame(PEER_TIMEOUT) as frame:
                assert frame.is_valid and frame.sequence == i
        start = time.monotonic()
        with pytest.raises(WriterClosedError):
            reader.read_frame(30)
        assert_within_bound(time.monotonic() - start, "the writer's disconnect was reported")
    assert_none(name)


@pytest.mark.parametrize("strategy", STRATEGIES, ids=IDS)
def test_frame_committed_just_before_the_writer_leaves_is_not_lost(strategy):
    # The writer commits and leaves after the reader's last look for frames, right before it looks
    # at the writer: that frame is still delivered, and only then the departure.
    name = unique("ws-last")
    with Reader(name, BufferConfig(0, 4096), wait_strategy=strategy) as reader:
        writer = Writer(name)
        writer.write_frame(b"\x01")
        reader.read_frame(PEER_TIMEOUT).release()

        def commit_and_leave():
            reader._before_writer_check = None
            writer.write_frame(b"\x02")
            writer.close()

        reader._before_writer_check = commit_and_leave
        with reader.read_frame(PEER_TIMEOUT) as last:
            assert last.is_valid
            assert last.sequence == 2 and last.to_bytes() == b"\x02"
        assert writer.closed, "the staged commit-then-leave ran"
        with pytest.raises(WriterClosedError):
            reader.read_frame(PEER_TIMEOUT)
        assert reader.outstanding_frames == 0
    assert_none(name)


@pytest.mark.parametrize("strategy", STRATEGIES, ids=IDS)
def test_departed_writer_is_reported_to_zero_timeout_polls(strategy):
    # Whatever the timeout (protocol §6): the polling liveness clock belongs to the reader, not to one wait.
    name = unique("ws-poll0")
    with Reader(name, BufferConfig(0, 4096), wait_strategy=strategy) as reader:
        with Writer(name) as writer:
            writer.write_frame(b"\x01")
            reader.read_frame(PEER_TIMEOUT).release()
            assert not reader.read_frame(0).is_valid  # a look at the live writer: the next is due in 100 ms
        start = time.monotonic()
        with pytest.raises(WriterClosedError):
            while time.monotonic() - start < PEER_TIMEOUT:
                assert not reader.read_frame(0).is_valid
        assert_within_bound(time.monotonic() - start, "the writer's departure was reported to zero-timeout polls")
    assert_none(name)


@pytest.mark.parametrize("strategy", STRATEGIES, ids=IDS)
def test_close_from_another_thread_ends_the_readers_wait(strategy):
    name = unique("ws-close")
    signalling = Signalling(strategy)
    reader = Reader(name, BufferConfig(0, 4096), wait_strategy=signalling)
    waiting = in_thread(lambda: reader.read_frame(None))
    assert signalling.waiting.wait(PEER_TIMEOUT)
    reader.close()
    with pytest.raises(ObjectDisposedError):
        waiting.result(PEER_TIMEOUT)
    assert_none(name)


@pytest.mark.parametrize("strategy", STRATEGIES, ids=IDS)
def test_lock_step_frames_arrive_in_order(strategy):
    # The writer sends the next frame only after the reader took the previous one, so the reader
    # meets an empty ring and has to wait (poll or sleep) for most of them.
    name = unique("ws-lock")
    count = 100
    taken = threading.Semaphore(0)
    with Reader(name, BufferConfig(0, 64 * 1024), wait_strategy=strategy) as reader, Writer(name, wait_strategy=strategy) as writer:

        def read_all():
            for i in range(1, count + 1):
                with reader.read_frame(PEER_TIMEOUT) as frame:
                    assert frame.is_valid, "frame %d did not arrive" % i
                    assert frame.sequence == i and frame.to_bytes() == i.to_bytes(4, "little")
                taken.release()
            return count

        reading = in_thread(read_all)
        for i in range(1, count + 1):
            writer.write_frame(i.to_bytes(4, "little"))
            assert taken.acquire(timeout=PEER_TIMEOUT), "frame %d was not taken" % i
        assert reading.result(PEER_TIMEOUT) == count
    assert_none(name)


@pytest.mark.parametrize("strategy", STRATEGIES, ids=IDS)
def test_writer_blocked_on_full_ring_resumes_when_reader_releases(strategy):
    name = unique("ws-full-resume")
    signalling = Signalling(strategy)
    with Reader(name, BufferConfig(0, 1024), wait_strategy=strategy) as reader, Writer(name) as writer:
        frames = fill(writer, 100)
        writer.wait_strategy = signalling
        writer.write_timeout = 30
        blocked = in_thread(lambda: writer.write_frame(pattern(frames, 100)))
        assert signalling.waiting.wait(PEER_TIMEOUT)
        assert not blocked.done(), "the ring was full: the write cannot have completed"
        start = time.monotonic()
        with reader.read_frame(PEER_TIMEOUT) as frame:
            assert frame.sequence == 1
        blocked.result(PEER_TIMEOUT)
        assert_within_bound(time.monotonic() - start, "the blocked write resumed")
        for sequence in range(2, frames + 2):
            with reader.read_frame(PEER_TIMEOUT) as frame:
                assert frame.sequence == sequence
                assert frame.to_bytes() == pattern(sequence - 1, 100)
    assert_none(name)


@pytest.mark.parametrize("strategy", STRATEGIES, ids=IDS)
def test_full_ring_times_out_with_buffer_full(strategy):
    name = unique("ws-full-timeout")
    with Reader(name, BufferConfig(0, 1024)) as reader, Writer(name, wait_strategy=strategy) as writer:
        fill(writer, 100)
        writer.write_timeout = 0.2
        start = time.monotonic()
        with pytest.raises(BufferFullError):
            writer.write_frame(pattern(99, 100))
        assert_within_bound(time.monotonic() - start, "a 200 ms write timed out")
        assert not writer.try_write_frame(pattern(99, 100), 0.01)
        assert reader.get_status().written_count == writer.frames_written
    assert_none(name)


@pytest.mark.parametrize("strategy", STRATEGIES, ids=IDS)
def test_reader_gone_ends_writer_wait_with_reader_dead(strategy):
    name = unique("ws-reader-gone")
    signalling = Signalling(strategy)
    reader = Reader(name, BufferConfig(0, 1024))
    try:
        with Writer(name, wait_strategy=signalling) as writer:
            fill(writer, 100)
            writer.write_timeout = 30
            blocked = in_thread(lambda: writer.write_frame(pattern(0, 100)))
            assert signalling.waiting.wait(PEER_TIMEOUT)
            start = time.monotonic()
            reader.close()
            with pytest.raises(ReaderDeadError):
                blocked.result(PEER_TIMEOUT)
            assert_within_bound(time.monotonic() - start, "the reader's close was reported")
    finally:
        reader.close()
    assert_none(name)


@pytest.mark.parametrize("strategy", STRATEGIES, ids=IDS)
def test_sem_w_tokens_bounded_after_an_empty_read(strategy):
    name = unique("ws-tokens")
    count = 200
    with Reader(name, BufferConfig(0, 64 * 1024), wait_strategy=strategy) as reader, Writer(name) as writer:
        # Frames before the reads (taken on the hot path) and while it reads (some found by polling).
        for i in range(count // 2):
            writer.write_frame(pattern(i, 32))
        writing = in_thread(lambda: [writer.write_frame(pattern(i, 32)) for i in range(count // 2, count)])
        for sequence in range(1, count + 1):
            with reader.read_frame(PEER_TIMEOUT) as frame:
                assert frame.sequence == sequence
        writing.result(PEER_TIMEOUT)
        assert not reader.read_frame(0.01).is_valid
        assert sem_w(reader) == 0
    assert_none(name)


# ----------------------------------------------------------------------------- token rules

def test_blocking_reader_keeps_one_token_per_unread_frame():
    name = unique("ws-blocking-tokens")
    with Reader(name, BufferConfig(0, 4096), wait_strategy=WaitStrategy.BLOCKING) as reader, Writer(name) as writer:
        written = read = 0
        for batch in (3, 1, 4, 0, 2):
            for _ in range(batch):
                written += 1
                writer.write_frame(pattern(written, 40))
            for _ in range(min(2, written - read)):
                with reader.read_frame(PEER_TIMEOUT) as frame:
                    read += 1
                    assert frame.sequence == read
                assert sem_w(reader) == written - read
        while read < written:
            with reader.read_frame(PEER_TIMEOUT) as frame:
                read += 1
                assert frame.sequence == read
            assert sem_w(reader) == written - read
    assert_none(name)


def test_polling_reader_drains_left_tokens_every_interval(monkeypatch):
    # C# drains every 65,536 frames taken without a token; a small interval shows the rule.
    monkeypatch.setattr(reader_module, "_STALE_TOKEN_DRAIN_INTERVAL", 8)
    name = unique("ws-drain-interval")
    with Reader(name, BufferConfig(0, 4096), wait_strategy=WaitStrategy.BUSY_SPIN) as reader, Writer(name) as writer:
        for i in range(20):
            writer.write_frame(pattern(i, 10))
        assert sem_w(reader) == 20
        for sequence in range(1, 9):
            reader.read_frame(0).release()
            assert sem_w(reader) == 20, "tokens are left behind up to the interval"
        reader.read_frame(0).release()  # the 9th frame taken without a token
        assert sem_w(reader) == 0
    assert_none(name)


# ----------------------------------------------------------------------------- the strategy types

def test_spin_budget_validation():
    assert SpinThenBlockWaitStrategy().spin_budget == SpinThenBlockWaitStrategy.DEFAULT_SPIN_BUDGET == 50e-6
    assert SpinThenBlockWaitStrategy(0).spin_budget == 0
    assert SpinThenBlockWaitStrategy(1.0).spin_budget == 1.0
    for bad in (-1e-6, 1.5, math.nan):
        with pytest.raises(ValueError) as raised:
            SpinThenBlockWaitStrategy(bad)
        assert repr(bad) in str(raised.value)
    with pytest.raises(TypeError):
        SpinThenBlockWaitStrategy("50us")  # type: ignore[arg-type]
    assert not SpinThenBlockWaitStrategy(0).idle(0, 0.0), "a zero budget sleeps at once"
    assert SpinThenBlockWaitStrategy(1.0).idle(0, 0.0)
    assert SpinThenBlockWaitStrategy(1.0).idle(1000, 0.5), "polls again at once however many polls came before"
    assert not SpinThenBlockWaitStrategy(1e-3).idle(5, 1e-3)
    assert not WaitStrategy.BLOCKING.idle(0, 0.0)
    assert WaitStrategy.BUSY_SPIN.idle(10**9, 3600.0)



def test_parse_names_and_defaults():
    assert WaitStrategy.parse("blocking") is WaitStrategy.BLOCKING
    assert WaitStrategy.parse("spin-then-block") is WaitStrategy.SPIN_THEN_BLOCK
    assert WaitStrategy.parse("busy-spin") is WaitStrategy.BUSY_SPIN
    assert wait.parse("busy-spin") is WaitStrategy.BUSY_SPIN
    for bad in ("Blocking", "spin", "", "busy_spin", "spin-then-block:", "spin-then-block:-5us", "spin-then-block:2000000us",
                "spin-then-block:200", "spin-then-block: 200us", "spin-then-block:٣us"):
        with pytest.raises(ValueError) as raised:
            WaitStrategy.parse(bad)
        assert repr(bad) in str(raised.value)
    with pytest.raises(TypeError):
        WaitStrategy.parse(None)  # type: ignore[arg-type]
    assert [str(s) for s in STRATEGIES] == IDS
    assert isinstance(WaitStrategy.BLOCKING, BlockingWaitStrategy)
    assert isinstance(WaitStrategy.BUSY_SPIN, BusySpinWaitStrategy)
    assert isinstance(WaitStrategy.SPIN_THEN_BLOCK, SpinThenBlockWaitStrategy)
    assert WaitStrategy.DEFAULT is WaitStrategy.SPIN_THEN_BLOCK
    assert "WaitStrategy" in zerobuffer.__all__
    with pytest.raises(TypeError):
        WaitStrategy()  # type: ignore[abstract]


def test_custom_spin_budget_round_trips_through_its_name():
    strategy = SpinThenBlockWaitStrategy(200e-6)
    assert str(strategy) == "spin-then-block:200us"
    parsed = WaitStrategy.parse(str(strategy))
    assert isinstance(parsed, SpinThenBlockWaitStrategy) and parsed.spin_budget == 200e-6
    assert WaitStrategy.parse("spin-then-block:1000000us").spin_budget == 1.0
    assert WaitStrategy.parse("spin-then-block:0us").spin_budget == 0
    assert str(SpinThenBlockWaitStrategy(50e-6)) == "spin-then-block"


def test_endpoint_strategy_defaults_and_setters():
    name = unique("ws-props")
    with Reader(name, BufferConfig(0, 1024)) as reader, Writer(name) as writer:
        assert reader.wait_strategy is WaitStrategy.DEFAULT
        assert writer.wait_strategy is WaitStrategy.DEFAULT
        reader.wait_strategy = WaitStrategy.BUSY_SPIN
        writer.wait_strategy = WaitStrategy.BLOCKING
        assert reader.wait_strategy is WaitStrategy.BUSY_SPIN and writer.wait_strategy is WaitStrategy.BLOCKING
        for endpoint in (reader, writer):
            with pytest.raises(TypeError):
                endpoint.wait_strategy = None
            with pytest.raises(TypeError):
                endpoint.wait_strategy = "busy-spin"
    with pytest.raises(TypeError):
        Reader(name, BufferConfig(0, 1024), wait_strategy="blocking")  # type: ignore[arg-type]
    assert_none(name)


def test_duplex_options_apply_the_strategy_to_both_endpoints():
    def echo(request, response):
        response.write(request.data)

    server_options = DuplexServerOptions(wait_strategy=WaitStrategy.BUSY_SPIN)
    client_options = DuplexClientOptions(wait_strategy=WaitStrategy.BLOCKING)
    assert DuplexServerOptions().wait_strategy is WaitStrategy.DEFAULT
    assert DuplexClientOptions().wait_strategy is WaitStrategy.DEFAULT
    with DuplexPair.immutable(echo, options=server_options, client_options=client_options) as pair:
        sequence = pair.client.send_request(b"ping")
        with pair.client.receive_response(RECEIVE_TIMEOUT) as response:
            assert response.sequence == sequence and bytes(response.data) == b"ping"
        assert pair.client._requests.wait_strategy is WaitStrategy.BLOCKING
        assert pair.client._responses.wait_strategy is WaitStrategy.BLOCKING
        assert pair.server._requests.wait_strategy is WaitStrategy.BUSY_SPIN
        assert pair.server._responses.wait_strategy is WaitStrategy.BUSY_SPIN
        assert pair.errors == []
    with pytest.raises(TypeError):
        DuplexServerOptions(wait_strategy="busy-spin").validate()  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- batch_releases

RING = 64 * 1024  # batch threshold min(64 KiB, P/8) = 8 KiB


def test_batch_releases_hold_back_space_while_reading():
    name = unique("ws-batch-hold")
    with Reader(name, BufferConfig(0, RING)) as reader, Writer(name) as writer:
        assert not reader.batch_releases
        reader.batch_releases = True
        assert reader.batch_releases
        for i in range(10):
            writer.write_frame(pattern(i, 1000 - HEADER))  # 1000 bytes per frame
        for released in range(1, 9):
            reader.read_frame(0).release()
            assert free(reader) == RING - 10 * 1000, "%d releases (%d bytes) are held back" % (released, released * 1000)
            assert sem_r(reader) == 0
        reader.read_frame(0).release()  # 9000 bytes >= the 8192-byte threshold: published as one batch
        assert free(reader) == RING - 1000
        assert sem_r(reader) == 1
        reader.read_frame(0).release()
        assert free(reader) == RING - 1000
    assert_none(name)


def test_batch_releases_published_before_the_reader_waits():
    name = unique("ws-batch-wait")
    with Reader(name, BufferConfig(0, RING)) as reader, Writer(name) as writer:
        reader.batch_releases = True
        for i in range(2):
            writer.write_frame(pattern(i, 100))
        reader.read_frame(0).release()
        reader.read_frame(0).release()
        assert free(reader) == RING - 2 * (HEADER + 100)
        assert not reader.read_frame(0.01).is_valid
        assert free(reader) == RING
        assert sem_r(reader) == 1, "one sem-r post per publication"
    assert_none(name)


def test_batch_releases_published_at_once_while_the_reader_waits():
    name = unique("ws-batch-during-wait")
    signalling = Signalling(WaitStrategy.BLOCKING)
    with Reader(name, BufferConfig(0, RING), wait_strategy=signalling) as reader, Writer(name) as writer:
        reader.batch_releases = True
        writer.write_frame(pattern(1, 100))
        held = reader.read_frame(0)
        assert held.is_valid

        def release_while_reader_waits():
            assert signalling.waiting.wait(PEER_TIMEOUT)
            held.release()
            seen = free(reader)
            writer.write_frame(pattern(2, 100))  # ends the reader's wait
            return seen

        seen = in_thread(release_while_reader_waits)
        with reader.read_frame(PEER_TIMEOUT) as frame:
            assert frame.sequence == 2
        assert seen.result(PEER_TIMEOUT) == RING, "a release while the reader waits is published at once"
    assert_none(name)


def test_turning_batch_releases_off_publishes_held_back_space():
    name = unique("ws-batch-off")
    with Reader(name, BufferConfig(0, RING)) as reader, Writer(name) as writer:
        reader.batch_releases = True
        for i in range(3):
            writer.write_frame(pattern(i, 100))
        for _ in range(3):
            reader.read_frame(0).release()
        assert free(reader) == RING - 3 * (HEADER + 100)
        reader.batch_releases = False
        assert not reader.batch_releases
        assert free(reader) == RING
        assert sem_r(reader) == 1
        # Off: every release is published at once again.
        writer.write_frame(pattern(3, 100))
        reader.read_frame(0).release()
        assert free(reader) == RING
    assert_none(name)


def test_batch_releases_changed_after_close_raises_instead_of_touching_unmapped_memory():
    # Space held back when the reader closes is dropped with the buffer; publishing it later would
    # write into the unmapped control block.
    name = unique("ws-batch-closed")
    reader = Reader(name, BufferConfig(0, RING))
    with Writer(name) as writer:
        reader.batch_releases = True
        writer.write_frame(pattern(1, 100))
        reader.read_frame(0).release()
        assert free(reader) == RING - (HEADER + 100)
    reader.close()
    with pytest.raises(ObjectDisposedError):
        reader.batch_releases = False
    assert_none(name)


# ----------------------------------------------------------------------------- prefault

def _exchange_with_prefault(name: str) -> None:
    with Reader(name, BufferConfig(256, 16 * 4096)) as reader, Writer(name) as writer:
        writer.set_metadata(b"prefault metadata")
        for i in range(5):
            writer.write_frame(pattern(i, 3000))
        before = reader.get_status()
        reader.prefault()
        writer.prefault()
        assert reader.get_status() == before
        assert bytes(reader.get_metadata()) == b"prefault metadata"
        for i in range(5):
            with reader.read_frame(0) as frame:
                assert frame.to_bytes() == pattern(i, 3000)
        writer.write_frame(pattern(9, 10))
        with reader.read_frame(PEER_TIMEOUT) as frame:
            assert frame.to_bytes() == pattern(9, 10)
    assert_none(name)


def test_prefault_leaves_contents_unchanged():
    _exchange_with_prefault(unique("ws-prefault"))


def test_prefault_falls_back_to_touching_pages_without_madv_populate_write(monkeypatch):
    calls = []

    def no_populate_write(address, length, advice):  # a kernel before 5.14
        calls.append(advice)
        ctypes.set_errno(errno.EINVAL)
        return -1

    monkeypatch.setattr(libc, "madvise", no_populate_write)
    _exchange_with_prefault(unique("ws-prefault-old"))
    assert calls == [libc.MADV_POPULATE_WRITE, libc.MADV_POPULATE_WRITE]


def test_prefault_reports_other_kernel_refusals(monkeypatch):
    def refuse(address, length, advice):
        ctypes.set_errno(errno.ENOMEM)
        return -1

    name = unique("ws-prefault-enomem")
    with Reader(name, BufferConfig(0, 4096)) as reader:
        monkeypatch.setattr(libc, "madvise", refuse)
        with pytest.raises(SystemCallError) as raised:
            reader.prefault()
        assert raised.value.errno == errno.ENOMEM
    assert_none(name)


# ----------------------------------------------------------------------------- cross-process

def test_csharp_writer_to_python_busy_spin_reader():
    name = unique("ws-cs-busy-spin")
    count = 3000
    sizes = [1, 100, 1000, 4000, 17, 2047]
    with Reader(name, BufferConfig(0, 16 * 1024), wait_strategy=WaitStrategy.BUSY_SPIN) as reader:
        with PeerProcess.csharp("write", name, "--count", str(count), "--sizes", ",".join(map(str, sizes)),
                                "--exit", "--json") as writer:
            for sequence in range(1, count + 1):
                with reader.read_frame(30) as frame:
                    assert frame.is_valid, "no frame %d; C# stderr: %s" % (sequence, writer.error_output)
                    assert frame.sequence == sequence
                    assert frame.size == sizes[(sequence - 1) % len(sizes)]
                    assert frame.data == sequence_pattern(frame.size, sequence), "frame %d content" % sequence
            with reader.read_frame(30) as frame:
                assert frame.to_bytes() == b"EXIT"
            assert writer.wait_for_exit() == 0
        assert reader.get_status().payload_free_bytes == 16 * 1024
        start = time.monotonic()
        with pytest.raises(WriterClosedError):  # the C# writer closed its session: the end of the stream
            reader.read_frame(30)
        assert_within_bound(time.monotonic() - start, "the exited C# writer was reported")
    assert_none(name)


# ----------------------------------------------------------------------------- spin history

def test_four_long_waits_stop_the_spinning_and_one_short_wait_brings_it_back():
    budget = SpinThenBlockWaitStrategy(50e-6)
    history = SpinHistory()
    for i in range(LONG_WAITS_BEFORE_SKIPPING):
        assert history.should_poll(budget), "still spinning after %d long waits" % i
        history.record(budget, 500e-6)
    assert not history.should_poll(budget)
    assert history.skips_spinning
    history.record(budget, 500e-6)
    assert not history.should_poll(budget), "more long waits change nothing"
    history.record(budget, 30e-6)
    assert history.should_poll(budget), "a wait a spin would have caught brings spinning back"
    assert not history.skips_spinning


def _skipping(budget):
    history = SpinHistory()
    for _ in range(LONG_WAITS_BEFORE_SKIPPING):
        assert history.should_poll(budget)
        history.record(budget, 500e-6)
    assert history.skips_spinning
    return history


def test_while_skipping_probes_come_at_doubling_spacings_up_to_256_and_a_short_probe_ends_it():
    """A slept wait's length includes the kernel's wake-up, so a long one proves nothing: probes
    (polled waits) come after 8, 16, 32 ... 256 skipped waits."""
    budget = SpinThenBlockWaitStrategy(50e-6)
    history = _skipping(budget)
    polled_at = []
    for wait in range(1, 8 + 16 + 32 + 64 + 128 + 256 + 256 + 1):
        if history.should_poll(budget):
            polled_at.append(wait)
        history.record(budget, 5e-3)
    assert polled_at == [8, 24, 56, 120, 248, 504, 760]
    assert history.skips_spinning
    for _ in range(255):
        assert not history.should_poll(budget)
    assert history.should_poll(budget), "a probe"
    history.record(budget, 2e-6)
    assert not history.skips_spinning
    assert history.should_poll(budget)


def test_a_slept_wait_within_the_budget_ends_the_skipping_and_probes_start_again_at_8():
    budget = SpinThenBlockWaitStrategy(50e-6)
    history = _skipping(budget)
    assert not history.should_poll(budget)
    history.record(budget, 40e-6)
    assert not history.skips_spinning

    history = _skipping(budget)
    for _ in range(8 + 16):
        history.should_poll(budget)
        history.record(budget, 5e-3)
    history.should_poll(budget)
    history.record(budget, 10e-6)
    for _ in range(LONG_WAITS_BEFORE_SKIPPING):
        assert history.should_poll(budget)
        history.record(budget, 500e-6)
    first_probe = next(i for i in range(1, 301) if history.should_poll(budget))
    assert first_probe == FIRST_PROBE_AFTER


def test_a_short_wait_between_long_ones_starts_the_count_again():
    budget = SpinThenBlockWaitStrategy(50e-6)
    history = SpinHistory()
    for _ in range(LONG_WAITS_BEFORE_SKIPPING - 1):
        history.record(budget, 500e-6)
    history.record(budget, 50e-6)  # exactly the budget counts as caught
    for _ in range(LONG_WAITS_BEFORE_SKIPPING - 1):
        history.record(budget, 500e-6)
    assert history.should_poll(budget)


def test_other_strategies_always_poll_as_they_say():
    for strategy in (WaitStrategy.BLOCKING, WaitStrategy.BUSY_SPIN):
        history = SpinHistory()
        for _ in range(10):
            history.record(strategy, 1.0)
        assert history.should_poll(strategy)
        assert not history.skips_spinning


class _Forwarding(WaitStrategy):
    """Observes another strategy's waits and says so: the endpoint keeps learning."""

    def __init__(self, inner: WaitStrategy) -> None:
        self.inner = inner

    def idle(self, attempt: int, waited: float) -> bool:
        return self.inner.idle(attempt, waited)

    @property
    def adaptive_spin_budget(self):
        return self.inner.adaptive_spin_budget


class _Opaque(WaitStrategy):
    """A custom strategy that does not say: polled exactly as it says, every wait."""

    def __init__(self, inner: WaitStrategy) -> None:
        self.inner = inner

    def idle(self, attempt: int, waited: float) -> bool:
        return self.inner.idle(attempt, waited)


def test_only_strategies_with_an_adaptive_budget_learn_and_a_wrapper_learns_through_the_wrapped_one():
    budget = SpinThenBlockWaitStrategy(50e-6)
    assert budget.adaptive_spin_budget == 50e-6
    assert WaitStrategy.BLOCKING.adaptive_spin_budget is None
    assert WaitStrategy.BUSY_SPIN.adaptive_spin_budget is None
    for strategy, learns in ((_Forwarding(budget), True), (_Opaque(budget), False)):
        history = SpinHistory()
        for _ in range(LONG_WAITS_BEFORE_SKIPPING):
            assert history.should_poll(strategy)
            history.record(strategy, 500e-6)
        assert history.skips_spinning == learns
        assert history.should_poll(strategy) == (not learns)


def test_reader_that_stopped_spinning_still_wakes_for_the_next_frame():
    """Timed-out reads of 1 ms against a 1 µs budget stop the spinning; a frame written while
    the reader waits still reaches it, through its semaphore alone."""
    name = unique("ws-history")
    with Reader(name, BufferConfig(0, 4096), wait_strategy=SpinThenBlockWaitStrategy(1e-6)) as reader, Writer(name) as writer:
        for _ in range(LONG_WAITS_BEFORE_SKIPPING):
            assert not reader.read_frame(0.001).is_valid
        assert reader._spins.skips_spinning

        def read_one():
            with reader.read_frame(PEER_TIMEOUT) as frame:
                return frame.sequence, frame.to_bytes()

        done = in_thread(read_one)
        writer.write_frame(pattern(1, 100))
        assert done.result(PEER_TIMEOUT) == (1, pattern(1, 100))
    assert_none(name)

