"""The SDK's errors: one root, :class:`ZeroBufferError`, whose :attr:`~ZeroBufferError.kind` is an
:class:`ErrorKind` with the same values as C#'s ``ZeroBufferErrorKind`` (and the CLI's exit
codes, 10 + kind). Expected outcomes are not errors: a read timeout returns an invalid frame,
``try_write_frame`` returns False.

Caller mistakes use Python's built-in exceptions, as C# uses its argument and state exceptions:
a bad name, size or timeout raises :class:`ValueError` (C# ``ArgumentException``), a commit
without an acquire raises :class:`RuntimeError` (``InvalidOperationException``), and any use
after ``close()`` raises :class:`ObjectDisposedError` (``ObjectDisposedException``).
"""

from __future__ import annotations

import enum
import os
import stat
from typing import TYPE_CHECKING, Optional

from ._interop import errno_codes

if TYPE_CHECKING:
    from .ring_occupancy import RingOccupancy


class ErrorKind(enum.IntEnum):
    """What went wrong, as a stable code; equal to C#'s ``ZeroBufferErrorKind``."""

    SYSTEM_ERROR = 1
    BUFFER_NOT_FOUND = 2
    READER_ALREADY_CONNECTED = 3
    WRITER_ALREADY_CONNECTED = 4
    READER_DEAD = 5
    WRITER_DEAD = 6
    BUFFER_FULL = 7
    FRAME_TOO_LARGE = 8
    INVALID_FRAME_SIZE = 9
    SEQUENCE_ERROR = 10
    METADATA_ALREADY_WRITTEN = 11
    PROTOCOL_MISMATCH = 12
    BUFFER_CORRUPTED = 13
    WRITER_CLOSED = 14
    READER_CLOSED = 15
    ACCESS_DENIED = 16
    DUPLEX_HANDLER_FAILED = 17
    TOPIC_ALREADY_PUBLISHED = 18

    @property
    def csharp_name(self) -> str:
        """The C# enum member's name (``BufferNotFound``), as the CLI prints it in JSON error events."""
        return "".join(part.capitalize() for part in self.name.split("_"))


class ZeroBufferError(Exception):
    """The root of every error the SDK reports about a buffer."""

    kind: ErrorKind = ErrorKind.SYSTEM_ERROR

    def __init__(self, buffer_name: Optional[str], message: str) -> None:
        super().__init__(message)
        self.buffer_name = buffer_name
        self.message = message


class SystemCallError(ZeroBufferError):
    """An operating-system call failed with an errno that has no more specific meaning."""

    kind = ErrorKind.SYSTEM_ERROR

    def __init__(self, buffer_name: Optional[str], operation: str, errno: int) -> None:
        where = "" if buffer_name is None else " for buffer '%s'" % buffer_name
        super().__init__(buffer_name, "%s failed%s: %s." % (operation, where, errno_codes.describe(errno)))
        self.operation = operation
        self.errno = errno


class BufferNotFoundError(ZeroBufferError):
    """No buffer of that name exists (or it is still being created)."""

    kind = ErrorKind.BUFFER_NOT_FOUND


class ReaderAlreadyConnectedError(ZeroBufferError):
    """A live reader already owns the buffer name."""

    kind = ErrorKind.READER_ALREADY_CONNECTED


class WriterAlreadyConnectedError(ZeroBufferError):
    """A live writer is already connected to the buffer."""

    kind = ErrorKind.WRITER_ALREADY_CONNECTED


class ReaderDeadError(ZeroBufferError):
    """The reader is gone: it crashed, or (the subclass :class:`ReaderClosedError`) it closed the
    buffer. Either way nothing more can be delivered."""

    kind = ErrorKind.READER_DEAD


class ReaderClosedError(ReaderDeadError):
    """The writer's view of a reader that closed the buffer on purpose (protocol §6.2). Still a
    :class:`ReaderDeadError`: code that stops on one stops on both."""

    kind = ErrorKind.READER_CLOSED


class WriterDeadError(ZeroBufferError):
    """The writer crashed (or left without saying it ended the stream), and every frame it
    committed has been read."""

    kind = ErrorKind.WRITER_DEAD


class WriterClosedError(ZeroBufferError):
    """The end of the stream: the writer closed on purpose and every frame it committed has been
    read (protocol §6.2). Not a :class:`WriterDeadError`: nothing was lost."""

    kind = ErrorKind.WRITER_CLOSED


class BufferFullError(ZeroBufferError):
    """No room for the frame within the write timeout while the reader is alive (back-pressure).
    The message and :attr:`occupancy` say what holds the space: frames the reader took and never
    released (:attr:`held_frames`, :attr:`oldest_held_sequence`), or committed frames it has not
    read yet because it is slow (:attr:`unread_frames`); C#'s ``BufferFullException`` has the same figures."""

    kind = ErrorKind.BUFFER_FULL

    def __init__(self, buffer_name: Optional[str], message: str, required_bytes: int = 0,
                 occupancy: "Optional[RingOccupancy]" = None) -> None:
        super().__init__(buffer_name, message)
        self.required_bytes = required_bytes
        """The free bytes the frame needed (16 + its length, plus any tail skipped to wrap); 0 when not known."""
        self.occupancy = occupancy
        """What took the ring's space when the writer gave up; None when it could not be looked at."""

    @property
    def held_frames(self) -> int:
        """Frames the reader took and has not given back (0 when none, or not known)."""
        return self.occupancy.held_frames if self.occupancy is not None and self.occupancy.is_known else 0

    @property
    def oldest_held_sequence(self) -> Optional[int]:
        """The sequence number of the oldest frame the reader took and has not released; None when it holds none."""
        return self.occupancy.oldest_held_sequence if self.occupancy is not None and self.occupancy.is_known else None

    @property
    def unread_frames(self) -> int:
        """Committed frames the reader has not read yet (0 when none, or not known)."""
        return self.occupancy.unread_frames if self.occupancy is not None and self.occupancy.is_known else 0

    @property
    def free_bytes(self) -> int:
        """``payload_free_bytes`` when the writer gave up (0 when not known)."""
        return self.occupancy.free_bytes if self.occupancy is not None else 0


class FrameTooLargeError(ZeroBufferError):
    """The frame can never fit in this ring (from this write position)."""

    kind = ErrorKind.FRAME_TOO_LARGE


class InvalidFrameSizeError(ZeroBufferError):
    """A frame length the protocol forbids (0 is the wrap marker)."""

    kind = ErrorKind.INVALID_FRAME_SIZE


class SequenceError(ZeroBufferError):
    """A frame arrived with an unexpected sequence number. The frame is not consumed: the next
    read returns it, and its successors are expected from then on."""

    kind = ErrorKind.SEQUENCE_ERROR

    def __init__(self, buffer_name: str, expected: int, actual: int) -> None:
        super().__init__(buffer_name, "Sequence error in buffer '%s': expected %d, got %d." % (buffer_name, expected, actual))
        self.expected = expected
        self.actual = actual


class MetadataAlreadyWrittenError(ZeroBufferError):
    """Metadata is written once per buffer, and it already was."""

    kind = ErrorKind.METADATA_ALREADY_WRITTEN


class ProtocolMismatchError(ZeroBufferError):
    """The control block has a size or major version this SDK does not speak."""

    kind = ErrorKind.PROTOCOL_MISMATCH


class BufferCorruptedError(ZeroBufferError):
    """The control block or a frame header holds values that cannot be right."""

    kind = ErrorKind.BUFFER_CORRUPTED


class BufferAccessDeniedError(ZeroBufferError):
    """This process may not open the buffer: another user created it with a mode that leaves this
    one out (protocol §1, §5.2). :attr:`owner_uid` and :attr:`mode` (permission bits) are those of
    the file that refused."""

    kind = ErrorKind.ACCESS_DENIED

    def __init__(self, buffer_name: Optional[str], path: str, owner_uid: int, mode: int) -> None:
        owner = "uid %d" % owner_uid if owner_uid >= 0 else "another user"
        permissions = "mode %04o" % mode if owner_uid >= 0 else "a mode that excludes it"
        super().__init__(buffer_name, (
            "Buffer '%s' cannot be opened by this process (uid %d): '%s' belongs to %s with %s. Its creator can share it: "
            "BufferConfig(access=BufferAccess.GROUP) or BufferAccess.EVERYONE (CLI: --access group|everyone); "
            "or run this process as %s." % (buffer_name, os.geteuid(), path, owner, permissions, owner)))
        self.path = path
        """The file that could not be opened, e.g. ``/dev/shm/cam0``."""
        self.owner_uid = owner_uid
        """Its owner's user id (-1 when even that could not be read)."""
        self.mode = mode
        """Its permission bits, e.g. 0o600 (0 when they could not be read)."""

    @classmethod
    def for_path(cls, buffer_name: Optional[str], path: str) -> "BufferAccessDeniedError":
        """The error for a file that refused to open (EACCES/EPERM), with its owner and mode from ``stat``
        (-1 and 0 when even ``stat`` fails)."""
        try:
            info = os.stat(path)
            return cls(buffer_name, path, info.st_uid, stat.S_IMODE(info.st_mode))
        except OSError:
            return cls(buffer_name, path, -1, 0)


class ObjectDisposedError(RuntimeError):
    """The reader, writer or frame was closed (C# ``ObjectDisposedException``)."""


class DuplexHandlerError(ZeroBufferError):
    """The duplex server could not answer a request: its handler raised, returned without
    answering, or its response could not be written. The server said so in an error response
    (protocol §8), so the request fails at once instead of waiting for its timeout; the channel
    stays usable. :attr:`request_sequence` is the failed request, :attr:`remote_type` what failed
    on the server (the exception type's full name, or a reason such as ``NoResponse``),
    :attr:`remote_message` the server's message."""

    kind = ErrorKind.DUPLEX_HANDLER_FAILED

    def __init__(self, buffer_name: Optional[str], request_sequence: int, remote_type: str, remote_message: str) -> None:
        super().__init__(buffer_name, "The server could not answer request %d: %s: %s" % (request_sequence, remote_type, remote_message))
        self.request_sequence = request_sequence
        self.remote_type = remote_type
        self.remote_message = remote_message


class TopicAlreadyPublishedError(ZeroBufferError):
    """A live publisher already holds the topic (``zerobuffer.topics``): a topic has one publisher at a
    time, held by an ``flock`` on ``/dev/shm/zerobuffer-topic@T`` that C# and Python publishers share.
    The kernel drops it when its holder dies, so a crashed publisher is replaced at once.
    :attr:`~ZeroBufferError.buffer_name` is the topic."""

    kind = ErrorKind.TOPIC_ALREADY_PUBLISHED
