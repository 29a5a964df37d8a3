"""The sizes a reader creates a buffer with."""

from __future__ import annotations

from dataclasses import dataclass

from ._protocol import layout
from .access import BufferAccess

_LIMIT = (2**63 - 1) // 4


@dataclass(frozen=True)
class BufferConfig:
    """Metadata and ring sizes in bytes (both rounded up to a multiple of 64 in the segment), and
    who may open the buffer.

    Size the ring at least ``2 × (largest frame + 24)``: frames up to
    :attr:`Writer.max_frame_size_anywhere` (P / 2 − 24) fit wherever the write position is and
    never leave a tail upstream readers cannot skip; larger ones fit only at some positions.
    """

    metadata_size: int = 1024
    """Bytes reserved for metadata, its 8-byte length prefix included; 0 allowed."""
    payload_size: int = 1024 * 1024
    """Bytes of the frame ring; must be positive."""
    access: BufferAccess = BufferAccess.OWNER
    """Who may open the buffer (default owner-only, mode 0600); see :class:`BufferAccess`."""

    def __post_init__(self) -> None:
        if not isinstance(self.metadata_size, int) or self.metadata_size < 0:
            raise ValueError("Metadata size must be an int >= 0 (got %r)." % (self.metadata_size,))
        if not isinstance(self.payload_size, int) or self.payload_size <= 0:
            raise ValueError("Payload size must be an int > 0 (got %r)." % (self.payload_size,))
        if not isinstance(self.access, BufferAccess):
            raise ValueError("access must be a BufferAccess (got %r)." % (self.access,))
        if self.metadata_size > _LIMIT:
            raise ValueError("Metadata size %d is too large." % self.metadata_size)
        if self.payload_size > _LIMIT:
            raise ValueError("Payload size %d is too large." % self.payload_size)

    @property
    def metadata_block_size(self) -> int:
        """M: the metadata block size in the segment."""
        return layout.round64(self.metadata_size)

    @property
    def payload_block_size(self) -> int:
        """P: the ring size in the segment."""
        return layout.round64(self.payload_size)

    @property
    def max_metadata_length(self) -> int:
        """Largest metadata content a writer can store (M − 8, or 0)."""
        return max(0, self.metadata_block_size - layout.METADATA_PREFIX_SIZE)

    @property
    def segment_length(self) -> int:
        """128 + M + P."""
        return layout.segment_length(self.metadata_block_size, self.payload_block_size)
