"""``Writer.connect``: connect, and while the buffer is not there yet (or its reader is gone, about to
be replaced), try again after a back-off: any start order (the twin of C#'s ``WriterConnector``)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Optional

from ._primitives import backoff
from ._primitives.deadline import Deadline
from ._protocol import names
from .errors import BufferNotFoundError, ReaderDeadError
from .wait import WaitStrategy

if TYPE_CHECKING:  # pragma: no cover
    from .writer import Writer

MAX_PAUSE = 0.050
"""Seconds of the longest pause between two attempts (as C#'s ``WriterConnector.MaxPause``): how late a connect can notice the reader."""


def connect(writer_type: "type[Writer]", name: str, timeout: Optional[float], wait_strategy: Optional[WaitStrategy],
            stop: Optional[threading.Event]) -> "Writer":
    """See :meth:`Writer.connect`."""
    names.validate(name)
    deadline = Deadline(timeout)
    last: list = [None]

    def attempt() -> Optional["Writer"]:
        try:
            return writer_type(name, wait_strategy=wait_strategy)
        except (BufferNotFoundError, ReaderDeadError) as ex:
            last[0] = ex
            return None

    try:
        writer = backoff.poll(attempt, deadline, stop, max_pause=MAX_PAUSE)
    except backoff.Cancelled:
        raise InterruptedError("Writer.connect('%s') was stopped while waiting for the reader." % name) from None
    if writer is not None:
        return writer
    waited = "within %d ms" % round((timeout or 0) * 1000)
    error = last[0]
    if isinstance(error, ReaderDeadError):
        raise ReaderDeadError(name, "Buffer '%s' had no live reader %s: %s" % (name, waited, error)) from error
    raise BufferNotFoundError(name, "No reader created buffer '%s' %s: %s" % (name, waited, error)) from error
