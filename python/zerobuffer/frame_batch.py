"""Frames read together (``Reader.read_frames``): zero-copy views into the ring, given back at once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator, Optional

from .errors import ObjectDisposedError

if TYPE_CHECKING:  # pragma: no cover
    from ._protocol.ring_reader import RingReader


class FrameBatch:
    """Consecutive frames, for small frames at high rates: one object and one release per batch,
    not per frame. ``len(batch)`` frames; ``batch[i]`` (and iteration) gives frame ``i``'s payload
    as a read-only memoryview into the ring, ``batch.sequences[i]`` its sequence number. Releasing
    the batch (``release()`` or leaving a ``with`` block) gives every frame's space back; views
    taken before must not be used after it (the writer may already have reused the bytes), and
    indexing a released batch raises :class:`ObjectDisposedError`. An empty batch (falsy) is the
    "no frame" result of a timeout. Batches and frames may be released in any order and on any
    thread; space returns in ring order."""

    __slots__ = ("_owner", "_tickets", "_views", "sequences", "_released")

    def __init__(self, owner: Optional["RingReader"], tickets: list[int], views: list[memoryview], sequences: list[int]) -> None:
        self._owner = owner
        self._tickets = tickets
        self._views = views
        self.sequences = sequences
        """Each frame's sequence number."""
        self._released = False

    def __len__(self) -> int:
        return len(self._views)

    def __bool__(self) -> bool:
        return bool(self._views)

    def __getitem__(self, index: int) -> memoryview:
        if self._released:
            raise ObjectDisposedError("The frame batch was released; its bytes may have been reused.")
        return self._views[index]

    def __iter__(self) -> Iterator[memoryview]:
        if self._released:
            raise ObjectDisposedError("The frame batch was released; its bytes may have been reused.")
        return iter(self._views)

    def release(self) -> None:
        """Returns the space of every frame of the batch. Idempotent; safe from any thread."""
        if self._released:
            return
        self._released = True
        owner = self._owner
        if owner is not None:
            for ticket in self._tickets:
                owner._release(ticket)

    close = release

    def __enter__(self) -> "FrameBatch":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __repr__(self) -> str:
        if not self._views:
            return "FrameBatch(empty)"
        return "FrameBatch(#%d-#%d, %d frames)" % (self.sequences[0], self.sequences[-1], len(self._views))


FrameBatch.EMPTY = FrameBatch(None, [], [], [])  # type: ignore[attr-defined]
