"""Duplex test helpers: a server + client pair on a fresh channel, a check that a channel left no
buffer behind (any session), and a probe that records how handlers ran (concurrency, threads, order)."""

from __future__ import annotations

import threading
from typing import Any, Callable, Optional

from zerobuffer import BufferConfig
from zerobuffer.duplex import (MAX_SESSIONS, DuplexChannelFactory, DuplexClient, DuplexClientOptions, DuplexServerOptions,
                               ImmutableDuplexServer, MutableDuplexServer, request_buffer_name, response_buffer_name)

from .support import assert_none, unique

RECEIVE_TIMEOUT = 10.0


def assert_channel_gone(channel: str) -> None:
    """No buffer of any session of ``channel`` is left."""
    for session in range(MAX_SESSIONS):
        assert_none(request_buffer_name(channel, session))
        assert_none(response_buffer_name(channel, session))


class ErrorLog:
    """An on_error subscriber that keeps (exception, request_sequence, session) and lets a test wait for entries."""

    def __init__(self) -> None:
        self.entries: list[tuple[BaseException, int, int]] = []
        self._condition = threading.Condition()

    def __call__(self, error: BaseException, sequence: int, session: int) -> None:
        with self._condition:
            self.entries.append((error, sequence, session))
            self._condition.notify_all()

    def wait_for(self, count: int, timeout: float = RECEIVE_TIMEOUT) -> list[tuple[BaseException, int, int]]:
        with self._condition:
            assert self._condition.wait_for(lambda: len(self.entries) >= count, timeout), "on_error entries: %r" % self.entries
            return list(self.entries)

    def __eq__(self, other: object) -> bool:
        return self.entries == other

    def __repr__(self) -> str:
        return repr(self.entries)


class DuplexPair:
    """A started server and a connected client on a fresh channel; ``close`` ends both and checks nothing is left."""

    def __init__(self, server: Any, client: DuplexClient, channel: str) -> None:
        self.server = server
        self.client = client
        self.channel = channel
        self.errors = ErrorLog()

    @classmethod
    def immutable(cls, handler: Callable[..., None], config: Optional[BufferConfig] = None,
                  options: Optional[DuplexServerOptions] = None, client_options: Optional[DuplexClientOptions] = None) -> "DuplexPair":
        channel = unique("dx")
        server: ImmutableDuplexServer = DuplexChannelFactory().create_immutable_server(channel, config or BufferConfig(64, 64 * 1024), options)
        return cls._started(server, lambda: server.start(handler), channel, client_options)

    @classmethod
    def mutable(cls, handler: Callable[..., None], config: Optional[BufferConfig] = None,
                options: Optional[DuplexServerOptions] = None) -> "DuplexPair":
        channel = unique("dx")
        server: MutableDuplexServer = DuplexChannelFactory().create_mutable_server(channel, config or BufferConfig(64, 64 * 1024), options)
        return cls._started(server, lambda: server.start(handler), channel, None)

    @classmethod
    def _started(cls, server: Any, start: Callable[[], None], channel: str, client_options: Optional[DuplexClientOptions]) -> "DuplexPair":
        errors = ErrorLog()
        server.on_error.append(errors)
        start()
        try:
            client = DuplexChannelFactory().create_client(channel, client_options)
        except BaseException:
            server.close()
            raise
        pair = cls(server, client, channel)
        pair.errors = errors
        return pair

    def close(self) -> None:
        self.client.close()
        self.server.close()
        assert self.server.wait(10)
        assert_channel_gone(self.channel)

    def __enter__(self) -> "DuplexPair":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class HandlerProbe:
    """Records handler entries: the most running at once, the threads used, the order of sequences."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0
        self.max_running = 0
        self.threads: set[str] = set()
        self.order: list[int] = []

    def enter(self, sequence: int) -> None:
        with self._lock:
            self._running += 1
            self.max_running = max(self.max_running, self._running)
            self.threads.add(threading.current_thread().name)
            self.order.append(sequence)

    def exit(self) -> None:
        with self._lock:
            self._running -= 1
