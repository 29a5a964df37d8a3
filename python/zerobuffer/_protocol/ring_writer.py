"""The writer's half of the ring algorithm (protocol §3): where the next frame goes, whether its
space is free now, and the ordered stores that publish it. It never waits and never looks at the
reader; :class:`~zerobuffer.Writer` does both around it (the twin of C#'s ``Writer`` internals).

A frame is claimed, filled, then committed or aborted. A claim only records the plan: nothing
shared is written before the commit (§3.5), and the caller fills the frame's bytes in ring space
that is already free. :meth:`RingWriter.commit` writes the header (and the marker of an explicit
wrap), charges free bytes, stores the position, the commit record and the count, and posts sem-w.
:meth:`RingWriter.abort` forgets the claim: the next frame reuses its space and its number.

One thread at a time: the writer serialises its calls.
"""

from __future__ import annotations

import struct
from typing import Optional

from .._primitives.semaphore import NamedSemaphore
from ..errors import BufferCorruptedError, FrameTooLargeError, InvalidFrameSizeError
from ..ring_occupancy import RingOccupancy
from . import layout as L
from . import occupancy_walk
from .oieb import Oieb
from .write_plan import WritePlan, max_frame_size_anywhere
from .writer_session import WriterSession

_HEADER = struct.Struct("<QQ")
_STALE_TOKEN_DRAIN_MASK = (1 << 16) - 1  # drain sem-r every 65 536 frames
_INT_MAX = 2**31 - 1


class RingWriter:
    """The frames of one connected writer: its position, count and sequence, and the claimed frame."""

    __slots__ = ("name", "ring_size", "max_frame_size_anywhere", "write_position", "written_count", "next_sequence",
                 "frames_written", "pending_offset", "_oieb", "_view", "_ring_offset", "_session", "_records_commits",
                 "_reader_skips_short_tails", "_data_available", "_space_available", "_pending_plan", "_pending_length",
                 "_pending_sequence")

    def __init__(self, name: str, oieb: Oieb, view: memoryview, ring_offset: int, ring_size: int, session: WriterSession,
                 reader_skips_short_tails: bool, data_available: NamedSemaphore, space_available: NamedSemaphore) -> None:
        """Takes over where the previous writer (if any) stopped: ``write_pos`` and ``written_count``
        as the OIEB holds them now (after a repaired commit, if one was finished)."""
        self.name = name
        self.ring_size = ring_size
        self.max_frame_size_anywhere = min(_INT_MAX, max_frame_size_anywhere(ring_size))
        """Largest frame that fits at any write position and never leaves a tail of 1 to 15 bytes (§3.2)."""
        self._oieb = oieb
        self._view = view
        self._ring_offset = ring_offset
        self._session = session
        self._records_commits = session.keeps_commit_record
        self._reader_skips_short_tails = reader_skips_short_tails
        """The reader advertises our extensions, so it skips a tail of 1 to 15 bytes; an upstream reader cannot."""
        self._data_available = data_available
        self._space_available = space_available

        # Writer-owned mirrors of the OIEB fields only the writer stores.
        self.write_position = oieb.load(L.PAYLOAD_WRITE_POS_OFFSET)
        self.written_count = oieb.written_count()
        self.next_sequence = L.FIRST_SEQUENCE
        """The sequence number the next frame gets (frames with an explicit sequence do not advance it)."""
        self.frames_written = 0

        # The claimed frame: none while _pending_length is -1.
        self._pending_plan: Optional[WritePlan] = None
        self._pending_length = -1
        self._pending_sequence = 0  # 0: the frame gets next_sequence; else a duplex response's request sequence
        self.pending_offset = 0
        """Segment offset of the claimed frame's data (after its header)."""

    @property
    def has_pending(self) -> bool:
        """Whether a frame is claimed and not yet committed or aborted."""
        return self._pending_length >= 0

    def plan(self, size: int) -> WritePlan:
        """Validates a frame of ``size`` bytes and places it (§3.1), without looking at free bytes.
        :class:`RuntimeError` while a frame is claimed; :class:`InvalidFrameSizeError` for a size
        under 1; :class:`FrameTooLargeError` when it can never be placed from here (more than the
        ring, or more than the ring once wrapped), or when it would leave a tail of 1 to 15 bytes
        that the buffer's reader (an upstream one) cannot skip. Never waits."""
        if self._pending_length >= 0:
            raise RuntimeError("A frame of buffer '%s' is already acquired; call commit_frame or abort_frame first." % self.name)
        if size <= 0:
            raise InvalidFrameSizeError(self.name, "Frame size %d is invalid for buffer '%s': frames must have at least 1 byte "
                                                   "(length 0 is the wrap marker)." % (size, self.name))
        total = L.FRAME_HEADER_SIZE + size
        ring_size = self.ring_size
        if total > ring_size:
            raise FrameTooLargeError(self.name, "Frame of %d bytes can never fit buffer '%s': 16 + %d > ring of %d bytes."
                                     % (size, self.name, size, ring_size))
        plan = WritePlan.try_create(ring_size, self.write_position, total)
        if plan is None:
            raise FrameTooLargeError(self.name, (
                "Frame of %d bytes cannot be placed in buffer '%s' at write position %d: it does not fit before the end of the "
                "%d-byte ring, and wrapping would need %d + %d bytes, more than the ring. Frames of up to %d bytes always fit; "
                "size the ring at least 2 x (largest frame + 24) bytes."
                % (size, self.name, self.write_position, ring_size, ring_size - self.write_position, total,
                   self.max_frame_size_anywhere)))
        if not self._reader_skips_short_tails and plan.leaves_short_tail(ring_size, total):
            # An upstream reader would read a header across the end of the ring there, and fail.
            raise FrameTooLargeError(self.name, (
                "Frame of %d bytes cannot be placed in buffer '%s' at write position %d: it would leave a %d-byte tail at the "
                "end of the %d-byte ring, which the buffer's reader (an implementation without the ZeroBuffer extensions) "
                "cannot skip. Frames of up to %d bytes never leave such a tail."
                % (size, self.name, self.write_position, ring_size - (plan.frame_position + total), ring_size,
                   self.max_frame_size_anywhere)))
        return plan

    def required_for(self, size: int) -> int:
        """The free bytes a frame of ``size`` bytes needs from the current position (16 + size, plus
        any tail skipped to wrap), for the message of a write that found no room."""
        plan = WritePlan.try_create(self.ring_size, self.write_position, L.FRAME_HEADER_SIZE + size)
        return L.FRAME_HEADER_SIZE + size if plan is None else plan.required

    def measure_occupancy(self) -> RingOccupancy:
        """What takes the ring's space now (§4.6): held and unread frames, for that message."""
        return occupancy_walk.measure(self._oieb.load, self._view, self._ring_offset, self.ring_size)

    def has_space(self, required: int) -> bool:
        """Whether ``payload_free_bytes >= required`` now. :class:`BufferCorruptedError` when free
        bytes exceed the ring: trusting them would overwrite unread frames."""
        available = self._oieb.free_bytes()
        if available > self.ring_size:
            raise BufferCorruptedError(self.name, "Buffer '%s' is corrupted: payload_free_bytes is %d, more than the %d-byte ring."
                                       % (self.name, available, self.ring_size))
        return available >= required

    def try_claim(self, plan: WritePlan, size: int, sequence: int = 0) -> bool:
        """Claims the planned frame if its space is free now (:meth:`has_space`); False otherwise,
        and nothing is claimed. ``sequence``: 0 for the writer's next number, else the number the
        header carries (a duplex response's). The data goes at :attr:`pending_offset`."""
        if not self.has_space(plan.required):
            return False
        self.claim(plan, size, sequence)
        return True

    def claim(self, plan: WritePlan, size: int, sequence: int = 0) -> None:
        """Records the planned frame as claimed; the caller has seen its space free (free bytes only
        grow while the writer waits: only the reader adds)."""
        self._pending_plan = plan
        self._pending_length = size
        self._pending_sequence = sequence
        self.pending_offset = self._ring_offset + plan.frame_position + L.FRAME_HEADER_SIZE

    def abort(self) -> None:
        """Forgets the claimed frame (if any): nothing was published."""
        self._pending_length = -1
        self._pending_sequence = 0
        self._pending_plan = None

    def commit(self) -> None:
        """Publishes the claimed frame, in the order of §3.5. The caller has checked :attr:`has_pending`."""
        plan = self._pending_plan
        assert plan is not None
        length = self._pending_length
        written = self.written_count
        view = self._view
        if plan.writes_marker:
            _HEADER.pack_into(view, self._ring_offset + self.write_position, L.WRAP_MARKER_LENGTH, 0)
            written += 1
        explicit = self._pending_sequence
        _HEADER.pack_into(view, self._ring_offset + plan.frame_position, length, explicit or self.next_sequence)
        written += 1
        following = plan.frame_position + L.FRAME_HEADER_SIZE + length
        position = 0 if following == self.ring_size else following  # never P: 0 after an exact fit
        self.write_position = position
        self.written_count = written

        # Space first: a writer killed mid-commit can only leak capacity, never over-credit it. Then the position, the
        # record and the count: a successor finishes a commit interrupted after the position (§3.5, §5.2). The record
        # shares the count's cache line and is stored right before it, so the line moves once per commit.
        oieb = self._oieb
        oieb.add_free_bytes(-plan.required)
        oieb.store(L.PAYLOAD_WRITE_POS_OFFSET, position)
        if self._records_commits:
            self._session.record_commit(position, written)
        oieb.store(L.PAYLOAD_WRITTEN_COUNT_OFFSET, written)  # release: header and data first; pairs with the reader's acquire
        self._data_available.post()

        if not explicit:
            self.next_sequence += 1
        self.frames_written += 1
        self._pending_length = -1
        self._pending_sequence = 0
        self._pending_plan = None
        if (self.frames_written & _STALE_TOKEN_DRAIN_MASK) == 0:
            # The reader posts sem-r per release even when nobody waits; keep the count bounded (§6.3).
            self._space_available.drain()
