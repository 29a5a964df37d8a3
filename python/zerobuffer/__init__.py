"""ZeroBuffer: zero-copy inter-process communication over POSIX shared memory (protocol 1.0),
wire-compatible with ZeroBuffer for .NET and the other protocol 1.0 implementations. Linux only.

Process A (reader)::

    with Reader("cam0", BufferConfig(metadata_size=4096, payload_size=64 << 20)) as reader:
        while True:
            with reader.read_frame(timeout=None) as frame:
                consume(frame.data)

Process B (writer)::

    with Writer("cam0") as writer:
        writer.write_frame(pixels)

When the writer closes, the reader's next read after the last frame raises
:class:`WriterClosedError` (the end of the stream); a crashed writer gives :class:`WriterDeadError`.
Buffers are owner-only unless created with ``BufferConfig(..., access=BufferAccess.GROUP)`` or
``EVERYONE``.
"""

import logging as _logging

from .access import BufferAccess
from .config import BufferConfig
from .errors import (BufferAccessDeniedError, BufferCorruptedError, BufferFullError, BufferNotFoundError, DuplexHandlerError, ErrorKind,
                     FrameTooLargeError, InvalidFrameSizeError, MetadataAlreadyWrittenError, ObjectDisposedError,
                     ProtocolMismatchError, ReaderAlreadyConnectedError, ReaderClosedError, ReaderDeadError, SequenceError,
                     SystemCallError, TopicAlreadyPublishedError, WriterAlreadyConnectedError, WriterClosedError, WriterDeadError,
                     ZeroBufferError)
from .frame import Frame
from .frame_batch import FrameBatch
from .reader import Reader
from .ring_occupancy import RingOccupancy
from .status import BufferStatus
from .wait import BlockingWaitStrategy, BusySpinWaitStrategy, SpinThenBlockWaitStrategy, WaitStrategy
from .writer import Writer
from . import lifecycle  # noqa: E402  (operator API: list_buffers, inspect, clean, clean_stale)
from ._version import __version__

# A library logs, the application decides where it goes: without a handler of the application's,
# nothing is printed (not even "No handlers could be found").
_logging.getLogger("zerobuffer").addHandler(_logging.NullHandler())

__all__ = [
    "BufferAccess", "BufferAccessDeniedError", "ReaderClosedError", "WriterClosedError", "DuplexHandlerError",
    "BufferConfig", "BufferCorruptedError", "BufferFullError", "BufferNotFoundError", "BufferStatus", "ErrorKind", "Frame", "FrameBatch",
    "FrameTooLargeError", "InvalidFrameSizeError", "MetadataAlreadyWrittenError", "ObjectDisposedError",
    "ProtocolMismatchError", "Reader", "ReaderAlreadyConnectedError", "RingOccupancy", "ReaderDeadError", "SequenceError",
    "SystemCallError", "TopicAlreadyPublishedError", "Writer", "WriterAlreadyConnectedError", "WriterDeadError", "ZeroBufferError",
    "lifecycle",
    "WaitStrategy", "BlockingWaitStrategy", "BusySpinWaitStrategy", "SpinThenBlockWaitStrategy",
]
