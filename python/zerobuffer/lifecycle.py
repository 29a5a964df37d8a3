"""The operator's view of the buffers on this machine (protocol §5.5), the twin of C#'s
``ZeroBuffer.Lifecycle.BufferCatalog``: :func:`list_buffers` reports every buffer name with its
state (:attr:`BufferState.LIVE`, :attr:`BufferState.STALE`, :attr:`BufferState.ORPHANED`);
:func:`clean` and :func:`clean_stale` remove the ones nobody owns any more.

Names are found in the lock directory (``*.lock``), among the semaphores in ``/dev/shm``
(``sem.sem-w-N``, ``sem.sem-r-N``), and among the segments in ``/dev/shm`` that start with a valid
protocol-1 control block. Other files in ``/dev/shm`` are never touched.

Safety: a name is only ever removed while holding its lock file (created for the occasion when
missing, and then deleted again whatever the outcome), and only after the state was checked again
with the lock held. A buffer whose lock is held by someone else, or whose reader or writer PID is
alive, is never touched. Readers take the same lock before they create anything, so a cleaner and
a creator of one name cannot interleave.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import logging
import os
from typing import Optional

from ._primitives import liveness
from ._primitives.lock_file import LockFile, Outcome
from ._protocol import layout as L
from ._protocol import names
from ._protocol.reader_resources import remove_names
from .errors import ZeroBufferError

__all__ = [
    "DEFAULT_ORPHAN_GRACE_PERIOD", "BufferInfo", "BufferResources", "BufferState", "CleanupOutcome", "CleanupResult",
    "clean", "clean_stale", "describe", "inspect", "list_buffers",
]

_log = logging.getLogger("zerobuffer")

DEFAULT_ORPHAN_GRACE_PERIOD = 5.0
"""Seconds the newest file of an orphan must be old before :func:`clean_stale` removes it: an
implementation that does not take our lock file creates its semaphores before its segment, and
must not lose them half-way."""

_SEMAPHORE_FILE_PREFIX = "sem."
_DATA_SEMAPHORE_FILE_PREFIX = "sem.sem-w-"
_SPACE_SEMAPHORE_FILE_PREFIX = "sem.sem-r-"


class BufferState(enum.Enum):
    """What a buffer name's resources amount to."""

    LIVE = "Live"
    """In use: its lock file is held, or a PID in its segment is alive (or the segment cannot be read). Never cleaned."""
    STALE = "Stale"
    """A complete buffer (initialised segment, both semaphores) whose lock is free and whose PIDs are dead or 0."""
    ORPHANED = "Orphaned"
    """An incomplete set with no live owner: semaphores or a lock file without a segment, a segment
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
    """The lock file ``<lock directory>/N.lock``."""
    ALL = 15


_BOTH_SEMAPHORES = BufferResources.DATA_SEMAPHORE | BufferResources.SPACE_SEMAPHORE


class CleanupOutcome(enum.Enum):
    """What :func:`clean` did with one name."""

    REMOVED = "Removed"
    WOULD_REMOVE = "WouldRemove"
    """Dry run: these resources would have been removed."""
    REFUSED_LIVE = "RefusedLive"
    """Refused: the buffer is live (lock held or a live PID). Nothing was touched."""
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
    """The reader PID stored in the segment (0 = none or no segment)."""
    writer_pid: int
    reader_alive: bool
    writer_alive: bool
    lock_held: bool
    """Whether some other process holds the lock file (only looked at when no PID is alive)."""
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
    """The state found with the lock held (None when nothing existed)."""
    removed: BufferResources
    """The resources removed (or, in a dry run, that would be)."""
    message: str


def list_buffers() -> list[BufferInfo]:
    """Every buffer name found, with its state, sorted by name."""
    result = []
    for name in _discover_names():
        info = _examine(name, lock_held_by_us=False, lock_file_is_ours=False)
        if info is not None:
            result.append(info)
    return result


def inspect(name: str) -> Optional[BufferInfo]:
    """The state of one name; None when none of its resources exists. :class:`ValueError` for an invalid name."""
    names.validate(name)
    return _examine(name, lock_held_by_us=False, lock_file_is_ours=False)


def clean(name: str, dry_run: bool = False) -> CleanupResult:
    """Removes the resources of ``name`` if it is stale or orphaned; refuses a live buffer
    (:attr:`CleanupOutcome.REFUSED_LIVE`) and touches nothing then. With ``dry_run`` only reports.
    Raises :class:`ValueError` (invalid name) or :class:`~zerobuffer.SystemCallError` (the lock file
    could not be opened)."""
    names.validate(name)
    return _clean_one(name, dry_run, 0.0)


def clean_stale(dry_run: bool = False, orphan_grace: float = DEFAULT_ORPHAN_GRACE_PERIOD) -> list[CleanupResult]:
    """Removes every stale buffer and every orphan whose newest file is at least ``orphan_grace``
    seconds old. Live buffers are never touched. One result per non-live name examined."""
    return _clean_stale_core(dry_run, orphan_grace, None)


def sweep(except_name: Optional[str]) -> int:
    """The sweep run at reader creation (never raises); returns how many names were removed."""
    return sum(1 for r in _clean_stale_core(False, DEFAULT_ORPHAN_GRACE_PERIOD, except_name) if r.outcome is CleanupOutcome.REMOVED)


def describe(resources: BufferResources) -> str:
    """"segment, sem-w, sem-r, lock file" for messages."""
    parts = []
    if resources & BufferResources.SEGMENT:
        parts.append("segment")
    if resources & BufferResources.DATA_SEMAPHORE:
        parts.append("sem-w")
    if resources & BufferResources.SPACE_SEMAPHORE:
        parts.append("sem-r")
    if resources & BufferResources.LOCK_FILE:
        parts.append("lock file")
    return ", ".join(parts) if parts else "nothing"


def resource_list(resources: BufferResources) -> list[str]:
    """The resource names of the CLI's JSON reports: segment, sem-w, sem-r, lock."""
    return [label for flag, label in ((BufferResources.SEGMENT, "segment"), (BufferResources.DATA_SEMAPHORE, "sem-w"),
                                      (BufferResources.SPACE_SEMAPHORE, "sem-r"), (BufferResources.LOCK_FILE, "lock"))
            if resources & flag]


# --------------------------------------------------------------------------------- internals

def _clean_stale_core(dry_run: bool, orphan_grace: float, except_name: Optional[str]) -> list[CleanupResult]:
    results = []
    for name in _discover_names():
        if name == except_name:
            continue
        try:
            # Cheap look first (no lock taken for buffers with a live PID), then the real check under the lock.
            seen = _examine(name, lock_held_by_us=False, lock_file_is_ours=False)
            if seen is None or seen.state is BufferState.LIVE:
                continue
            if _is_recent_orphan(seen, orphan_grace):
                # Not even the lock is taken: a creator that is half-way must not see a lock file appear.
                results.append(_skipped_recent(seen, orphan_grace))
                continue
            result = _clean_one(name, dry_run, orphan_grace)
            if result.outcome not in (CleanupOutcome.NOT_FOUND, CleanupOutcome.REFUSED_LIVE):
                results.append(result)
        except (ZeroBufferError, OSError) as ex:
            _log.warning("Stale sweep skipped buffer '%s': %s", name, ex)
    return results


def _clean_one(name: str, dry_run: bool, orphan_grace: float) -> CleanupResult:
    lock_path = names.lock_file(name)
    first = _examine(name, lock_held_by_us=False, lock_file_is_ours=False)
    if first is None:
        return CleanupResult(name, CleanupOutcome.NOT_FOUND, None, BufferResources.NONE, "No buffer '%s' exists." % name)
    if first.state is BufferState.LIVE:
        return _refused(first)

    outcome, lock = LockFile.try_acquire(lock_path, True, name)
    if outcome is not Outcome.ACQUIRED or lock is None:
        return CleanupResult(name, CleanupOutcome.REFUSED_LIVE, BufferState.LIVE, BufferResources.NONE,
                             "Buffer '%s' is live: its lock file '%s' is held. Nothing was removed." % (name, lock_path))
    delete_lock_file = lock.created  # a lock file created only to check the name goes again
    try:
        info = _examine(name, lock_held_by_us=True, lock_file_is_ours=lock.created)
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
        delete_lock_file = True
        _log.info("Removed stale buffer '%s' (reader PID %d, writer PID %d)", name, info.reader_pid, info.writer_pid)
        return CleanupResult(name, CleanupOutcome.REMOVED, info.state, info.resources, "Removed %s buffer '%s' (%s): %s." % (
            info.state.value.lower(), name, describe(info.resources), info.reason))
    finally:
        lock.release(delete_file=delete_lock_file)


def _is_recent_orphan(info: BufferInfo, orphan_grace: float) -> bool:
    return info.state is BufferState.ORPHANED and (_utc_now() - info.last_change_utc).total_seconds() < orphan_grace


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


_MIN_TIME = datetime.datetime.min.replace(tzinfo=datetime.timezone.utc)


def _examine(name: str, lock_held_by_us: bool, lock_file_is_ours: bool) -> Optional[BufferInfo]:
    """What exists of ``name`` and its state. ``lock_held_by_us``: the caller holds the lock (so it is
    not "held by someone"); ``lock_file_is_ours``: the caller created the lock file just now (it does
    not count as a resource)."""
    segment_path = names.segment_file(name)
    lock_path = names.lock_file(name)
    candidates = [(segment_path, BufferResources.SEGMENT),
                  (names.semaphore_file(names.data_available_semaphore(name)), BufferResources.DATA_SEMAPHORE),
                  (names.semaphore_file(names.space_available_semaphore(name)), BufferResources.SPACE_SEMAPHORE)]
    if not lock_file_is_ours:
        candidates.append((lock_path, BufferResources.LOCK_FILE))
    resources = BufferResources.NONE
    newest = _MIN_TIME
    for path, resource in candidates:
        try:
            changed = os.stat(path).st_mtime
        except OSError:
            continue
        resources |= resource
        newest = max(newest, datetime.datetime.fromtimestamp(changed, datetime.timezone.utc))
    if resources == BufferResources.NONE:
        return None

    block = _read_control_block(segment_path) if resources & BufferResources.SEGMENT else _ControlBlock()
    reader_alive = liveness.is_alive(block.reader_pid)
    writer_alive = liveness.is_alive(block.writer_pid)
    lock_held = False
    if block.unreadable:
        state, reason = BufferState.LIVE, "its segment cannot be read, so its owner cannot be checked"
    elif reader_alive:
        state, reason = BufferState.LIVE, "reader PID %d is alive" % block.reader_pid
    elif writer_alive:
        state, reason = BufferState.LIVE, "writer PID %d is alive (reader PID %d is gone)" % (block.writer_pid, block.reader_pid)
    elif not lock_held_by_us and _is_lock_held(lock_path):
        lock_held = True
        state, reason = BufferState.LIVE, "its lock file is held"
    elif block.initialized and (resources & _BOTH_SEMAPHORES) == _BOTH_SEMAPHORES:
        state, reason = BufferState.STALE, _dead_owners(block)
    else:
        state, reason = BufferState.ORPHANED, _orphan_reason(resources, block)
    return BufferInfo(name, state, reason, resources, block.reader_pid, block.writer_pid, reader_alive, writer_alive, lock_held,
                      block.length, block.metadata_size, block.payload_size, newest)


def _is_lock_held(lock_path: str) -> bool:
    """Whether someone holds the lock; a lock file that cannot be opened counts as held (never clean what cannot be checked)."""
    try:
        return LockFile.is_held(lock_path)
    except ZeroBufferError:
        return True


def _dead_owners(block: "_ControlBlock") -> str:
    reader = "no reader PID" if block.reader_pid == 0 else "reader PID %d is dead" % block.reader_pid
    writer = "no writer PID" if block.writer_pid == 0 else "writer PID %d is dead" % block.writer_pid
    return "lock free, %s, %s" % (reader, writer)


def _orphan_reason(resources: BufferResources, block: "_ControlBlock") -> str:
    if not resources & BufferResources.SEGMENT:
        return "%s without a segment" % describe(resources)
    if not block.initialized:
        return "segment never initialised (no valid control block)"
    missing = BufferResources(_BOTH_SEMAPHORES & ~resources & BufferResources.ALL)
    return "segment without %s, %s" % (describe(missing), _dead_owners(block))


def _discover_names() -> list[str]:
    """Candidate names: lock files, our semaphores, and segments with a protocol-1 control block."""
    found: set[str] = set()
    for entry in _safe_list(names.lock_directory()):
        if entry.endswith(names.LOCK_FILE_EXTENSION):
            _add(found, entry[: -len(names.LOCK_FILE_EXTENSION)])
    for entry in _safe_list(names.SHM_DIRECTORY):
        if entry.startswith(_DATA_SEMAPHORE_FILE_PREFIX):
            _add(found, entry[len(_DATA_SEMAPHORE_FILE_PREFIX):])
        elif entry.startswith(_SPACE_SEMAPHORE_FILE_PREFIX):
            _add(found, entry[len(_SPACE_SEMAPHORE_FILE_PREFIX):])
        elif (not entry.startswith(_SEMAPHORE_FILE_PREFIX) and names.is_valid(entry) and entry not in found
              and _read_control_block(os.path.join(names.SHM_DIRECTORY, entry)).initialized):
            found.add(entry)
    return sorted(found)  # ordinal order, like C#'s StringComparer.Ordinal


def _add(found: set[str], name: str) -> None:
    if names.is_valid(name):
        found.add(name)


def _safe_list(directory: str) -> list[str]:
    """The regular files of ``directory`` (empty when it is missing or unreadable)."""
    try:
        with os.scandir(directory) as entries:
            return [e.name for e in entries if _is_file(e)]
    except OSError:
        return []


def _is_file(entry: "os.DirEntry[str]") -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


@dataclasses.dataclass(frozen=True)
class _ControlBlock:
    """The fields of a segment's control block that tell who owns it, read through the file (no mapping)."""

    unreadable: bool = False
    initialized: bool = False
    length: int = 0
    reader_pid: int = 0
    writer_pid: int = 0
    metadata_size: int = 0
    payload_size: int = 0


def _read_control_block(path: str) -> _ControlBlock:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return _ControlBlock()
    except OSError:
        return _ControlBlock(unreadable=True)
    try:
        length = os.fstat(fd).st_size
        if length < L.OIEB_SIZE:
            return _ControlBlock(length=length)
        oieb = os.pread(fd, L.OIEB_SIZE, 0)
    except OSError:
        return _ControlBlock(unreadable=True)
    finally:
        os.close(fd)
    if len(oieb) < L.OIEB_SIZE:
        return _ControlBlock(length=length)

    def u64(offset: int) -> int:
        return int.from_bytes(oieb[offset:offset + 8], "little")

    size = int.from_bytes(oieb[L.OIEB_SIZE_OFFSET:L.OIEB_SIZE_OFFSET + 4], "little")
    major = oieb[L.VERSION_OFFSET]
    metadata = u64(L.METADATA_SIZE_OFFSET)
    payload = u64(L.PAYLOAD_SIZE_OFFSET)
    writer_pid = u64(L.WRITER_PID_OFFSET)
    reader_pid = u64(L.READER_PID_OFFSET)
    initialized = (size == L.OIEB_SIZE and major == L.VERSION_MAJOR and payload > 0 and metadata <= length
                   and payload <= length and L.OIEB_SIZE + metadata + payload <= length)
    if initialized:
        return _ControlBlock(False, True, length, reader_pid, writer_pid, metadata, payload)
    return _ControlBlock(False, False, length, reader_pid, writer_pid, 0, 0)
