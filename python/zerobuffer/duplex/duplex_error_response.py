"""The error response of protocol §8 (C#'s ``DuplexErrorResponse``): a response frame whose
sequence is the failed request's with bit 63 set, and whose payload is the UTF-8 name of what
failed, one 0 byte, and the UTF-8 message. Only sent to a client whose response buffer
advertises ``FEATURE_DUPLEX_ERRORS``: any other client would take it for an answer."""

from __future__ import annotations

from .._protocol import layout as L

MAX_MESSAGE_BYTES = 4096
"""The longest message sent, in UTF-8 bytes (a longer one is cut at a character boundary)."""

NO_RESPONSE = "NoResponse"
"""What failed when an immutable handler returned without answering."""

UNNAMED = "Error"
"""The name of an error whose payload has no 0 byte (all message), or whose name is empty."""


def error_sequence(request_sequence: int) -> int:
    """The sequence an error response to ``request_sequence`` carries."""
    return request_sequence | L.DUPLEX_ERROR_FLAG


def is_error(sequence: int) -> bool:
    """Whether a response with ``sequence`` is an error response."""
    return sequence & L.DUPLEX_ERROR_FLAG != 0


def request_of(sequence: int) -> int:
    """The request a response (error or not) with ``sequence`` answers."""
    return sequence & ~L.DUPLEX_ERROR_FLAG


def encode(type_name: str, message: str, max_bytes: int) -> bytes:
    """The payload reporting ``type_name`` and ``message`` in at most ``max_bytes`` (what the
    response ring takes): the message gives way first, then the name."""
    name = (type_name or UNNAMED).encode("utf-8")
    room = max(0, min(MAX_MESSAGE_BYTES, max_bytes - len(name) - 1))
    text = _cut(message.encode("utf-8"), room)
    if len(name) + 1 + len(text) > max_bytes:
        name = _cut(name, max(1, max_bytes - 1))
    return name + b"\0" + text


def decode(payload: bytes | memoryview) -> tuple[str, str]:
    """(name, message) of an error payload; a payload without the 0 byte is all message."""
    data = bytes(payload)
    separator = data.find(0)
    if separator < 0:
        return UNNAMED, data.decode("utf-8", "replace")
    return data[:separator].decode("utf-8", "replace"), data[separator + 1:].decode("utf-8", "replace")


def type_name(error: BaseException) -> str:
    """The full name of ``error``'s type (``zerobuffer.errors.FrameTooLargeError``); a built-in
    type goes by its plain name (``ValueError``), as Python prints it."""
    kind = type(error)
    module = kind.__module__
    return kind.__qualname__ if module in ("builtins", "__main__", None) else "%s.%s" % (module, kind.__qualname__)


def _cut(encoded: bytes, max_bytes: int) -> bytes:
    """``encoded`` (UTF-8) cut to at most ``max_bytes``, never inside a character."""
    if len(encoded) <= max_bytes:
        return encoded
    end = max_bytes
    while end > 0 and encoded[end] & 0xC0 == 0x80:
        end -= 1  # a continuation byte: the character starts before the cut
    return encoded[:end]
