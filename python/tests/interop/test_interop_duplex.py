"""Duplex interop: C# ``zerobuffer serve`` answering the Python client, and a Python server
answering C# ``zerobuffer call``; responses correlated by the request's sequence both ways, and a
SIGKILLed C# server reported to the Python client's pending requests."""

from __future__ import annotations

import time

import pytest

from zerobuffer import BufferConfig, WriterDeadError
from zerobuffer.duplex import (DuplexChannelFactory, DuplexServerOptions, ProcessingMode, request_buffer_name,
                               response_buffer_name)

from ..support import DEAD_PEER_BOUND, PeerProcess, assert_none, remove_abandoned_buffer, unique


@pytest.mark.parametrize("mode", ["single", "pool"])
def test_csharp_server_python_client(mode):
    channel = unique("io-dx-cs-srv")
    with PeerProcess.csharp("serve", channel, "--reverse", "--mode", mode, "--json") as server:
        server.wait_for_event("ready")
        with DuplexChannelFactory().create_client(channel) as client:
            futures = [(b"req-%04d" % i, client.send_async(b"req-%04d" % i)) for i in range(1000)]
            for index, (payload, future) in enumerate(futures):
                response = future.result(10)
                assert response.sequence == index + 1
                assert response.payload == payload[::-1]
            sequence = client.send_request(b"sync")  # the synchronous style cannot follow send_async on one client
            assert sequence == 1001
        server.terminate()  # serve runs until Ctrl+C / SIGTERM, serving one client after another
        assert server.wait_for_exit() == 130
        done = server.wait_for_event("done")
        assert done["requests"] == 1001
    assert_none(request_buffer_name(channel))
    assert_none(response_buffer_name(channel))


@pytest.mark.parametrize("mode", [ProcessingMode.SINGLE_THREAD, ProcessingMode.THREAD_POOL])
def test_python_server_csharp_call(mode):
    channel = unique("io-dx-py-srv")
    server = DuplexChannelFactory().create_mutable_server(channel, BufferConfig(1024, 64 * 1024),
                                                          DuplexServerOptions(mode=mode, max_concurrency=2))

    def upper(request):
        view = request.get_mutable_view()
        view[:] = bytes(view).upper()

    server.start(upper)
    try:
        with PeerProcess.csharp("call", channel, "--text", "hello duplex", "--count", "5", "--json") as call:
            assert call.wait_for_exit() == 0, call.error_output
            responses = call.events("response")
            assert [r["sequence"] for r in responses] == [1, 2, 3, 4, 5]
            assert all(r["text"] == "HELLO DUPLEX" for r in responses)
            assert call.events("done")[0]["requests"] == 5
        assert server.wait(10), "the session ends when the C# client leaves"
    finally:
        server.close()
    assert_none(request_buffer_name(channel))
    assert_none(response_buffer_name(channel))


def test_killed_csharp_server_fails_pending_python_requests():
    channel = unique("io-dx-kill")
    with PeerProcess.csharp("serve", channel, "--echo", "--delay-ms", "60000", "--log-requests", "--json") as server:
        server.wait_for_event("ready")
        client = DuplexChannelFactory().create_client(channel)
        try:
            pending = client.send_async(b"never answered")
            server.wait_for_event("request")  # the server is busy with this request when it dies
            server.kill()
            start = time.monotonic()
            with pytest.raises(WriterDeadError):
                pending.result(10)
            assert time.monotonic() - start < DEAD_PEER_BOUND + 0.5
        finally:
            client.close()
    remove_abandoned_buffer(request_buffer_name(channel))
    remove_abandoned_buffer(request_buffer_name(channel) + ".1")  # the session the server had opened for a next client
    assert_none(request_buffer_name(channel))
    assert_none(request_buffer_name(channel) + ".1")
    assert_none(response_buffer_name(channel))
