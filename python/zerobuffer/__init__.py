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
"""

from .config import BufferConfig
from .errors import (BufferCorruptedError, BufferFullError, BufferNotFoundError, ErrorKind, FrameTooLargeError,
                     InvalidFrameSizeError, MetadataAlreadyWrittenError, ObjectDisposedError, ProtocolMismatchError,
                     ReaderAlreadyConnectedError, ReaderDeadError, SequenceError, SystemCallError,
                     WriterAlreadyConnectedError, WriterDeadError, ZeroBufferError)
from .frame import Frame
from .reader import Reader
from .status import BufferStatus
from .wait import BlockingWaitStrategy, BusySpinWaitStrategy, SpinThenBlockWaitStrategy, WaitStrategy
from .writer import Writer
from . import lifecycle  # noqa: E402  (operator API: list_buffers, inspect, clean, clean_stale)

__version__ = "1.0.0"

__all__ = [
    "BufferConfig", "BufferCorruptedError", "BufferFullError", "BufferNotFoundError", "BufferStatus", "ErrorKind", "Frame",
    "FrameTooLargeError", "InvalidFrameSizeError", "MetadataAlreadyWrittenError", "ObjectDisposedError",
    "ProtocolMismatchError", "Reader", "ReaderAlreadyConnectedError", "ReaderDeadError", "SequenceError",
    "SystemCallError", "Writer", "WriterAlreadyConnectedError", "WriterDeadError", "ZeroBufferError", "lifecycle",
    "WaitStrategy", "BlockingWaitStrategy", "BusySpinWaitStrategy", "SpinThenBlockWaitStrategy",
]
