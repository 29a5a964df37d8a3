"""Who may open a buffer's OS objects (protocol §1, "Modes")."""

from __future__ import annotations

import enum


class BufferAccess(enum.IntEnum):
    """The permission bits a reader creates its buffer with: segment, both semaphores and every
    lock file it creates, applied again after creation so the umask has no effect. Same values as
    C#'s ``BufferAccess``."""

    OWNER = 0
    """Mode 0600 (the default): only the creator's user may connect."""
    GROUP = 1
    """Mode 0660: the creator's user and group."""
    EVERYONE = 2
    """Mode 0666: any local user, as every upstream implementation creates its buffers."""

    @property
    def mode(self) -> int:
        """The permission bits: 0o600, 0o660 or 0o666."""
        return _MODES[self]

    @staticmethod
    def parse(text: str) -> "BufferAccess":
        """``owner``, ``group`` or ``everyone`` (the CLI's ``--access`` values)."""
        try:
            return BufferAccess[text.upper()]
        except KeyError:
            raise ValueError("Unknown access %r: use owner, group or everyone." % (text,)) from None

    @staticmethod
    def of_mode(mode: int) -> "BufferAccess":
        """The access a file's permission bits amount to: any bit for others → EVERYONE, any for the
        group → GROUP, else OWNER (C#'s ``FileModes.AccessOf``)."""
        return BufferAccess.EVERYONE if mode & 0o007 else BufferAccess.GROUP if mode & 0o070 else BufferAccess.OWNER

    def __str__(self) -> str:
        return self.name.lower()


_MODES = {BufferAccess.OWNER: 0o600, BufferAccess.GROUP: 0o660, BufferAccess.EVERYONE: 0o666}
