"""DuplexChannelTests and DuplexChannelIntegrationTests (test matrix), for :mod:`zerobuffer.duplex`."""

from __future__ import annotations

import hashlib
import os
import threading
import time

import pytest

from zerobuffer import BufferConfig, ReaderDeadError
from zerobuffer.duplex import DuplexChannelFactory

from .duplex_support import RECEIVE_TIMEOUT, DuplexPair, assert_channel_gone
from .support import PeerProcess, unique


def _echo(request, response):
    response.write(request.data)


# ----------------------------------------------------------------------------- DuplexChannelTests

def test_immutable_server_echo_test():
    with DuplexPair.immutable(_echo) as pair:
        payload = bytes(range(200))
        sequence = pair.client.send_request(payload)
        with pair.client.receive_response(RECEIVE_TIMEOUT) as response:
            assert response.is_valid
            assert bytes(response.data) == payload
            assert response.sequence == sequence
        assert pair.errors == []


def test_immutable_server_transform_test():
    def reverse(request, response):
        target = response.get_buffer(request.size)
        target[:] = bytes(request.data)[::-1]
        response.commit()

    with DuplexPair.immutable(reverse) as pair:
        for text in (b"hello", b"duplex channel", b"x"):
            sequence = pair.client.send_request(text)
            with pair.client.receive_response(RECEIVE_TIMEOUT) as response:
                assert bytes(response.data) == text[::-1]
                assert response.sequence == sequence
        assert pair.errors == []


def test_latency_measurement_test():
    with DuplexPair.immutable(_echo) as pair:
        payload = os.urandom(1024)
        latencies = []
        for _ in range(100):
            start = time.perf_counter()
            sequence = pair.client.send_request(payload)
            with pair.client.receive_response(RECEIVE_TIMEOUT) as response:
                assert response.sequence == sequence and bytes(response.data) == payload
            latencies.append(time.perf_counter() - start)
        latencies.sort()
        p50, p99 = latencies[49], latencies[98]
        print("round trip of 1 KiB: p50 %.1f us, p99 %.1f us" % (p50 * 1e6, p99 * 1e6))
        assert p99 < 5.0  # loose liveness bound only, never a throughput claim


def test_server_stop_client_handles_gracefully():
    with DuplexPair.immutable(_echo) as pair:
        pair.client.send_request(b"one")
        with pair.client.receive_response(RECEIVE_TIMEOUT) as response:
            assert bytes(response.data) == b"one"
        pair.server.stop()
        assert not pair.server.is_running
        with pytest.raises(ReaderDeadError):
            pair.client.send_request(b"two")


def test_mutable_server_in_place_transform_test():
    def invert(request):
        view = request.get_mutable_view()
        view[:] = bytes(b ^ 0xFF for b in view)

    with DuplexPair.mutable(invert) as pair:
        payload = bytes(range(256))
        sequence = pair.client.send_request(payload)
        with pair.client.receive_response(RECEIVE_TIMEOUT) as response:
            assert bytes(response.data) == bytes(b ^ 0xFF for b in payload)
            assert response.sequence == sequence
        assert pair.errors == []


# ----------------------------------------------------------------------------- DuplexChannelIntegrationTests

def test_simplified_protocol_echo_test():
    with DuplexPair.immutable(_echo) as pair:
        response = pair.client.send_async(b"ping").result(RECEIVE_TIMEOUT)
        assert response.payload == b"ping"
        assert response.sequence == 1


def test_zero_copy_client_test():
    with DuplexPair.immutable(_echo) as pair:
        buffer, sequence = pair.client.acquire_request_buffer(4096)
        buffer[:] = bytes(i & 0xFF for i in range(4096))
        buffer.release()
        pair.client.commit_request()
        with pair.client.receive_response(RECEIVE_TIMEOUT) as response:
            assert response.sequence == sequence
            assert bytes(response.data) == bytes(i & 0xFF for i in range(4096))


def test_independent_send_receive_test():
    with DuplexPair.immutable(_echo) as pair:
        count = 500
        sent: dict[int, bytes] = {}
        sent_lock = threading.Lock()
        received: list[tuple[int, bytes]] = []

        def send() -> None:
            for i in range(count):
                payload = i.to_bytes(4, "little") * 4
                with sent_lock:
                    sent[pair.client.send_request(payload)] = payload

        def receive() -> None:
            for _ in range(count):
                with pair.client.receive_response(RECEIVE_TIMEOUT) as response:
                    assert response.is_valid
                    received.append((response.sequence, bytes(response.data)))

        sender = threading.Thread(target=send)
        receiver = threading.Thread(target=receive)
        sender.start()
        receiver.start()
        sender.join(60)
        receiver.join(60)
        assert len(received) == count
        for sequence, payload in received:
            assert sent[sequence] == payload
        assert sorted(s for s, _ in received) == list(range(1, count + 1))


def test_server_preserves_sequence_number_test():
    seen: list[int] = []

    def handler(request, response):
        seen.append(request.sequence)
        response.write(request.sequence.to_bytes(8, "little"))

    with DuplexPair.immutable(handler) as pair:
        for _ in range(20):
            sequence = pair.client.send_request(b"?")
            with pair.client.receive_response(RECEIVE_TIMEOUT) as response:
                assert response.sequence == sequence
                assert int.from_bytes(response.data, "little") == sequence
        assert seen == list(range(1, 21))


def test_cross_process_duplex_communication():
    channel = unique("dx-proc")
    with PeerProcess.python("serve", channel, "--reverse", "--json") as server:
        server.wait_for_event("ready")
        with DuplexChannelFactory().create_client(channel) as client:
            futures = []
            for i in range(1000):
                payload = b"request-%d" % i
                futures.append((payload, client.send_async(payload)))
            for payload, future in futures:
                response = future.result(RECEIVE_TIMEOUT)
                assert response.payload == payload[::-1]
            assert [f.result().sequence for _, f in futures] == list(range(1, 1001))
        server.terminate()  # a server serves one client after another until it is stopped
        assert server.wait_for_exit() == 130
        assert server.wait_for_event("done")["requests"] == 1000
    assert_channel_gone(channel)


def test_large_payload_duplex():
    size = 16 * 1024 * 1024
    config = BufferConfig(0, 2 * size + 4096)
    with DuplexPair.immutable(_echo, config=config) as pair:
        for seed in (1, 2):
            payload = hashlib.sha256(bytes([seed])).digest() * (size // 32)
            sequence = pair.client.send_request(payload)
            with pair.client.receive_response(30) as response:
                assert response.sequence == sequence and response.size == size
                assert hashlib.sha256(response.data).hexdigest() == hashlib.sha256(payload).hexdigest()
        assert pair.errors == []


def test_stress_test_duplex():
    total = 100_000
    window = 64  # requests in flight at once
    with DuplexPair.immutable(_echo, config=BufferConfig(0, 256 * 1024)) as pair:
        client = pair.client
        received = 0
        next_value = 0
        expected: dict[int, int] = {}
        while received < total:
            while next_value < total and len(expected) < window:
                expected[client.send_request(next_value.to_bytes(8, "little"))] = next_value
                next_value += 1
            with client.receive_response(RECEIVE_TIMEOUT) as response:
                assert response.is_valid, "response missing after %d" % received
                value = expected.pop(response.sequence)  # KeyError = duplicated or mismatched
                assert int.from_bytes(response.data, "little") == value
            received += 1
        assert expected == {}
        assert pair.errors == []
