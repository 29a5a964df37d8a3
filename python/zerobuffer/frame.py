"""A frame read from a buffer: a zero-copy view into the shared ring, valid until released."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from .errors import ObjectDisposedError

if TYPE_CHECKING:  # pragma: no cover
    from ._protocol.ring_reader import RingReader


class Frame:
    """``Reader.read_frame`` returns one. Releasing it (``release()``, or leaving a ``with``
    block) gives its ring space back to the writer. Frames may be released in any order and on
    any thread (space returns in ring order), and releasing twice does nothing.

    :attr:`data` raises :class:`ObjectDisposedError` after release; a memoryview taken earlier
    must not be used after release, because the writer may already have reused the bytes.
    An invalid frame (``is_valid`` False, falsy) is the "no frame" result of a timeout.
    """

    __slots__ = ("_owner", "_ticket", "_offset", "size", "sequence")

    def __init__(self, owner: Optional["RingReader"], ticket: int, offset: int, size: int, sequence: int) -> None:
        """Made by the reader's ring (``owner``): ``ticket`` names the frame in its release queue,
        ``offset`` is the payload's offset in the segment."""
        self._owner = owner
        self._ticket = ticket
        self._offset = offset
        self.size = size
        """Payload length in bytes."""
        self.sequence = sequence
        """The writer's sequence number (1, 2, ... per writer connection)."""

    INVALID: "Frame"

    @property
    def is_valid(self) -> bool:
        return self._owner is not None

    def __bool__(self) -> bool:
        return self._owner is not None

    def __len__(self) -> int:
        return self.size

    @property
    def data(self) -> memoryview:
        """The payload as a read-only memoryview into shared memory; empty for an invalid frame."""
        return self.get_mutable_view().toreadonly()

    def get_mutable_view(self) -> memoryview:
        """The payload as a writable memoryview, for in-place processing; the writer does not
        touch these bytes until the frame is released."""
        owner = self._owner
        if owner is None:
            return memoryview(b"")
        return owner._frame_view(self._ticket, self._offset, self.size)

    def to_bytes(self) -> bytes:
        """A copy of the payload."""
        return bytes(self.get_mutable_view())

    def release(self) -> None:
        """Returns the frame's ring space. Idempotent; safe from any thread."""
        owner = self._owner
        if owner is not None:
            owner._release(self._ticket)

    close = release

    def __enter__(self) -> "Frame":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __repr__(self) -> str:
        return "Frame(#%d, %d bytes)" % (self.sequence, self.size) if self.is_valid else "Frame(invalid)"


Frame.INVALID = Frame(None, -1, 0, 0, 0)
