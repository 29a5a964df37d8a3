"""Permission bits of the buffer's OS objects (protocol §1)."""

SHARED = 0o666
"""Any local user may connect; applied again with fchmod/chmod so the umask has no effect."""

SHARED_DIRECTORY = 0o1777
"""The lock directory, like /tmp: anyone may create a lock, only its owner may delete it."""
