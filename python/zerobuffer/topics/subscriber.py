"""One subscriber of a topic (C#'s ``Subscriber``)."""

from __future__ import annotations

from typing import Optional

from ..config import BufferConfig
from ..errors import WriterClosedError, WriterDeadError
from ..frame import Frame
from ..reader import Reader
from ..wait import WaitStrategy
from . import topic_names
from .delivery_policy import DeliveryPolicy


class Subscriber:
    """Creates and owns an ordinary buffer named ``T.sub-POLICY-ID`` (:func:`subscriber_buffer`),
    which the topic's publisher finds and writes to; it may join before the publisher exists, and
    outlives publishers (a new one connects to the same buffer). Frames keep the numbers the
    publisher gave them for this subscriber: a frame it could not deliver leaves a gap, counted in
    :attr:`frames_missed`.

    Reading follows :class:`~zerobuffer.Reader`: one thread at a time, frames released to give
    their space back. A publisher that crashes is reported by :class:`~zerobuffer.WriterDeadError`
    (after every frame it committed), one that ended the topic by :class:`~zerobuffer.WriterClosedError`;
    the subscriber stays usable and reads the next publisher's frames, numbered from 1 again.
    """

    def __init__(self, topic: str, policy: DeliveryPolicy, config: Optional[BufferConfig] = None, id: Optional[str] = None, *,
                 wait_strategy: Optional[WaitStrategy] = None) -> None:
        """Creates the subscriber's buffer and joins ``topic``. ``config``: metadata and ring sizes
        of the buffer (default ``BufferConfig()``): the ring should hold at least two of the topic's
        largest frames. ``id``: the subscriber's id in the buffer name (1-32 letters and digits); a
        random one when None. :class:`ValueError` for an invalid topic or id,
        :class:`~zerobuffer.ReaderAlreadyConnectedError` when a live subscriber already has this id."""
        topic_names.validate_topic(topic)
        if not isinstance(policy, DeliveryPolicy):
            raise TypeError("policy must be a DeliveryPolicy, got %r." % (policy,))
        self.topic = topic
        """The topic."""
        self.policy = policy
        """The delivery policy, as the publisher reads it from :attr:`buffer_name`."""
        self.id = id if id is not None else topic_names._new_subscriber_id()
        """This subscriber's id."""
        self.buffer_name = topic_names.subscriber_buffer(topic, policy, self.id)
        """The buffer this subscriber owns (``T.sub-POLICY-ID``)."""
        self._expected_sequence = 1  # the next number from the current publisher
        self._frames_read = 0
        self._frames_missed = 0
        self._frames_skipped = 0
        self._last_gap = 0
        self._reader = Reader(self.buffer_name, config, wait_strategy=wait_strategy)
        # Numbers with gaps are how drops are told, so the reader must not refuse them.
        self._reader._check_sequence_continuity = False

    # ----------------------------------------------------------------------------- counts

    @property
    def frames_read(self) -> int:
        """Frames returned by the reads."""
        return self._frames_read

    @property
    def frames_missed(self) -> int:
        """Frames the publisher published while this subscriber was connected but could not deliver
        (its ring was full): the gaps in the numbers."""
        return self._frames_missed

    @property
    def frames_skipped(self) -> int:
        """Frames delivered but released unread because a newer one was there (``LATEST_ONLY``)."""
        return self._frames_skipped

    @property
    def last_gap(self) -> int:
        """Frames missed just before the frame last read (0: it followed its predecessor)."""
        return self._last_gap

    @property
    def config(self) -> BufferConfig:
        """The sizes the buffer was created with."""
        return self._reader.config

    @property
    def closed(self) -> bool:
        return self._reader.closed

    def prefault(self) -> None:
        """Maps every page of the subscriber's buffer into this process now, so the first pass over
        a large ring takes no page faults (see :meth:`zerobuffer.Reader.prefault`)."""
        self._reader.prefault()

    def is_publisher_connected(self) -> bool:
        """Whether a publisher is connected to this subscriber's buffer and alive."""
        return self._reader.is_writer_connected()

    def get_metadata(self) -> memoryview:
        """The topic's metadata, written by the publisher before the first frame it delivers here
        (read-only, zero-copy); empty when it has none."""
        return self._reader.get_metadata()

    # ----------------------------------------------------------------------------- reading

    def read_frame(self, timeout: Optional[float] = None) -> Frame:
        """Waits for the next frame (for ``LATEST_ONLY``: the newest one, the older ones waiting
        being released unread); an invalid frame (``Frame.INVALID``, falsy) when none arrives within
        ``timeout`` seconds (None: waits for ever). Raises :class:`~zerobuffer.WriterDeadError`
        (the publisher crashed) or :class:`~zerobuffer.WriterClosedError` (it ended the topic), each
        once every frame it committed was read."""
        frame = self._reader.read_frame(timeout)
        return self._accept(frame) if frame else frame

    def try_read_frame(self, timeout: Optional[float] = None) -> Optional[Frame]:
        """Like :meth:`read_frame`, but None instead of an invalid frame."""
        frame = self.read_frame(timeout)
        return frame if frame else None

    async def read_frame_async(self, timeout: Optional[float] = None) -> Frame:
        """:meth:`read_frame` for asyncio: a wait suspends the coroutine instead of blocking the
        thread (see :meth:`Reader.read_frame_async <zerobuffer.Reader.read_frame_async>`)."""
        frame = await self._reader.read_frame_async(timeout)
        return self._accept(frame) if frame else frame

    def _accept(self, frame: Frame) -> Frame:
        """Counts the frame's gap; for ``LATEST_ONLY``, moves on to the newest frame committed."""
        gap = self._note_sequence(frame.sequence)
        if self.policy is DeliveryPolicy.LATEST_ONLY:
            while True:
                newer = self._take_newer()
                if newer is None:
                    break
                frame.release()  # released unread: FIFO release gives its space back with the older frames
                self._frames_skipped += 1
                frame = newer
                gap = self._note_sequence(frame.sequence)
        self._last_gap = gap
        self._frames_read += 1
        return frame

    def _take_newer(self) -> Optional[Frame]:
        """A frame already committed, without waiting. The publisher's end, if it comes now, is reported by the next read instead."""
        try:
            return self._reader.try_read_frame(0)
        except (WriterDeadError, WriterClosedError):
            return None

    def _note_sequence(self, sequence: int) -> int:
        """Counts the frames missed before ``sequence``; a number below the expected one is a new publisher, which starts at 1."""
        expected = 1 if sequence < self._expected_sequence else self._expected_sequence
        gap = sequence - expected
        self._frames_missed += gap
        self._expected_sequence = sequence + 1
        return gap

    # ----------------------------------------------------------------------------- lifecycle

    def close(self) -> None:
        """Deletes the subscriber's buffer: the publisher sees it leave at its next frame (or look).
        Idempotent; safe from another thread."""
        self._reader.close()

    def __enter__(self) -> "Subscriber":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
