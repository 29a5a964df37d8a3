"""Whether a PID stored in the OIEB names a live process (protocol §6.1)."""

from __future__ import annotations

import os

_INT_MAX = 2**31 - 1


def self_pid() -> int:
    """This process's PID as stored in the OIEB (re-read after a fork)."""
    return os.getpid()


def is_alive(pid: int) -> bool:
    """``kill(pid, 0)`` succeeds, or fails with EPERM (alive, another user's), and /proc does not
    show the process as a zombie or dead. 0 and PIDs above ``INT_MAX`` are absent. PIDs only
    mean something inside one PID namespace."""
    if pid == 0 or pid > _INT_MAX:
        return False
    try:
        os.kill(pid, 0)
    except PermissionError:
        pass
    except ProcessLookupError:
        return False
    # kill() also succeeds for a zombie: a SIGKILLed peer whose parent has not reaped it yet
    # (a shell, a container whose PID 1 does not reap) is dead for our purposes.
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    """Whether ``/proc/<pid>/stat`` shows state Z (zombie) or X (dead). No /proc, no access or
    an unreadable line: False (trust kill())."""
    try:
        fd = os.open("/proc/%d/stat" % pid, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        stat = os.read(fd, 512)
    except OSError:
        return False
    finally:
        os.close(fd)
    return stat_shows_dead(stat)


def stat_shows_dead(stat: bytes) -> bool:
    """Whether a ``/proc/<pid>/stat`` line has state Z or X. ``pid (comm) S ...``: comm may hold
    spaces and parentheses, so the state is the field after the LAST ')'."""
    close = stat.rfind(b")")
    if close < 0 or close + 2 >= len(stat):
        return False
    return stat[close + 2] in b"ZX"
