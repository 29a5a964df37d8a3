"""Duplex sessions and error responses (protocol §8, ``docs/duplex.md``): a handler's failure
reaches the client at once as ``DuplexHandlerError``; a server serves clients one after another
(session renewed between them) and several at once (``C_request.k`` / ``C_response.k``); a client
takes the first free session or says why it could not; stop ends handlers through the response
writer's ``stop_event``."""

from __future__ import annotations

import concurrent.futures
import sys
import threading
import time

import pytest

from zerobuffer import (BufferConfig, BufferNotFoundError, DuplexHandlerError, ErrorKind, FrameTooLargeError, ObjectDisposedError, Reader,
                        WriterAlreadyConnectedError, WriterClosedError, Writer)
from zerobuffer.duplex import (MAX_CHANNEL_LENGTH, DuplexChannelFactory, DuplexClientOptions, DuplexServerOptions,
                               ProcessingMode, request_buffer_name, response_buffer_name)

from .duplex_support import RECEIVE_TIMEOUT, DuplexPair, ErrorLog, assert_channel_gone
from .support import PeerProcess, assert_none, unique

PATIENT = DuplexClientOptions(connect_timeout=RECEIVE_TIMEOUT)
"""A client that waits long enough for a session the server is opening or renewing, on a loaded machine."""


def _echo(request, response):
    response.write(request.data)


def _refuse_bad(request, response):
    if bytes(request.data) == b"bad":
        raise ValueError("request %d is malformed" % request.sequence)
    response.write(bytes(request.data).upper())


class _Server:
    """A started server on a fresh channel with an ErrorLog; ``close`` stops it and checks nothing is left."""

    def __init__(self, handler, options=None, mutable=False, config=None):
        self.channel = unique("dxs")
        factory = DuplexChannelFactory()
        create = factory.create_mutable_server if mutable else factory.create_immutable_server
        self.server = create(self.channel, config or BufferConfig(64, 64 * 1024), options)
        self.errors = ErrorLog()
        self.server.on_error.append(self.errors)
        self.server.start(handler)

    def client(self, options=None):
        return DuplexChannelFactory().create_client(self.channel, options)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.server.close()
        assert self.server.wait(RECEIVE_TIMEOUT) and not self.server.is_running
        assert_channel_gone(self.channel)


# ----------------------------------------------------------------------------- error responses

@pytest.mark.parametrize("style", ["sync", "async"])
def test_handler_that_raises_fails_its_request_at_once_and_the_next_is_answered(style):
    with DuplexPair.immutable(_refuse_bad) as pair:
        client = pair.client
        if style == "sync":
            sequence = client.send_request(b"bad")
            with pytest.raises(DuplexHandlerError) as failed:
                client.receive_response(RECEIVE_TIMEOUT)  # an unanswered request would return an invalid frame after the timeout
            next_sequence = client.send_request(b"good")
            with client.receive_response(RECEIVE_TIMEOUT) as response:
                assert (response.sequence, response.to_bytes()) == (next_sequence, b"GOOD")
        else:
            future = client.send_async(b"bad")
            failed_error = future.exception(RECEIVE_TIMEOUT)
            assert isinstance(failed_error, DuplexHandlerError)
            answer = client.send_async(b"good").result(RECEIVE_TIMEOUT)
            assert (answer.sequence, answer.payload) == (2, b"GOOD")
            sequence = 1
        error = failed.value if style == "sync" else failed_error
        assert error.request_sequence == sequence
        assert error.remote_type == "ValueError"
        assert error.remote_message == "request %d is malformed" % sequence
        assert error.kind is ErrorKind.DUPLEX_HANDLER_FAILED
        assert error.buffer_name == response_buffer_name(pair.channel)
        assert "request %d is malformed" % sequence in str(error)
        (reported, reported_sequence, session), = pair.errors.entries  # on_error is called before the client is answered
        assert isinstance(reported, ValueError) and (reported_sequence, session) == (sequence, 0)


def test_handler_that_returns_without_answering_fails_with_no_response():
    def silent(request, response):
        if bytes(request.data) != b"quiet":
            response.write(request.data)

    with DuplexPair.immutable(silent) as pair:
        sequence = pair.client.send_request(b"quiet")
        with pytest.raises(DuplexHandlerError) as failed:
            pair.client.receive_response(RECEIVE_TIMEOUT)
        assert failed.value.request_sequence == sequence
        assert failed.value.remote_type == "NoResponse"
        assert "returned without answering request %d" % sequence in failed.value.remote_message
        assert pair.client.send_async(b"loud").result(RECEIVE_TIMEOUT).payload == b"loud"
        (reported, _, _), = pair.errors.entries
        assert isinstance(reported, RuntimeError)


def test_response_too_large_for_the_client_ring_fails_with_frame_too_large():
    def inflate(request, response):
        response.write(bytes(request.data) * 1000)

    small = DuplexClientOptions(response_config=BufferConfig(0, 4096))
    with DuplexPair.immutable(inflate, client_options=small) as pair:
        future = pair.client.send_async(b"12345")  # a 5000-byte response cannot fit a 4096-byte ring
        error = future.exception(RECEIVE_TIMEOUT)
        assert isinstance(error, DuplexHandlerError), error
        assert error.request_sequence == 1
        assert error.remote_type == "zerobuffer.errors.FrameTooLargeError"
        assert pair.client.send_async(b"1").result(RECEIVE_TIMEOUT).payload == b"1" * 1000
        (reported, sequence, _), = pair.errors.entries
        assert isinstance(reported, FrameTooLargeError) and sequence == 1


def _inflate_zero_copy(request, response):
    target = response.get_buffer(len(request.data) * 1000)  # too large: raises, holding nothing
    target[:] = bytes(request.data) * 1000
    response.commit()


def _acquire_then_raise(request, response):
    if bytes(request.data) == b"12345":
        response.get_buffer(8)  # acquired, never committed: dropped when the handler ends
        raise ValueError("gave up half way")
    response.write(bytes(request.data) * 1000)


@pytest.mark.parametrize("handler", [_inflate_zero_copy, _acquire_then_raise], ids=["too-large", "acquired-then-raised"])
def test_failed_zero_copy_answer_releases_the_response_lock_for_the_error(handler):
    small = DuplexClientOptions(response_config=BufferConfig(0, 4096))
    with DuplexPair.immutable(handler, client_options=small) as pair:
        error = pair.client.send_async(b"12345").exception(RECEIVE_TIMEOUT)
        assert isinstance(error, DuplexHandlerError) and error.request_sequence == 1
        assert pair.client.send_async(b"1").result(RECEIVE_TIMEOUT).payload == b"1" * 1000


def test_request_already_answered_gets_no_error_response():
    def answer_then_raise(request, response):
        response.write(request.data)
        if bytes(request.data) == b"first":
            raise ValueError("after the answer")

    with DuplexPair.immutable(answer_then_raise) as pair:
        first = pair.client.send_request(b"first")
        second = pair.client.send_request(b"second")
        for sequence, payload in ((first, b"first"), (second, b"second")):
            with pair.client.receive_response(RECEIVE_TIMEOUT) as response:  # an error response would come between them
                assert (response.sequence, response.to_bytes()) == (sequence, payload)
        (reported, reported_sequence, _), = pair.errors.entries
        assert isinstance(reported, ValueError) and reported_sequence == first


def test_client_without_the_error_feature_gets_no_error_response():
    # An upstream client: its response reader does not advertise feature bit 3, so a failed request
    # gets nothing (protocol 1.0) and the next response is the next request's.
    with _Server(_refuse_bad) as served:
        channel = served.channel
        with Writer(request_buffer_name(channel)) as requests, \
                Reader(response_buffer_name(channel), BufferConfig(0, 64 * 1024)) as responses:
            responses._check_sequence_continuity = False
            requests.write_frame(b"bad")
            requests.write_frame(b"good")
            with responses.read_frame(RECEIVE_TIMEOUT) as response:
                assert (response.sequence, response.to_bytes()) == (2, b"GOOD")
        (reported, sequence, _), = served.errors.wait_for(1)
        assert isinstance(reported, ValueError) and sequence == 1


def test_long_message_is_cut_at_a_character_boundary_to_4096_bytes():
    message = "a" + "é" * 3000  # 6001 UTF-8 bytes; byte 4096 is inside an "é"

    def refuse(request, response):
        raise ValueError(message)

    with DuplexPair.immutable(refuse) as pair:
        error = pair.client.send_async(b"x").exception(RECEIVE_TIMEOUT)
        assert isinstance(error, DuplexHandlerError)
        assert error.remote_message == "a" + "é" * 2047
        assert len(error.remote_message.encode("utf-8")) == 4095


def test_mutable_handler_failure_is_answered_with_an_error():
    def invert(request):
        view = request.get_mutable_view()
        if view[0] == 0:
            raise KeyError("zero")
        view[:] = bytes(b ^ 0xFF for b in view)

    with DuplexPair.mutable(invert) as pair:
        error = pair.client.send_async(b"\x00").exception(RECEIVE_TIMEOUT)
        assert isinstance(error, DuplexHandlerError) and error.remote_type == "KeyError"
        assert pair.client.send_async(b"\x01").result(RECEIVE_TIMEOUT).payload == b"\xfe"


def test_thread_pool_failures_fail_only_their_own_requests():
    def odd_only(request, response):
        if request.sequence % 2 == 0:
            raise ValueError("even %d" % request.sequence)
        response.write(request.data)

    options = DuplexServerOptions(mode=ProcessingMode.THREAD_POOL, max_concurrency=4)
    with DuplexPair.immutable(odd_only, options=options) as pair:
        futures = [pair.client.send_async(b"p%d" % i) for i in range(1, 41)]
        for sequence, future in enumerate(futures, start=1):
            if sequence % 2 == 0:
                error = future.exception(RECEIVE_TIMEOUT)
                assert isinstance(error, DuplexHandlerError)
                assert (error.request_sequence, error.remote_message) == (sequence, "even %d" % sequence)
            else:
                assert future.result(RECEIVE_TIMEOUT).payload == b"p%d" % sequence
        assert sorted(s for _, s, _ in pair.errors.entries) == list(range(2, 41, 2))


def test_on_error_subscriber_of_two_parameters_is_still_called():
    got = []
    with _Server(_refuse_bad) as served:
        served.server.on_error.append(lambda error, sequence: got.append((type(error), sequence)))
        with served.client() as client:
            assert isinstance(client.send_async(b"bad").exception(RECEIVE_TIMEOUT), DuplexHandlerError)
        assert got == [(ValueError, 1)]


# ----------------------------------------------------------------------------- sessions

def test_session_buffer_names():
    assert (request_buffer_name("cam", 0), response_buffer_name("cam", 0)) == ("cam_request", "cam_response")
    assert (request_buffer_name("cam", 7), response_buffer_name("cam", 7)) == ("cam_request.7", "cam_response.7")
    longest = "c" * MAX_CHANNEL_LENGTH
    DuplexChannelFactory().create_immutable_server(longest, BufferConfig(0, 4096)).close()  # valid, never started
    with pytest.raises(ValueError, match="1-188 characters"):
        DuplexChannelFactory().create_immutable_server(longest + "c", BufferConfig(0, 4096))


@pytest.mark.parametrize("value", [0, 101, -1, "8", 2.0])
def test_max_sessions_must_be_1_to_100(value):
    with pytest.raises(ValueError, match=r"max_sessions must be 1-100 \(got %s\)" % repr(value).replace(".", r"\.")):
        DuplexChannelFactory().create_immutable_server(unique("dxs-opt"), BufferConfig(0, 4096), DuplexServerOptions(max_sessions=value))
    assert DuplexServerOptions().max_sessions == 8
    assert DuplexClientOptions().connect_timeout == 1.0


def test_clients_one_after_another_are_served_in_session_0_from_a_fresh_ring():
    metadata_seen = []
    options = DuplexServerOptions(max_sessions=1, metadata_handler=lambda data: metadata_seen.append(bytes(data)))
    with _Server(_echo, options) as served:
        for name in (b"first", b"second", b"third"):
            with served.client(PATIENT) as client:  # waits while the session is renewed after the last client
                assert client.session == 0
                client.set_metadata(name)  # a fresh ring: the last client's metadata is gone
                for expected in (1, 2, 3):
                    sequence = client.send_request(name)
                    assert sequence == expected
                    with client.receive_response(RECEIVE_TIMEOUT) as response:
                        assert (response.sequence, response.to_bytes()) == (expected, name)
        assert metadata_seen == [b"first", b"second", b"third"]
        assert served.server.session_count == 1
        assert served.errors == []


@pytest.mark.parametrize("mode", [ProcessingMode.SINGLE_THREAD, ProcessingMode.THREAD_POOL])
def test_three_clients_at_once_get_sessions_0_1_2_and_only_their_own_responses(mode):
    def tagged(request, response):
        response.write(b"%s|%s" % (threading.current_thread().name.encode(), bytes(request.data)))

    with _Server(tagged, DuplexServerOptions(mode=mode, max_concurrency=2)) as served:
        clients = [served.client(PATIENT) for _ in range(3)]
        try:
            assert [client.session for client in clients] == [0, 1, 2]

            def run(index: int) -> list[bytes]:
                client = clients[index]
                futures = [client.send_async(b"client-%d-request-%d" % (index, i)) for i in range(100)]
                answers = [future.result(RECEIVE_TIMEOUT) for future in futures]
                assert [a.sequence for a in answers] == list(range(1, 101))
                return [a.payload for a in answers]

            with concurrent.futures.ThreadPoolExecutor(3) as pool:
                results = list(pool.map(run, range(3)))
            for index, payloads in enumerate(results):
                assert [p.split(b"|", 1)[1] for p in payloads] == [b"client-%d-request-%d" % (index, i) for i in range(100)]
                if mode is ProcessingMode.SINGLE_THREAD:  # one thread per session, which handles its requests
                    assert {p.split(b"|", 1)[0] for p in payloads} == {b"duplex %s session %d" % (served.channel.encode(), index)}
            assert served.server.session_count == 4  # session 3 opened for a fourth client
        finally:
            for client in clients:
                client.close()
        assert served.errors == []


def test_max_sessions_1_second_client_fails_after_connect_timeout():
    with _Server(_echo, DuplexServerOptions(max_sessions=1)) as served:
        with served.client() as first:
            assert first.session == 0
            start = time.monotonic()
            with pytest.raises(WriterAlreadyConnectedError) as refused:
                served.client(DuplexClientOptions(connect_timeout=0.3))
            assert time.monotonic() - start >= 0.3
            assert "Every open session of channel '%s' is taken (1)" % served.channel in str(refused.value)
            assert refused.value.buffer_name == request_buffer_name(served.channel)
            assert first.send_async(b"still served").result(RECEIVE_TIMEOUT).payload == b"still served"
        assert served.server.session_count == 1


def test_no_server_says_so():
    channel = unique("dxs-none")
    start = time.monotonic()
    with pytest.raises(BufferNotFoundError) as missing:
        DuplexChannelFactory().create_client(channel, DuplexClientOptions(connect_timeout=0.2))
    assert time.monotonic() - start >= 0.2
    assert str(missing.value) == "No server is serving channel '%s': its request buffer '%s_request' does not exist." % (channel, channel)
    with pytest.raises(BufferNotFoundError, match="No server is serving channel"):
        DuplexChannelFactory().create_client(channel, DuplexClientOptions(connect_timeout=0))
    assert_channel_gone(channel)


def test_client_that_waits_before_its_first_request_still_gets_the_next_session_opened():
    with _Server(_echo) as served:
        with served.client() as idle:
            assert idle.session == 0
            # The idle client sends nothing: the server sees its writer by looking, and opens session 1.
            with served.client(PATIENT) as second:
                assert second.session == 1
                assert second.send_async(b"second").result(RECEIVE_TIMEOUT).payload == b"second"
            assert idle.send_async(b"idle").result(RECEIVE_TIMEOUT).payload == b"idle"
        assert served.errors == []


@pytest.mark.parametrize("mode", [ProcessingMode.SINGLE_THREAD, ProcessingMode.THREAD_POOL])
def test_stop_while_a_handler_waits_on_the_stop_event(mode):
    entered = threading.Event()
    seen = []

    def patient(request, response):
        seen.append(response.cancelled)
        entered.set()
        seen.append(response.stop_event.wait(60))  # a long handler gives up once the answer cannot be delivered
        seen.append(response.cancelled)

    with _Server(patient, DuplexServerOptions(mode=mode)) as served:
        with served.client() as client:
            pending = client.send_async(b"slow")
            assert entered.wait(RECEIVE_TIMEOUT)
            stopper = threading.Thread(target=served.server.stop)
            stopper.start()
            stopper.join(RECEIVE_TIMEOUT)
            assert not stopper.is_alive(), "stop() waits for the handler, which waits for stop"
            assert seen == [False, True, True]
            assert not served.server.is_running
            assert isinstance(pending.exception(RECEIVE_TIMEOUT), WriterClosedError)  # stopped on purpose: no error response
        assert served.errors == []  # a handler stopped by stop() is not "returned without answering"


def test_stop_from_a_handler_returns_at_once_and_the_server_ends_after_it():
    def stopping(request, response):
        served.server.stop()
        response.write(request.data)  # the ring has room: the answer still goes out

    with _Server(stopping) as served:
        with served.client() as client:
            assert client.send_async(b"last").result(RECEIVE_TIMEOUT).payload == b"last"
            assert served.server.wait(RECEIVE_TIMEOUT)


_KILLED_CLIENT = """
import json, sys, threading
from zerobuffer.duplex import DuplexChannelFactory
client = DuplexChannelFactory().create_client(sys.argv[1])
client.send_request(b"hello")
with client.receive_response(10) as response:
    print(json.dumps({"event": "answered", "session": client.session, "payload": response.to_bytes().decode()}), flush=True)
threading.Event().wait()  # until SIGKILL
"""


def test_killed_client_session_is_renewed_and_the_next_client_replaces_its_response_buffer():
    with _Server(_echo, DuplexServerOptions(max_sessions=1)) as served:
        with PeerProcess([sys.executable, "-c", _KILLED_CLIENT, served.channel]) as killed:
            assert killed.wait_for_event("answered") == {"event": "answered", "session": 0, "payload": "hello"}
            killed.kill()  # leaves its request writer dead and its response buffer behind
        with served.client(PATIENT) as client:  # waits for the renewal; its reader replaces the stale response buffer
            assert client.session == 0
            answer = client.send_async(b"after").result(RECEIVE_TIMEOUT)
            assert (answer.sequence, answer.payload) == (1, b"after")
        assert served.errors == []


def test_client_leaves_a_session_not_yet_renewed_and_takes_it_once_it_is():
    # A server's session whose last client left and whose request buffer was not created anew yet:
    # a writer connecting there is the buffer's second (generation 2), which the client must not keep.
    channel = unique("dxs-renew")
    with Reader(request_buffer_name(channel), BufferConfig(0, 4096)) as stale:
        Writer(request_buffer_name(channel)).close()  # the last client, gone
        with pytest.raises(WriterAlreadyConnectedError, match="is taken"):
            DuplexChannelFactory().create_client(channel, DuplexClientOptions(connect_timeout=0.2))
        assert not stale.is_writer_connected()
        assert_none(response_buffer_name(channel))  # given up before creating its response buffer
    with Reader(request_buffer_name(channel), BufferConfig(0, 4096)):  # renewed: a fresh ring
        with DuplexChannelFactory().create_client(channel, DuplexClientOptions(connect_timeout=0.2)) as client:
            assert client.session == 0
    assert_channel_gone(channel)


# ----------------------------------------------------------------------------- request_async: the response as a lease

def test_request_async_answers_with_a_lease_over_the_response_ring_and_fails_at_once_on_a_handler_error():
    with DuplexPair.immutable(_refuse_bad) as pair:
        client = pair.client
        frame = client.request_async(b"lease").result(RECEIVE_TIMEOUT)
        view = frame.data  # zero-copy: a view of the response ring, valid until the frame is released
        assert (frame.sequence, bytes(view)) == (1, b"LEASE")
        frame.release()
        with pytest.raises(ObjectDisposedError):
            frame.data
        failed = client.request_async(b"bad").exception(RECEIVE_TIMEOUT)
        assert isinstance(failed, DuplexHandlerError) and failed.request_sequence == 2
        with client.request_async(b"next").result(RECEIVE_TIMEOUT) as again:
            assert (again.sequence, again.to_bytes()) == (3, b"NEXT")


def test_request_async_leases_held_and_released_out_of_order_and_a_cancelled_ones_lease_released_by_the_client():
    release = threading.Event()

    def held_first(request, response):
        if request.sequence == 1:
            assert release.wait(RECEIVE_TIMEOUT)
        response.write(bytes(request.data))

    # 1 KiB response ring: three 200-byte leases fill most of it; every lease must come back for the ring to go on.
    config = BufferConfig(64, 1024)
    with DuplexPair.immutable(held_first, config, DuplexServerOptions(mode=ProcessingMode.THREAD_POOL, max_concurrency=2),
                              DuplexClientOptions(response_config=config)) as pair:
        client = pair.client
        cancelled = client.request_async(b"c" * 200)
        assert cancelled.cancel()  # not answered yet: its handler waits; the response that comes later is the client's to release
        leases = [client.request_async(bytes([i]) * 200).result(RECEIVE_TIMEOUT) for i in range(3)]
        release.set()
        for i in (2, 0, 1):
            assert leases[i].to_bytes() == bytes([i]) * 200
            leases[i].release()
        for i in range(20):  # the ring still takes responses: the cancelled call's lease was given back too
            with client.request_async(bytes([i]) * 200).result(RECEIVE_TIMEOUT) as frame:
                assert frame.to_bytes() == bytes([i]) * 200
