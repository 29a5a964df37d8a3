"""The errno values the SDK acts on. Errno stays an int and is matched by value, never by message text."""

from __future__ import annotations

import errno as _errno
import os

EPERM = _errno.EPERM
EACCES = _errno.EACCES
ENOENT = _errno.ENOENT
ESRCH = _errno.ESRCH
EINTR = _errno.EINTR
EAGAIN = _errno.EAGAIN
EEXIST = _errno.EEXIST
EINVAL = _errno.EINVAL
ENOSPC = _errno.ENOSPC
ELOOP = _errno.ELOOP
EOVERFLOW = _errno.EOVERFLOW
ETIMEDOUT = _errno.ETIMEDOUT


def describe(code: int) -> str:
    """``ENOENT (No such file or directory)``, for messages."""
    symbol = _errno.errorcode.get(code, "errno %d" % code)
    text = os.strerror(code)
    if code == ENOSPC:
        text += "; /dev/shm may be too small"
    elif code == ELOOP:
        text += "; a symbolic link where none is allowed"
    return "%s (%s)" % (symbol, text)
