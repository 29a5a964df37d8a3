"""Publisher lock files no live publisher holds (C#'s ``AbandonedTopicLocks``): what a crashed
publisher leaves in /dev/shm. Harmless (the next publisher takes the file over), but removed by the
stale sweep so that nothing of a topic outlives it."""

from __future__ import annotations

import logging
import os

from .._primitives.lock_file import LockFile, Outcome
from .._protocol import names
from ..errors import ZeroBufferError
from . import topic_names

_log = logging.getLogger("zerobuffer")


def remove() -> list[str]:
    """Removes every abandoned publisher lock file; returns the topics whose file went.

    Taking the lock to find out is a probe of microseconds: a publisher starting at that moment
    tries again (the publisher believes a refusal only once it lasted a moment)."""
    removed: list[str] = []
    try:
        files = [entry for entry in os.listdir(names.SHM_DIRECTORY) if entry.startswith(topic_names.PUBLISHER_LOCK_PREFIX)]
    except OSError:
        return removed
    for file in files:
        path = os.path.join(names.SHM_DIRECTORY, file)
        try:
            outcome, held = LockFile.try_acquire(path, False, None)
        except ZeroBufferError as ex:  # another user's: not ours to remove
            _log.debug("Topic lock %s not examined: %s", path, ex)
            continue
        if outcome is Outcome.ACQUIRED and held is not None:
            held.release(delete_file=True)  # we hold it: no publisher is using the file
            topic = file[len(topic_names.PUBLISHER_LOCK_PREFIX):]
            removed.append(topic)
            _log.warning("Removed the lock file of topic '%s': its publisher is gone", topic)
    return removed
