"""The operator's view of the buffers on this machine (protocol §5.5), the twin of C#'s
``ZeroBuffer.Lifecycle.BufferCatalog``: :func:`list_buffers` reports every buffer name with its
state (:attr:`BufferState.LIVE`, :attr:`BufferState.STALE`, :attr:`BufferState.ORPHANED`);
:func:`clean` and :func:`clean_stale` remove the ones nobody owns any more; :func:`occupancy` says
what takes up a buffer's ring (frames its reader holds, frames not read yet).

A thin facade over the census (``zerobuffer._protocol.buffer_census``), which readers also use for
their stale sweep. A buffer whose lock file is held, or whose reader or writer is alive in any PID
or mount namespace that shares ``/dev/shm`` (by the liveness locks on its segment, or by PID for
peers that do not take them), is never touched; a name is removed only under its locks, taken in
the same order creators take them.
"""

from __future__ import annotations

from typing import Optional

from ._protocol import buffer_census, names, occupancy_walk
from ._protocol.buffer_census import (DEFAULT_ORPHAN_GRACE_PERIOD, BufferInfo, BufferResources, BufferState, CleanupOutcome,
                                      CleanupResult, describe)
from .ring_occupancy import RingOccupancy

__all__ = [
    "DEFAULT_ORPHAN_GRACE_PERIOD", "BufferInfo", "BufferResources", "BufferState", "CleanupOutcome", "CleanupResult",
    "RingOccupancy", "clean", "clean_stale", "describe", "inspect", "list_buffers", "occupancy",
]


def list_buffers() -> list[BufferInfo]:
    """Every buffer name found, with its state, sorted by name."""
    result = []
    for name in buffer_census.discover():
        info = buffer_census.examine(name)
        if info is not None:
            result.append(info)
    return result


def inspect(name: str) -> Optional[BufferInfo]:
    """The state of one name; None when none of its resources exists. :class:`ValueError` for an invalid name."""
    names.validate(name)
    return buffer_census.examine(name)


def occupancy(name: str) -> Optional[RingOccupancy]:
    """What takes the ring's space of ``name`` now: frames its reader took and has not released
    (with the oldest one's sequence number), frames committed and not read yet, and free bytes
    (protocol §4.6). Looks through the segment file, mapped read-only: connects to nothing and
    writes nothing. None when there is no initialised segment of that name that this process may
    read. :class:`ValueError` for an invalid name. (C#: ``BufferCatalog.Occupancy``.)"""
    names.validate(name)
    return occupancy_walk.measure_segment_file(name)


def clean(name: str, dry_run: bool = False) -> CleanupResult:
    """Removes the resources of ``name`` if it is stale or orphaned; refuses a live buffer
    (:attr:`CleanupOutcome.REFUSED_LIVE`) and touches nothing then. With ``dry_run`` only reports
    (:attr:`CleanupOutcome.WOULD_REMOVE`). Raises :class:`ValueError` (invalid name) or a
    :class:`~zerobuffer.ZeroBufferError` (a lock file could not be opened)."""
    names.validate(name)
    return buffer_census.clean(name, dry_run, 0.0)


def clean_stale(dry_run: bool = False, orphan_grace: float = DEFAULT_ORPHAN_GRACE_PERIOD) -> list[CleanupResult]:
    """Removes every stale buffer and every orphan whose newest file is at least ``orphan_grace``
    seconds old. Live buffers are never touched. One result per non-live name examined."""
    return buffer_census.clean_stale(dry_run, orphan_grace)


def resource_list(resources: BufferResources) -> list[str]:
    """The resource names of the CLI's JSON reports: segment, sem-w, sem-r, lock, upstream-lock, name-lock."""
    return [label for flag, label in ((BufferResources.SEGMENT, "segment"), (BufferResources.DATA_SEMAPHORE, "sem-w"),
                                      (BufferResources.SPACE_SEMAPHORE, "sem-r"), (BufferResources.LOCK_FILE, "lock"),
                                      (BufferResources.UPSTREAM_LOCK_FILE, "upstream-lock"),
                                      (BufferResources.NAME_LOCK_FILE, "name-lock"))
            if resources & flag]
