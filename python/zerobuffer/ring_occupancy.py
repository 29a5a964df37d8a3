"""What takes up a buffer's ring (protocol §4.6), the twin of C#'s ``RingOccupancy``: frames the
reader took and has not given back, frames committed and not read yet, and free bytes, as the
shared memory shows them to anyone who looks (a writer whose write found no room,
:func:`zerobuffer.lifecycle.occupancy`). It tells a reader that holds frames it never released
from a reader that is merely slow. The sentences are C#'s, word for word, except the advice on
how to give a frame back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


def _frames(count: int, noun: str) -> str:
    return "%d %s%s" % (count, noun, "" if count == 1 else "s")


@dataclass(frozen=True)
class RingOccupancy:
    """Space returns in ring order (§4.5), so the bytes in use run without a gap from the oldest
    frame not given back up to ``payload_write_pos``; ``payload_read_pos`` splits them into held
    and unread, and the frame headers of each part give the counts.

    Held frames are the frames the reader consumed whose space has not come back: frames not
    released, and frames released after an older one that is still held (they wait behind it).
    The oldest of them is always one the reader has not released. A reader with batched releases
    may also hold back the space of released frames, at most min(64 KiB, P/8), which shows here as
    held frames. A snapshot of a busy buffer is taken again until it is consistent; when none is,
    only the byte totals are known (:attr:`is_known` False)."""

    payload_size: int
    """The ring size P."""
    free_bytes: int
    """``payload_free_bytes`` when looked at."""
    is_known: bool
    """Whether the frame counts are known: the walk over the ring's headers matched the control
    block. False for a buffer that kept changing while it was looked at, or whose reader does not
    give space back in ring order; then only :attr:`free_bytes` is meaningful."""
    held_frames: int = 0
    """Frames the reader took and has not given back."""
    oldest_held_sequence: Optional[int] = None
    """The sequence number of the oldest held frame, which the reader has not released; None when it holds none."""
    held_bytes: int = 0
    """The ring bytes of the held frames, headers and skipped tails between them included."""
    unread_frames: int = 0
    """Frames committed and not read yet."""
    unread_bytes: int = 0
    """The ring bytes of the unread frames, headers and skipped tails included."""

    @property
    def used_bytes(self) -> int:
        """Bytes in use: held, unread, or lost to a writer that died in the middle of a commit."""
        return self.payload_size - self.free_bytes

    @property
    def held_frames_dominate(self) -> bool:
        """Whether held frames, rather than unread ones, take most of the space in use."""
        return self.is_known and self.held_frames > 0 and self.held_bytes >= self.unread_bytes

    @property
    def held_summary(self) -> Optional[str]:
        """"reader holds N undisposed frames (oldest sequence S)", as C#'s CLI shows it; None when it holds none."""
        if not self.is_known or self.held_frames == 0:
            return None
        return "reader holds %s (oldest sequence %d)" % (_frames(self.held_frames, "undisposed frame"), self.oldest_held_sequence or 0)

    def describe(self) -> str:
        """What holds the space, in sentences, for a message such as :class:`~zerobuffer.BufferFullError`'s."""
        if not self.is_known:
            return ("%d of the ring's %d bytes are in use; what holds them could not be told (the buffer kept changing while it was "
                    "looked at, or its reader does not give space back in ring order)." % (self.used_bytes, self.payload_size))
        unread = "%s (%d bytes)" % (_frames(self.unread_frames, "committed frame"), self.unread_bytes)
        held = "%s (oldest sequence %d), %d bytes" % (_frames(self.held_frames, "undisposed frame"), self.oldest_held_sequence or 0,
                                                      self.held_bytes)
        if self.held_frames_dominate:
            text = ("The reader holds %s: frames it took and has not disposed. Space comes back in ring order, so none of it is "
                    "reused until the oldest is disposed: release every frame (a with block, or release())." % held)
            return text if self.unread_frames == 0 else text + " It has also not read %s yet." % unread
        if self.unread_frames > 0:
            slow = "The reader has not read %s yet: it is slow or stalled." % unread
            return slow + (" It holds no frames." if self.held_frames == 0 else " It also holds %s." % held)
        if self.used_bytes == 0:
            return "No frame is unread or held now: the reader gave the space back as the wait ended."
        return ("No frame is unread or held, yet %d bytes are in use: capacity lost to a writer that died in the middle of a commit "
                "(docs/protocol.md §3.5); recreating the buffer recovers it." % self.used_bytes)
