"""The buffers of duplex channel ``C`` (protocol §8, C#'s ``ChannelNames``): session 0 is
``C_request`` / ``C_response``, the names of protocol 1.0, which every client (upstream ones too)
tries first; session k ≥ 1 is ``C_request.k`` / ``C_response.k``. No other channel's buffers can
carry those names: a channel's buffer names end in ``_request`` or ``_response``, optionally
followed by ``.k``."""

from __future__ import annotations

from .._protocol import names

MAX_SESSIONS = 100
"""The most sessions a server offers (sessions 0-99)."""

MAX_CHANNEL_LENGTH = 188
"""The longest channel name: its longest buffer name, ``C_response.99``, then has 200 characters."""


def request_buffer_name(channel: str, session: int = 0) -> str:
    """The request buffer of ``session``: ``C_request`` for session 0, ``C_request.k`` for k ≥ 1."""
    return channel + "_request" if session == 0 else "%s_request.%d" % (channel, session)


def response_buffer_name(channel: str, session: int = 0) -> str:
    """The response buffer of ``session``: ``C_response`` for session 0, ``C_response.k`` for k ≥ 1."""
    return channel + "_response" if session == 0 else "%s_response.%d" % (channel, session)


def _validate_channel(channel: object) -> str:
    """Rejects a channel whose buffer names would be invalid (the longest one is checked)."""
    if (not isinstance(channel, str) or not channel or len(channel) > MAX_CHANNEL_LENGTH
            or not names.is_valid(response_buffer_name(channel, MAX_SESSIONS - 1))):
        raise ValueError("Channel name %r is invalid: use 1-%d characters from [A-Za-z0-9._-] (its buffers are "
                         "'<name>_request' and '<name>_response', '<name>_request.<k>' and '<name>_response.<k>' "
                         "for sessions 1-%d: at most 200 characters)." % (channel, MAX_CHANNEL_LENGTH, MAX_SESSIONS - 1))
    return channel
