"""Where a frame of ``total = 16 + length`` bytes goes, decided from the write position alone
(protocol §3.1). Pure arithmetic, tested without shared memory."""

from __future__ import annotations

from typing import NamedTuple, Optional

from .layout import FRAME_HEADER_SIZE

MARKER_MINIMUM_TAIL = FRAME_HEADER_SIZE
"""A tail at least this long holds an explicit wrap marker; a shorter one is an implicit wrap."""


def max_frame_size_anywhere(ring_size: int) -> int:
    """The largest frame length that can be placed at any write position and never leaves a tail
    of 1 to 15 bytes: ``(P - 13) // 2 - 17`` (P/2 - 24 for an even P), or 0 for a ring too small to
    promise anything (protocol §3.2)."""
    return max(0, (ring_size - 13) // 2 - 17)


class WritePlan(NamedTuple):
    wrap: bool
    """The frame goes to offset 0, after skipping the tail."""
    tail: int
    """Bytes skipped at the end of the ring (P − write_pos) when wrapping, else 0."""
    frame_position: int
    """Offset of the frame header in the ring."""
    required: int
    """Free bytes needed: the frame, plus the tail when wrapping."""

    @property
    def writes_marker(self) -> bool:
        """Whether the wrap writes an explicit marker (and counts it)."""
        return self.wrap and self.tail >= MARKER_MINIMUM_TAIL

    def leaves_short_tail(self, ring_size: int, total: int) -> bool:
        """Whether the frame, once placed, leaves 1 to 15 bytes before the end of the ring: a tail
        no header fits in, which our readers skip and upstream readers cannot (protocol §3.2)."""
        return 0 < ring_size - (self.frame_position + total) < MARKER_MINIMUM_TAIL

    @staticmethod
    def try_create(ring_size: int, write_position: int, total: int) -> Optional["WritePlan"]:
        """The plan, or None when the frame can never be placed from this position (it would
        need more than the whole ring); the caller has checked ``total <= P``."""
        to_end = ring_size - write_position
        must_wrap = to_end < total
        # A tail of 1..15 bytes after the frame could not hold the next header, and no reader
        # understands such a tail: wrap now (with a marker) when the ring allows it.
        leftover = to_end - total
        avoid_short_tail = (not must_wrap and write_position > 0 and 0 < leftover < MARKER_MINIMUM_TAIL
                            and to_end + total <= ring_size)
        if not must_wrap and not avoid_short_tail:
            return WritePlan(False, 0, write_position, total)
        if to_end + total > ring_size:
            return None
        return WritePlan(True, to_end, 0, to_end + total)
