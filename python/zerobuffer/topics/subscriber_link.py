"""The publisher's connection to one subscriber (C#'s internal ``SubscriberLink``)."""

from __future__ import annotations

from typing import Optional

from ..errors import ObjectDisposedError, ReaderDeadError
from ..writer import Writer
from .delivery_policy import DeliveryPolicy
from .subscriber_status import SubscriberStatus


class SubscriberLink:
    """A :class:`~zerobuffer.Writer` on the subscriber's buffer, its policy, and the numbers given
    to it. Each frame published while the link exists takes the link's next number, delivered or
    not, so a skipped frame is a gap the subscriber sees. Used by the publishing thread; the
    discovery thread only marks it gone (:meth:`look`) and reads its counts."""

    __slots__ = ("writer", "id", "policy", "wait_timeout", "next_sequence", "gone_reason", "offered_claim", "_delivered", "_dropped")

    def __init__(self, writer: Writer, subscriber_id: str, policy: DeliveryPolicy) -> None:
        self.writer = writer
        self.id = subscriber_id
        self.policy = policy
        self.wait_timeout: Optional[float] = None if policy is DeliveryPolicy.BLOCK else 0.0
        """How long a frame waits for ring space: for ever for a ``BLOCK`` subscriber (its death ends the wait), else not at all."""
        self.next_sequence = 1
        """The number of the next frame offered to this subscriber (1 for the first)."""
        self.gone_reason: Optional[ReaderDeadError] = None
        """Set when the subscriber was seen gone (:class:`~zerobuffer.ReaderClosedError`: it left);
        the publishing thread (or an idle look) removes the link."""
        self.offered_claim = False
        """Took a number for the zero-copy frame being claimed (in whichever ring it ends up)."""
        self._delivered = 0
        self._dropped = 0

    @property
    def buffer_name(self) -> str:
        return self.writer.name

    @property
    def gone(self) -> bool:
        return self.gone_reason is not None

    def take_sequence(self) -> int:
        """Takes the number of the frame now offered."""
        sequence = self.next_sequence
        self.next_sequence += 1
        return sequence

    def take_claim_sequence(self) -> int:
        """Takes the number of the zero-copy frame while it is claimed in this subscriber's ring."""
        self.offered_claim = True
        return self.take_sequence()

    def return_claim_sequence(self) -> None:
        """The claimed frame was aborted: its number is given back."""
        if self.offered_claim:
            self.next_sequence -= 1
            self.offered_claim = False

    def mark_gone(self, reason: ReaderDeadError) -> None:
        if self.gone_reason is None:
            self.gone_reason = reason

    def look(self) -> None:
        """Marks the link gone when its subscriber left or died (an idle publisher's look, from the discovery thread)."""
        try:
            reason = self.writer._reader_departure()
        except ObjectDisposedError:
            return  # removed by the publishing thread meanwhile
        if reason is not None:
            self.mark_gone(reason)

    def delivered(self) -> None:
        self._delivered += 1

    def dropped(self) -> None:
        self._dropped += 1

    def status(self) -> SubscriberStatus:
        return SubscriberStatus(self.buffer_name, self.id, self.policy, self._delivered, self._dropped)

    def close(self) -> None:
        """Closes the writer: gives up the publisher's claim on the buffer (a crashed subscriber's is stale from then on)."""
        self.writer.close()
