"""Creates the servers and clients of duplex channels, and waits for a channel to exist (C#'s ``DuplexChannelFactory``)."""

from __future__ import annotations

import os
from typing import Optional

from .._primitives import backoff
from .._primitives.deadline import Deadline
from .._protocol import names
from .._protocol.control_block import BlockStatus
from .._protocol.peer_liveness import ReaderState, look
from ..config import BufferConfig
from .channel_names import _validate_channel, request_buffer_name
from .duplex_client import DuplexClient
from .duplex_client_options import DuplexClientOptions
from .duplex_server_options import DuplexServerOptions
from .immutable_duplex_server import ImmutableDuplexServer
from .mutable_duplex_server import MutableDuplexServer


class DuplexChannelFactory:
    """Creates servers and clients of duplex channels (C#'s ``DuplexChannelFactory``)."""

    def create_immutable_server(self, channel: str, config: BufferConfig, options: Optional[DuplexServerOptions] = None) -> ImmutableDuplexServer:
        return ImmutableDuplexServer(channel, config, options)

    def create_mutable_server(self, channel: str, config: BufferConfig, options: Optional[DuplexServerOptions] = None) -> MutableDuplexServer:
        return MutableDuplexServer(channel, config, options)

    def create_client(self, channel: str, options: Optional[DuplexClientOptions] = None) -> DuplexClient:
        return DuplexClient(channel, options)

    @staticmethod
    def wait_exists(channel: str, timeout: Optional[float]) -> bool:
        return wait_exists(channel, timeout)


def wait_exists(channel: str, timeout: Optional[float]) -> bool:
    """Waits until the channel's server has created its request buffer; False after ``timeout`` seconds."""
    _validate_channel(channel)
    name = request_buffer_name(channel)
    return backoff.poll(lambda: True if _is_ready(name) else None, Deadline(timeout)) is not None


def _is_ready(name: str) -> bool:
    """Both semaphores exist, the control block passes the one validator (initialised: its size
    field, written last, is set; protocol 1; sizes and positions possible) and its reader is
    running. The segment is looked at as the census does (``O_NONBLOCK``, regular files only), so
    a FIFO planted under the name hangs nothing."""
    if not (os.path.exists(names.semaphore_file(names.data_available_semaphore(name)))
            and os.path.exists(names.semaphore_file(names.space_available_semaphore(name)))):
        return False
    seen = look(names.segment_file(name))
    return seen.block is not None and seen.block.validate().status is BlockStatus.OK and seen.reader is ReaderState.ALIVE
