"""Duplex interop: C# ``zerobuffer serve`` answering the Python client, and a Python server
answering C# ``zerobuffer call``; responses correlated by the request's sequence both ways; error
responses both ways (a C# handler's failure reaches the Python client, a Python handler's the C#
one); two C# clients served at once in two sessions of a Python server; and a SIGKILLed C#
server reported to the Python client's pending requests."""

from __future__ import annotations

import threading
import time

import pytest

from zerobuffer import BufferConfig, DuplexHandlerError, ErrorKind, WriterDeadError
from zerobuffer.duplex import DuplexChannelFactory, DuplexServerOptions, ProcessingMode, request_buffer_name

from ..duplex_support import ErrorLog, assert_channel_gone
from ..support import DEAD_PEER_BOUND, PeerProcess, remove_abandoned_buffer, unique

CALL_EXIT_DUPLEX_HANDLER_FAILED = 10 + ErrorKind.DUPLEX_HANDLER_FAILED  # 27


@pytest.mark.parametrize("mode", ["single", "pool"])
def test_csharp_server_python_client(mode):
    channel = unique("io-dx-cs-srv")
    with PeerProcess.csharp("serve", channel, "--reverse", "--mode", mode, "--json") as server:
        server.wait_for_event("ready")
        with DuplexChannelFactory().create_client(channel) as client:
            assert client.session == 0
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
    assert_channel_gone(channel)


@pytest.mark.parametrize("style", ["sync", "async"])
def test_csharp_server_fail_every_reaches_the_python_client_at_once(style):
    channel = unique("io-dx-cs-fail")
    with PeerProcess.csharp("serve", channel, "--echo", "--fail-every", "3", "--json") as server:
        server.wait_for_event("ready")
        with DuplexChannelFactory().create_client(channel) as client:
            outcomes: list[object] = []
            for i in range(1, 8):
                payload = b"frame-%d" % i
                if style == "sync":
                    sequence = client.send_request(payload)
                    try:
                        with client.receive_response(10) as response:
                            assert response.is_valid, "no answer to request %d" % sequence
                            outcomes.append((response.sequence, response.to_bytes()))
                    except DuplexHandlerError as ex:
                        outcomes.append(ex)
                else:
                    try:
                        answer = client.send_async(payload).result(10)
                        outcomes.append((answer.sequence, answer.payload))
                    except DuplexHandlerError as ex:
                        outcomes.append(ex)
            for i, outcome in enumerate(outcomes, start=1):
                if i % 3 == 0:
                    assert isinstance(outcome, DuplexHandlerError), outcome
                    assert outcome.request_sequence == i
                    assert outcome.remote_type == "System.IO.InvalidDataException"
                    assert outcome.remote_message == "request %d failed on purpose (--fail-every 3)" % i
                    assert outcome.kind is ErrorKind.DUPLEX_HANDLER_FAILED
                else:
                    assert outcome == (i, b"frame-%d" % i)
        server.wait_for_event("server-error", index=1)  # printed before the error response is sent, read by the pump any time after
        failures = server.events("server-error")
        assert [(e["session"], e["sequence"]) for e in failures] == [(0, 3), (0, 6)]
        server.terminate()
        assert server.wait_for_exit() == 130
        assert server.wait_for_event("done")["requests"] == 7
    assert_channel_gone(channel)


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
        for _ in range(2):  # one client after another, both in session 0
            with PeerProcess.csharp("call", channel, "--text", "hello duplex", "--count", "5",
                                    "--connect-timeout-ms", "10000", "--json") as call:
                assert call.wait_for_exit() == 0, call.error_output
                assert call.events("connected")[0]["session"] == 0
                responses = call.events("response")
                assert [r["sequence"] for r in responses] == [1, 2, 3, 4, 5]
                assert all(r["text"] == "HELLO DUPLEX" for r in responses)
                assert call.events("done")[0]["requests"] == 5
        assert server.is_running, "a server serves clients until it is stopped"
    finally:
        server.close()
    assert server.wait(10)
    assert_channel_gone(channel)


def test_python_handler_failure_reaches_csharp_call():
    channel = unique("io-dx-py-fail")
    server = DuplexChannelFactory().create_immutable_server(channel, BufferConfig(0, 64 * 1024))
    errors = ErrorLog()
    server.on_error.append(errors)

    def refuse(request, response):
        raise ValueError("cannot decode frame %d: bad header" % request.sequence)

    server.start(refuse)
    try:
        with PeerProcess.csharp("call", channel, "--text", "x", "--count", "3", "--json") as call:
            assert call.wait_for_exit() == CALL_EXIT_DUPLEX_HANDLER_FAILED, call.error_output
            error = call.events("error")[0]
            assert error["kind"] == "DuplexHandlerFailed"
            assert "ValueError" in error["message"] and "cannot decode frame 1: bad header" in error["message"]
            assert "cannot decode frame 1: bad header" in call.error_output
            assert call.events("response") == []
        (failure, sequence, session), = errors.wait_for(1)
        assert isinstance(failure, ValueError) and (sequence, session) == (1, 0)
    finally:
        server.close()
    assert server.wait(10) and not server.is_running
    assert_channel_gone(channel)


def test_two_csharp_calls_at_once_are_served_in_sessions_0_and_1():
    channel = unique("io-dx-py-two")
    server = DuplexChannelFactory().create_immutable_server(channel, BufferConfig(0, 64 * 1024))
    errors = ErrorLog()
    server.on_error.append(errors)
    # The first request of each session waits until both sessions have one: the calls are
    # served at the same time (a server of one client at a time would break the barrier).
    both = threading.Barrier(2)

    def upper(request, response):
        if request.sequence == 1:
            both.wait(30)
        response.write(bytes(request.data).upper())

    server.start(upper)
    try:
        with PeerProcess.csharp("call", channel, "--text", "alpha", "--count", "4", "--connect-timeout-ms", "10000", "--json") as first, \
                PeerProcess.csharp("call", channel, "--text", "beta", "--count", "4", "--connect-timeout-ms", "10000", "--json") as second:
            assert first.wait_for_exit() == 0, first.error_output
            assert second.wait_for_exit() == 0, second.error_output
            sessions = sorted(call.events("connected")[0]["session"] for call in (first, second))
            assert sessions == [0, 1]
            for call, text in ((first, "ALPHA"), (second, "BETA")):
                responses = call.events("response")
                assert [r["sequence"] for r in responses] == [1, 2, 3, 4]
                assert all(r["text"] == text for r in responses)
        assert errors == []
        assert server.session_count == 3  # the one opened for a third client
    finally:
        server.close()
    assert_channel_gone(channel)


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
    remove_abandoned_buffer(request_buffer_name(channel, 1))  # the session the server had opened for a next client
    assert_channel_gone(channel)

