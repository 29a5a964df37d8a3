"""Permission bits of the buffer's OS objects (protocol §1, "Modes")."""

OWNER_ONLY = 0o600
"""The default mode of a segment, semaphore or lock file (``BufferAccess.OWNER``)."""

SHARED = 0o666
"""Any local user may connect (``BufferAccess.EVERYONE``, every upstream implementation's mode)."""

SHARED_DIRECTORY = 0o1777
"""The lock directories, like /tmp: anyone may create a lock, only its owner may delete it."""
