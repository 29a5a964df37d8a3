"""The lock files of one buffer name, taken in the order of protocol §5.1: the name lock
``/dev/shm/zerobuffer-lock@N``, then ``$TMPDIR/zerobuffer/N.lock``, then upstream C#'s
``$TMPDIR/zerobuffer/locks/N.lock``.

The name lock lives in ``/dev/shm``, which every participant of a buffer shares, so creators and
cleaners exclude each other from any PID or mount namespace; it exists only while a name is
created or cleaned, and its holder deletes it before releasing it. The two ``/tmp`` files exclude
the other implementations: a reader holds them for its whole life. Everyone takes them in the same
order, so two takers never deadlock, and a lock held by anything but a live reader is held only for
a moment: a creator backs off and tries again (:func:`acquire_for_create`).
"""

from __future__ import annotations

import logging
from typing import Callable, Optional

from .._primitives import backoff
from .._primitives.deadline import Deadline
from .._primitives.lock_file import LockFile, Outcome
from ..errors import ReaderAlreadyConnectedError
from . import names

_log = logging.getLogger("zerobuffer")

TRANSIENT_LOCK_WAIT = 1.0
"""Seconds a creator waits for a lock held by something other than a live reader (§5.1 step 3)."""


class NameLocks:
    """The held lock files of one name. Only a holder deletes a lock file (§5.6)."""

    __slots__ = ("name", "_name_lock", "_lock", "_upstream_lock")

    def __init__(self, name: str, name_lock: Optional[LockFile], lock: Optional[LockFile], upstream_lock: Optional[LockFile]) -> None:
        self.name = name
        self._name_lock = name_lock
        self._lock = lock
        self._upstream_lock = upstream_lock

    @staticmethod
    def paths(name: str) -> tuple[str, str, str]:
        """The three lock files of ``name``, in the order they are taken."""
        return (names.name_lock_file(name), names.lock_file(name), names.upstream_lock_file(name))

    @classmethod
    def try_take(cls, name: str, mode: int, upstream_when_missing: bool) -> tuple[Optional["NameLocks"], Optional[str]]:
        """Takes the three locks in order, creating the first two when missing (with ``mode``) and
        the third only when ``upstream_when_missing`` (a creator; a cleaner takes it only if it
        exists). Returns ``(locks, None)``, or ``(None, path)`` of the first lock found held, after
        releasing what it took. :class:`BufferAccessDeniedError` when a lock file cannot be opened."""
        name_path, lock_path, upstream_path = cls.paths(name)
        taken: list[Optional[LockFile]] = []
        try:
            for path, create in ((name_path, True), (lock_path, True), (upstream_path, upstream_when_missing)):
                outcome, lock = LockFile.try_acquire(path, create, name, mode)
                if outcome is Outcome.HELD:
                    cls(name, *(taken + [None] * (3 - len(taken)))).release(delete_all=False)
                    return None, path
                taken.append(lock)  # None when the upstream file is missing and not created
        except BaseException:
            cls(name, *(taken + [None] * (3 - len(taken)))).release(delete_all=False)
            raise
        return cls(name, taken[0], taken[1], taken[2]), None

    def created_by_this_take(self, path: str) -> bool:
        """Whether this take created the lock file at ``path`` (a cleaner's check does not count it as a resource)."""
        return any(lock is not None and lock.path == path and lock.created for lock in self._held())

    def holds(self, path: str) -> bool:
        return any(lock is not None and lock.path == path for lock in self._held())

    def _held(self) -> tuple[Optional[LockFile], ...]:
        return (self._name_lock, self._lock, self._upstream_lock)

    def drop_name_lock(self) -> None:
        """Deletes the name lock and releases it (§5.1 step 8): the name has changed hands."""
        lock, self._name_lock = self._name_lock, None
        if lock is not None:
            lock.release(delete_file=True)

    def release(self, delete_all: bool) -> None:
        """Releases every lock still held, in reverse order. The name lock file is always deleted
        first; the ``/tmp`` files too when ``delete_all`` (the name's resources are gone), else only
        those this take created. Idempotent."""
        upstream, lock, self._upstream_lock, self._lock = self._upstream_lock, self._lock, None, None
        for held in (upstream, lock):
            if held is not None:
                held.release(delete_file=delete_all or held.created)
        self.drop_name_lock()

    def release_tmp_locks(self) -> None:
        """A reader's close (§5.4 step 4): deletes the two ``/tmp`` lock files, then releases them."""
        self.release(delete_all=True)


def acquire_for_create(name: str, mode: int, live_reader: Callable[[str], Optional[str]],
                       settle: Callable[["NameLocks"], bool]) -> NameLocks:
    """Takes the three locks for creating ``name`` (§5.1 steps 3 and 4).

    ``live_reader(held_path)`` is asked when a lock is held: a message when the segment names a
    live reader (not one that is closing), which is reported at once as
    :class:`ReaderAlreadyConnectedError`. ``settle(locks)`` runs with the locks held (the stale
    check): True when the name is free to create, False when its reader is only closing (then, as
    for any other transient holder, the locks are released and taken again after a back-off).
    Gives up after :data:`TRANSIENT_LOCK_WAIT`."""
    last: list[str] = []

    def attempt() -> Optional[NameLocks]:
        locks, held = NameLocks.try_take(name, mode, upstream_when_missing=True)
        if locks is None:
            assert held is not None
            message = live_reader(held)
            if message is not None:
                raise ReaderAlreadyConnectedError(name, message)
            last[:] = ["Buffer '%s' already has a reader: its lock file '%s' is held." % (name, held)]
            return None
        try:
            if settle(locks):
                return locks
        except BaseException:
            locks.release(delete_all=True)  # we hold every one of them: no one else can be using these files
            raise
        # Its reader is removing it right now (from a container whose /tmp we do not share).
        locks.release(delete_all=False)
        last[:] = ["Buffer '%s' is still being closed by its previous reader." % name]
        return None

    locks = backoff.poll(attempt, Deadline(TRANSIENT_LOCK_WAIT))
    if locks is None:
        raise ReaderAlreadyConnectedError(name, last[0] if last else "Buffer '%s' already has a reader: its locks are held." % name)
    return locks
