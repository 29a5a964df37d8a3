"""The two buffers of duplex channel ``C`` (protocol §8): ``C_request`` and ``C_response`` (C#'s ``ChannelNames``)."""

from __future__ import annotations

from .._protocol import names


def request_buffer_name(channel: str) -> str:
    return channel + "_request"


def response_buffer_name(channel: str) -> str:
    return channel + "_response"


def _validate_channel(channel: object) -> str:
    if not isinstance(channel, str) or not channel or not names.is_valid(response_buffer_name(channel)):
        raise ValueError("Channel name %r is invalid: use 1-191 characters from [A-Za-z0-9._-] (its buffers are "
                         "'<name>_request' and '<name>_response', at most 200 characters)." % (channel,))
    return channel
