"""The sweep a reader runs before it creates its buffer (protocol §5.5): removes stale buffers and
orphaned resources of other names through :mod:`zerobuffer.lifecycle` (orphans only once their
newest file is 5 s old). A buffer whose lock is held, or with any live PID, is never touched."""

from __future__ import annotations

from typing import Optional


def sweep(except_name: Optional[str]) -> int:
    """Sweeps every name except ``except_name``; returns how many names were removed. Never raises."""
    from .. import lifecycle  # late: lifecycle imports this package's reader_resources

    return lifecycle.sweep(except_name)
