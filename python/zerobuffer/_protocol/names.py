"""The OS names of one buffer's resources (protocol §1) and the rule for buffer names; the only
place these formats are spelled out."""

from __future__ import annotations

import os
import re

MAX_NAME_LENGTH = 200
NAME_RULE = '1-200 characters from [A-Za-z0-9._-], not "." or ".."'
LOCK_FILE_EXTENSION = ".lock"
SHM_DIRECTORY = "/dev/shm"
NAME_LOCK_PREFIX = "zerobuffer-lock@"
"""The name lock ``/dev/shm/zerobuffer-lock@N``: ``@`` never occurs in a buffer name, so it is never taken for a segment."""
UPSTREAM_LOCK_SUBDIRECTORY = "locks"

_VALID = re.compile(r"[A-Za-z0-9._-]{1,200}\Z")


def is_valid(name: object) -> bool:
    return isinstance(name, str) and name not in (".", "..") and _VALID.match(name) is not None


def validate(name: object) -> str:
    """Raises :class:`ValueError` naming the rule when ``name`` breaks it."""
    if not is_valid(name):
        raise ValueError("Invalid buffer name %r: a name must be %s." % (name, NAME_RULE))
    return name  # type: ignore[return-value]


def segment(name: str) -> str:
    """``shm_open`` name: ``/N`` (the file ``/dev/shm/N``)."""
    return "/" + name


def data_available_semaphore(name: str) -> str:
    """sem-w, posted once per committed frame by the writer: ``/sem-w-N``."""
    return "/sem-w-" + name


def space_available_semaphore(name: str) -> str:
    """sem-r, posted by the reader when it returns ring space: ``/sem-r-N``."""
    return "/sem-r-" + name


def segment_file(name: str) -> str:
    return os.path.join(SHM_DIRECTORY, name)


def semaphore_file(semaphore_name: str) -> str:
    """The file glibc keeps a named semaphore in (``sem.`` prefix)."""
    return os.path.join(SHM_DIRECTORY, "sem." + semaphore_name.lstrip("/"))


def lock_directory() -> str:
    """``$TMPDIR/zerobuffer``, or ``/tmp/zerobuffer`` when TMPDIR is unset or empty."""
    tmp = os.environ.get("TMPDIR") or "/tmp"
    return os.path.join(tmp, "zerobuffer")


def lock_file(name: str) -> str:
    """The reader's lock file (protocol 1.0, C++ and Python): ``<lock directory>/N.lock``."""
    return os.path.join(lock_directory(), name + LOCK_FILE_EXTENSION)


def upstream_lock_directory() -> str:
    """Upstream C#'s lock directory: ``<lock directory>/locks``."""
    return os.path.join(lock_directory(), UPSTREAM_LOCK_SUBDIRECTORY)


def upstream_lock_file(name: str) -> str:
    """Upstream C#'s reader lock file: ``<lock directory>/locks/N.lock``."""
    return os.path.join(upstream_lock_directory(), name + LOCK_FILE_EXTENSION)


def name_lock_file(name: str) -> str:
    """The name lock, held only while the name is created or cleaned: ``/dev/shm/zerobuffer-lock@N``."""
    return os.path.join(SHM_DIRECTORY, NAME_LOCK_PREFIX + name)


FORMATS = {
    "segment": "/{name}",
    "segmentFile": "/dev/shm/{name}",
    "dataAvailableSemaphore": "/sem-w-{name}",
    "spaceAvailableSemaphore": "/sem-r-{name}",
    "semaphoreFile": "/dev/shm/sem.{semaphore}",
    "lockFile": "{lockDirectory}/{name}.lock",
    "upstreamLockFile": "{lockDirectory}/locks/{name}.lock",
    "nameLockFile": "/dev/shm/zerobuffer-lock@{name}",
}
