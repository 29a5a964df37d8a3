"""Whether a PID stored in the OIEB names a live process (protocol §6.1)."""

from __future__ import annotations

import os

_INT_MAX = 2**31 - 1


def self_pid() -> int:
    """This process's PID as stored in the OIEB (re-read after a fork)."""
    return os.getpid()


def is_alive(pid: int) -> bool:
    """``kill(pid, 0)`` succeeds, or fails with EPERM (alive, another user's). 0 and PIDs above
    ``INT_MAX`` are absent. PIDs only mean something inside one PID namespace."""
    if pid == 0 or pid > _INT_MAX:
        return False
    try:
        os.kill(pid, 0)
        return True
    except PermissionError:
        return True
    except ProcessLookupError:
        return False
