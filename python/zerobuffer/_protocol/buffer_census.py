"""Every buffer name on this machine and what it amounts to (protocol §5.5): :func:`examine` one
name, :func:`discover` all names, :func:`clean` one, :func:`sweep` the stale ones. The public
facade is :mod:`zerobuffer.lifecycle` (C#'s ``BufferCatalog``); readers sweep through here before
they create their buffer.

Names are found in the lock directories (``N.lock``, ``locks/N.lock``), among the name locks
(``/dev/shm/zerobuffer-lock@N``) and semaphores (``sem.sem-w-N``, ``sem.sem-r-N``) in ``/dev/shm``,
and among the segments in ``/dev/shm`` that start with a valid protocol-1 control block. Other
files in ``/dev/shm`` are never touched.

Safety: a name is only ever removed while holding its lock files, taken in the order of §5.1
(created for the occasion when missing, and then deleted again whatever the outcome), and only
after its state was checked again with the locks held. A buffer whose lock is held by someone
else, or whose reader or writer is alive in any namespace that shares ``/dev/shm`` (by the liveness
locks, or by PID for peers that do not take them), is never touched. Readers take the same locks
in the same order before they create anything, so a cleaner and a creator of one name cannot
interleave, whichever container each runs in.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import logging
import os
import stat
from typing import Optional

from .._primitives import file_modes
from .._primitives.lock_file import LockFile
from ..errors import ZeroBufferError
from . import names
from .control_block import ControlBlock
from .name_locks import NameLocks
from .peer_liveness import ReaderState, SegmentLook, WriterState, is_present, look
from .reader_resources import remove_names

_log = logging.getLogger("zerobuffer")

DEFAULT_ORPHAN_GRACE_PERIOD = 5.0
"""Seconds the newest file of an orphan must be old before the sweep removes it: an implementation
that does not take our lock files creates its semaphores before its segment, and must not lose them
half-way."""

_SEMAPHORE_FILE_PREFIX = "sem."
_DATA_SEMAPHORE_FILE_PREFIX = "sem.sem-w-"
_SPACE_SEMAPHORE_FILE_PREFIX = "sem.sem-r-"


class BufferState(enum.Enum):
    """What a buffer name's resources amount to."""

    LIVE = "Live"
    """In use: a lock file is held, its reader or writer is alive, or the segment cannot be read
    (another user's, or not a regular file at all). Never cleaned."""
    STALE = "Stale"
    """A complete buffer (initialised segment, both semaphores) whose locks are free and whose reader and writer are gone."""
    ORPHANED = "Orphaned"
    """An incomplete set with no live owner: semaphores or lock files without a segment, a segment
    without its semaphores, or a segment never initialised."""

    def __str__(self) -> str:
        return self.value


class BufferResources(enum.IntFlag):
    """The OS resources of one buffer name (same bit values as C#)."""

    NONE = 0
    SEGMENT = 1
    """The shared-memory segment ``/dev/shm/N``."""
    DATA_SEMAPHORE = 2
    """The data semaphore ``/dev/shm/sem.sem-w-N``."""
    SPACE_SEMAPHORE = 4
    """The space semaphore ``/dev/shm/sem.sem-r-N``."""
    LOCK_FILE = 8
    """The reader's lock file ``<lock directory>/N.lock``."""
    NAME_LOCK_FILE = 16
    """The name lock ``/dev/shm/zerobuffer-lock@N`` (left behind only by a crash during a create or a clean)."""
    UPSTREAM_LOCK_FILE = 32
    """Upstream C#'s reader lock file ``<lock directory>/locks/N.lock``."""
    ALL = 63


_BOTH_SEMAPHORES = BufferResources.DATA_SEMAPHORE | BufferResources.SPACE_SEMAPHORE


class CleanupOutcome(enum.Enum):
    """What cleaning one name did."""

    REMOVED = "Removed"
    WOULD_REMOVE = "WouldRemove"
    """Dry run: these resources would have been removed."""
    REFUSED_LIVE = "RefusedLive"
    """Refused: the buffer is live. Nothing was touched."""
    SKIPPED_RECENT = "SkippedRecent"
    """Skipped by the stale sweep: an orphan younger than the grace period. Nothing was touched."""
    NOT_FOUND = "NotFound"

    def __str__(self) -> str:
        return self.value


@dataclasses.dataclass(frozen=True)
class BufferInfo:
    """One buffer name and what it amounts to."""

    name: str
    state: BufferState
    reason: str
    """Why it has that state, in words."""
    resources: BufferResources
    reader_pid: int
    """The reader PID stored in the segment (0 = none or no segment); a PID of the reader's own namespace."""
    writer_pid: int
    reader_alive: bool
    """By the reader lock, or by the PID rule for a segment without the advertisement."""
    writer_alive: bool
    lock_held: bool
    """Whether another process holds one of the name's lock files."""
    segment_length: int
    metadata_size: int
    """M from the OIEB (0 when unknown)."""
    payload_size: int
    """P from the OIEB (0 when unknown)."""
    last_change_utc: datetime.datetime
    """The newest modification time among the resource files."""


@dataclasses.dataclass(frozen=True)
class CleanupResult:
    """The result of cleaning one buffer name."""

    name: str
    outcome: CleanupOutcome
    state_before: Optional[BufferState]
    """The state found with the locks held (None when nothing existed)."""
    removed: BufferResources
    """The resources removed (or, in a dry run, that would be)."""
    message: str


# --------------------------------------------------------------------------------- examine

_MIN_TIME = datetime.datetime.min.replace(tzinfo=datetime.timezone.utc)


_LOCK_RESOURCES = (BufferResources.NAME_LOCK_FILE, BufferResources.LOCK_FILE, BufferResources.UPSTREAM_LOCK_FILE)
"""The resource of each path of :meth:`NameLocks.paths`, in that order."""


def examine(name: str, ours: Optional[NameLocks] = None) -> Optional[BufferInfo]:
    """What exists of ``name`` and its state; None when nothing does. ``ours``: the locks the caller
    holds (they are neither "held by someone" nor, when the caller created them, resources of the name)."""
    segment_path = names.segment_file(name)
    lock_paths = NameLocks.paths(name)
    candidates = [(segment_path, BufferResources.SEGMENT),
                  (names.semaphore_file(names.data_available_semaphore(name)), BufferResources.DATA_SEMAPHORE),
                  (names.semaphore_file(names.space_available_semaphore(name)), BufferResources.SPACE_SEMAPHORE)]
    candidates += list(zip(lock_paths, _LOCK_RESOURCES))
    resources = BufferResources.NONE
    newest = _MIN_TIME
    for path, resource in candidates:
        if ours is not None and ours.created_by_this_take(path):
            continue
        try:
            changed = os.stat(path, follow_symlinks=False).st_mtime
        except OSError:
            continue
        resources |= resource
        newest = max(newest, datetime.datetime.fromtimestamp(changed, datetime.timezone.utc))
    if resources == BufferResources.NONE:
        return None

    seen = look(segment_path) if resources & BufferResources.SEGMENT else SegmentLook(exists=False)
    block = seen.block if seen.block is not None else ControlBlock(segment_length=0)
    initialised = block.is_protocol1_segment
    reader_alive = is_present(seen.reader)
    writer_alive = seen.writer.state is WriterState.ALIVE
    held_lock = next((path for path, resource in zip(lock_paths, _LOCK_RESOURCES)
                      if (ours is None or not ours.holds(path)) and resources & resource and _is_lock_held(path)), None)
    if seen.unreadable:
        state, reason = BufferState.LIVE, ("'%s' is not a regular file (not a segment of ours), so it is left alone" % segment_path
                                           if seen.not_a_file else "its segment cannot be read, so its owner cannot be checked")
    elif reader_alive:
        state, reason = BufferState.LIVE, ("its reader is closing it" if seen.reader_closing
                                           else "reader PID %d is alive" % block.reader_pid)
    elif writer_alive:
        state, reason = BufferState.LIVE, "writer PID %d is alive (its reader is gone)" % block.writer_pid
    elif held_lock is not None:
        state, reason = BufferState.LIVE, "its lock file '%s' is held" % held_lock
    elif initialised and (resources & _BOTH_SEMAPHORES) == _BOTH_SEMAPHORES:
        state, reason = BufferState.STALE, _dead_owners(seen)
    else:
        state, reason = BufferState.ORPHANED, _orphan_reason(resources, seen)
    return BufferInfo(name, state, reason, resources, block.reader_pid, block.writer_pid, reader_alive, writer_alive,
                      held_lock is not None, block.segment_length, block.metadata_size if initialised else 0,
                      block.payload_size if initialised else 0, newest)


def _is_lock_held(lock_path: str) -> bool:
    """Whether someone holds the lock; a lock file that cannot be opened counts as held (never clean what cannot be checked)."""
    try:
        return LockFile.is_held(lock_path)
    except ZeroBufferError:
        return True


def _dead_owners(seen: SegmentLook) -> str:
    block = seen.block
    assert block is not None
    if seen.reader is ReaderState.CLOSED:
        reader = "reader closed"
    else:
        reader = "no reader PID" if block.reader_pid == 0 else "reader PID %d died" % block.reader_pid
    if seen.writer.state is WriterState.CLOSED:
        writer = "writer closed"
    else:
        writer = "no writer PID" if block.writer_pid == 0 else "writer PID %d died" % block.writer_pid
    return "locks free, %s, %s" % (reader, writer)


def _orphan_reason(resources: BufferResources, seen: SegmentLook) -> str:
    if not resources & BufferResources.SEGMENT:
        return "%s without a segment" % describe(resources)
    if seen.block is None or not seen.block.is_protocol1_segment:
        return "segment never initialised (no valid control block)"
    missing = BufferResources(_BOTH_SEMAPHORES & ~resources & BufferResources.ALL)
    return "segment without %s, %s" % (describe(missing), _dead_owners(seen))


def describe(resources: BufferResources) -> str:
    """"segment, sem-w, sem-r, lock file, upstream lock file, name lock" for messages."""
    parts = []
    if resources & BufferResources.SEGMENT:
        parts.append("segment")
    if resources & BufferResources.DATA_SEMAPHORE:
        parts.append("sem-w")
    if resources & BufferResources.SPACE_SEMAPHORE:
        parts.append("sem-r")
    if resources & BufferResources.LOCK_FILE:
        parts.append("lock file")
    if resources & BufferResources.UPSTREAM_LOCK_FILE:
        parts.append("upstream lock file")
    if resources & BufferResources.NAME_LOCK_FILE:
        parts.append("name lock")
    return ", ".join(parts) if parts else "nothing"


# --------------------------------------------------------------------------------- discover

def discover() -> list[str]:
    """Candidate names, in ordinal order: lock files, name locks, our semaphores, and segments with a protocol-1 control block."""
    found: set[str] = set()
    for directory in (names.lock_directory(), names.upstream_lock_directory()):
        for entry in list_files(directory):
            if entry.endswith(names.LOCK_FILE_EXTENSION):
                _add(found, entry[: -len(names.LOCK_FILE_EXTENSION)])
    for entry in list_files(names.SHM_DIRECTORY):
        if entry.startswith(names.NAME_LOCK_PREFIX):
            _add(found, entry[len(names.NAME_LOCK_PREFIX):])
        elif entry.startswith(_DATA_SEMAPHORE_FILE_PREFIX):
            _add(found, entry[len(_DATA_SEMAPHORE_FILE_PREFIX):])
        elif entry.startswith(_SPACE_SEMAPHORE_FILE_PREFIX):
            _add(found, entry[len(_SPACE_SEMAPHORE_FILE_PREFIX):])
        elif (not entry.startswith(_SEMAPHORE_FILE_PREFIX) and names.is_valid(entry) and entry not in found
              and _is_segment(os.path.join(names.SHM_DIRECTORY, entry))):
            found.add(entry)
    return sorted(found)  # ordinal order, like C#'s StringComparer.Ordinal


def _is_segment(path: str) -> bool:
    # O_NONBLOCK and regular files only: a FIFO put in place of the file listed would hang the open.
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return False
        return ControlBlock.from_bytes(os.pread(fd, 128, 0), info.st_size).is_protocol1_segment
    except OSError:
        return False
    finally:
        os.close(fd)


def _add(found: set[str], name: str) -> None:
    if names.is_valid(name):
        found.add(name)


def list_files(directory: str) -> list[str]:
    """The regular files of ``directory`` (empty when it is missing or unreadable)."""
    try:
        with os.scandir(directory) as entries:
            return [e.name for e in entries if _is_file(e)]
    except OSError:
        return []


def _is_file(entry: "os.DirEntry[str]") -> bool:
    try:
        return entry.is_file(follow_symlinks=False)
    except OSError:
        return False


# --------------------------------------------------------------------------------- clean

def clean(name: str, dry_run: bool, orphan_grace: float) -> CleanupResult:
    """§5.5 "Cleaning one name": look; take the locks in order; look again; remove; delete the lock files; release."""
    first = examine(name)
    if first is None:
        return CleanupResult(name, CleanupOutcome.NOT_FOUND, None, BufferResources.NONE, "No buffer '%s' exists." % name)
    if first.state is BufferState.LIVE:
        return _refused(first)

    locks, held = NameLocks.try_take(name, file_modes.OWNER_ONLY, upstream_when_missing=False)
    if locks is None:
        return CleanupResult(name, CleanupOutcome.REFUSED_LIVE, BufferState.LIVE, BufferResources.NONE,
                             "Buffer '%s' is live: its lock file '%s' is held. Nothing was removed." % (name, held))
    removed = False
    try:
        info = examine(name, ours=locks)
        if info is None:
            return CleanupResult(name, CleanupOutcome.NOT_FOUND, None, BufferResources.NONE, "No buffer '%s' exists." % name)
        if info.state is BufferState.LIVE:
            return _refused(info)
        if _is_recent_orphan(info, orphan_grace):
            return _skipped_recent(info, orphan_grace)
        if dry_run:
            return CleanupResult(name, CleanupOutcome.WOULD_REMOVE, info.state, info.resources, "Would remove %s buffer '%s' (%s): %s." % (
                info.state.value.lower(), name, describe(info.resources), info.reason))
        remove_names(name)
        removed = True
        _log.warning("Removed %s buffer '%s' (reader PID %d, writer PID %d)", info.state.value.lower(), name, info.reader_pid,
                     info.writer_pid)
        return CleanupResult(name, CleanupOutcome.REMOVED, info.state, info.resources, "Removed %s buffer '%s' (%s): %s." % (
            info.state.value.lower(), name, describe(info.resources), info.reason))
    finally:
        # Every lock file goes with the buffer; otherwise only the ones created for the check (and the name lock).
        locks.release(delete_all=removed)


_LOCK_FILES = BufferResources.LOCK_FILE | BufferResources.UPSTREAM_LOCK_FILE | BufferResources.NAME_LOCK_FILE


def _is_recent_orphan(info: BufferInfo, orphan_grace: float) -> bool:
    """An orphan the sweep leaves alone for now: one with a segment or semaphores that changed within the grace
    period (a creator that ignores our locks may be half-way). Lock files alone get no grace: whoever creates a
    buffer holds its lock file, so one nobody holds is garbage, left by a crash or by a sweep in another container
    that removed the name but cannot see this /tmp."""
    return (info.state is BufferState.ORPHANED and (info.resources & ~_LOCK_FILES) != BufferResources.NONE
            and (_utc_now() - info.last_change_utc).total_seconds() < orphan_grace)


def _skipped_recent(info: BufferInfo, orphan_grace: float) -> CleanupResult:
    return CleanupResult(info.name, CleanupOutcome.SKIPPED_RECENT, info.state, BufferResources.NONE,
                         "Orphaned buffer '%s' changed less than %s s ago; left alone for now." % (info.name, _seconds(orphan_grace)))


def _refused(info: BufferInfo) -> CleanupResult:
    return CleanupResult(info.name, CleanupOutcome.REFUSED_LIVE, BufferState.LIVE, BufferResources.NONE,
                         "Buffer '%s' is live (%s). Nothing was removed." % (info.name, info.reason))


def _seconds(value: float) -> str:
    """C#'s ``{x:0.#}``: at most one decimal, no trailing zero."""
    text = "%.1f" % value
    return text[:-2] if text.endswith(".0") else text


def _utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


# --------------------------------------------------------------------------------- sweep

def clean_stale(dry_run: bool, orphan_grace: float, except_name: Optional[str] = None) -> list[CleanupResult]:
    """Cleans every stale name and every orphan whose newest file is at least ``orphan_grace`` seconds
    old; one result per non-live name examined. Errors are logged and the name skipped: never raises."""
    results = []
    for name in discover():
        if name == except_name:
            continue
        try:
            # Cheap look first (no lock taken for a live buffer), then the real check under the locks.
            seen = examine(name)
            if seen is None or seen.state is BufferState.LIVE:
                continue
            if _is_recent_orphan(seen, orphan_grace):
                # Not even the locks are taken: a creator that is half-way must not see a lock file appear.
                results.append(_skipped_recent(seen, orphan_grace))
                continue
            result = clean(name, dry_run, orphan_grace)
            if result.outcome not in (CleanupOutcome.NOT_FOUND, CleanupOutcome.REFUSED_LIVE):
                results.append(result)
        except (ZeroBufferError, OSError) as ex:
            _log.warning("Stale sweep skipped buffer '%s': %s", name, ex)
    if not dry_run:
        from ..topics import abandoned_topic_locks  # here, not at the top: the topics package uses this module
        abandoned_topic_locks.remove()  # a crashed publisher's lock file (docs/topics.md)
    return results


def sweep(except_name: Optional[str]) -> int:
    """The sweep a reader runs before it creates its buffer (§5.5); returns how many names were removed. Never raises."""
    try:
        results = clean_stale(False, DEFAULT_ORPHAN_GRACE_PERIOD, except_name)
    except Exception as ex:  # the sweep must never make a create fail
        _log.warning("Stale sweep failed: %s", ex)
        return 0
    return sum(1 for result in results if result.outcome is CleanupOutcome.REMOVED)
