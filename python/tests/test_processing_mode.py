"""ProcessingModeTests (test matrix): SINGLE_THREAD runs handlers one at a time in request order;
THREAD_POOL overlaps them (on a default pool or a caller-supplied executor)."""

from __future__ import annotations

import concurrent.futures
import threading

from zerobuffer.duplex import DuplexServerOptions, ProcessingMode

from .duplex_support import RECEIVE_TIMEOUT, DuplexPair, HandlerProbe

OVERLAP_DEADLINE = 10.0


def _send_all_then_check(pair: DuplexPair, count: int, expect_in_order: bool) -> None:
    """Sends ``count`` 8-byte requests without waiting, then checks every response answers its request (payload + 1)."""
    expected = {}
    for i in range(count):
        value = 1000 + i
        expected[pair.client.send_request(value.to_bytes(8, "little"))] = value + 1
    arrival = []
    for i in range(count):
        with pair.client.receive_response(RECEIVE_TIMEOUT) as response:
            assert response.is_valid, "response %d of %d missing" % (i + 1, count)
            answer = expected.pop(response.sequence)
            assert int.from_bytes(response.data, "little") == answer
            arrival.append(response.sequence)
    assert expected == {}
    if expect_in_order:
        assert arrival == sorted(arrival)


def _plus_one(probe: HandlerProbe, during=None):
    def handler(request, response):
        probe.enter(request.sequence)
        try:
            if during is not None:
                during(request.sequence)
            target = response.get_buffer(8)
            target[:] = (int.from_bytes(request.data, "little") + 1).to_bytes(8, "little")
            response.commit()
        finally:
            probe.exit()
    return handler


def test_single_thread_mode():
    probe = HandlerProbe()
    with DuplexPair.immutable(_plus_one(probe), options=DuplexServerOptions(mode=ProcessingMode.SINGLE_THREAD)) as pair:
        assert pair.server.mode is ProcessingMode.SINGLE_THREAD
        _send_all_then_check(pair, 50, expect_in_order=True)
        assert probe.max_running == 1
        assert len(probe.threads) == 1
        assert probe.order == list(range(1, 51))
        assert pair.errors == []


def test_multi_thread_mode():
    probe = HandlerProbe()
    # Requests 1 and 2 each wait until both are inside a handler: this completes only when two
    # handlers run at once (a one-at-a-time server would fail here at the deadline).
    both_inside = threading.Barrier(2)
    overlapped: list[bool] = []

    def during(sequence: int) -> None:
        if sequence <= 2:
            try:
                both_inside.wait(OVERLAP_DEADLINE)
                overlapped.append(True)
            except threading.BrokenBarrierError:
                overlapped.append(False)

    options = DuplexServerOptions(mode=ProcessingMode.THREAD_POOL, max_concurrency=4)
    with DuplexPair.immutable(_plus_one(probe, during), options=options) as pair:
        assert pair.server.mode is ProcessingMode.THREAD_POOL
        _send_all_then_check(pair, 200, expect_in_order=False)
        assert overlapped == [True, True]
        assert 2 <= probe.max_running <= 4, "max concurrency %d" % probe.max_running
        assert pair.errors == []


def test_custom_thread_pool_mode():
    probe = HandlerProbe()
    executed = []

    class CountingExecutor(concurrent.futures.ThreadPoolExecutor):
        def submit(self, fn, /, *args, **kwargs):  # type: ignore[override]
            executed.append(1)
            return super().submit(fn, *args, **kwargs)

    with CountingExecutor(2, thread_name_prefix="custom-duplex") as executor:
        options = DuplexServerOptions(mode=ProcessingMode.THREAD_POOL, executor=executor, max_concurrency=2)
        with DuplexPair.immutable(_plus_one(probe), options=options) as pair:
            _send_all_then_check(pair, 100, expect_in_order=False)
            assert pair.errors == []
        assert len(probe.order) == 100
        assert probe.threads and all(name.startswith("custom-duplex") for name in probe.threads)
        assert len(executed) == 100
        assert 1 <= probe.max_running <= 2


def test_default_mode_is_single_thread():
    probe = HandlerProbe()
    with DuplexPair.immutable(_plus_one(probe)) as pair:
        assert pair.server.mode is ProcessingMode.SINGLE_THREAD
        assert DuplexServerOptions().mode is ProcessingMode.SINGLE_THREAD
        _send_all_then_check(pair, 30, expect_in_order=True)
        assert probe.max_running == 1
        assert len(probe.threads) == 1
