"""The one publisher of a topic (C#'s ``Publisher``)."""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Optional, Sequence, Union

from .._primitives.lock_file import LockFile, Outcome
from .._protocol import buffer_census, names
from ..errors import (BufferAccessDeniedError, FrameTooLargeError, InvalidFrameSizeError, MetadataAlreadyWrittenError,
                      ObjectDisposedError, ReaderClosedError, ReaderDeadError, TopicAlreadyPublishedError, ZeroBufferError)
from ..writer import Writer
from . import topic_names
from .delivery_policy import DeliveryPolicy
from .publisher_options import PublisherOptions
from .subscriber_link import SubscriberLink
from .subscriber_status import SubscriberStatus

_log = logging.getLogger("zerobuffer")

JoinedHandler = Callable[[SubscriberStatus], None]
"""``(subscriber)``: connected; its buffer has the topic's metadata by then."""
LeftHandler = Callable[[SubscriberStatus, ReaderDeadError], None]
"""``(subscriber, reason)``: its counts are final; ``reason`` is a :class:`~zerobuffer.ReaderClosedError`
when it left (closed its buffer), a plain :class:`~zerobuffer.ReaderDeadError` when it crashed."""

_Bytes = Union[bytes, bytearray, memoryview]


class Publisher:
    """Every frame it publishes goes to each subscriber connected at that moment, as that
    subscriber's :class:`DeliveryPolicy` says, with no daemon in between. Subscribers are ordinary
    buffers named ``T.sub-POLICY-ID``, found by looking in /dev/shm every
    :attr:`PublisherOptions.discovery_interval` on a thread of the publisher's (``docs/topics.md``).

    Publishing is for one thread at a time (:meth:`close` may come from another; a publish waiting
    for a ``BLOCK`` subscriber then ends with :class:`~zerobuffer.ObjectDisposedError`). The
    zero-copy path fills the frame once, in the ring of one subscriber, and copies it once into
    each other subscriber's ring; :meth:`publish` copies it into each.

    A ``BLOCK`` subscriber holds the publisher back while its ring is full, until it reads or dies
    (seen within about 0.1 s). The others never do: a full ring misses the frame, counted, and
    leaves a gap in that subscriber's numbers. A subscriber that leaves or crashes is dropped at
    the next frame (or the next look, when idle) and a crashed one's buffer cleaned;
    :attr:`on_subscriber_joined` and :attr:`on_subscriber_left` tell of both, on the discovery
    thread or the publishing thread (so a handler must not publish).

    One publisher per topic, held by a lock the kernel drops when the process dies, so a new
    publisher takes over from a crashed one at once and finds its subscribers.
    """

    def __init__(self, topic: str, options: Optional[PublisherOptions] = None) -> None:
        """Becomes the publisher of ``topic`` and connects to the subscribers already there.
        :class:`ValueError` for an invalid topic name, :class:`~zerobuffer.TopicAlreadyPublishedError`
        while a live publisher holds it (in any process, C# ones included),
        :class:`~zerobuffer.BufferAccessDeniedError` when its lock file belongs to another user."""
        topic_names.validate_topic(topic)
        options = options if options is not None else PublisherOptions()
        options.validate()
        self.topic = topic
        self._options = options
        self.on_subscriber_joined: list[JoinedHandler] = []
        """Subscribers of the join event (see :data:`JoinedHandler`); a handler's failure is logged and ignored."""
        self.on_subscriber_left: list[LeftHandler] = []
        """Subscribers of the leave event (see :data:`LeftHandler`); a handler's failure is logged and ignored."""
        self._links_gate = threading.Lock()  # guards replacing _links and _metadata, and _closed
        self._links: tuple[SubscriberLink, ...] = ()  # replaced, never changed in place: the publishing thread reads it without the gate
        self._metadata: Optional[bytes] = None
        self._refused: set[str] = set()  # buffers never to connect (another user's): the discovery thread's alone
        self._never_fits: set[str] = set()  # subscribers told of a frame too large for their ring: the publishing thread's alone
        self._busy = threading.Lock()  # held while a publish (or a claimed frame) uses the links, or discovery removes gone ones
        self._frames_published = 0
        self._closed = False
        self._stop = threading.Event()

        # The zero-copy frame between get_frame_buffer and commit_frame (None: none claimed).
        self._claimed: Optional[memoryview] = None
        self._primary: Optional[SubscriberLink] = None  # the subscriber whose ring holds the claimed frame; None: the scratch buffer
        self._claim_links: tuple[SubscriberLink, ...] = ()
        self._scratch = bytearray()  # replaced when too small, never resized: a view handed out earlier may still exist

        self._topic_lock = _take_topic(topic)
        try:
            self._discover()  # subscribers already there get the first frame
        except BaseException:
            self._close_links_and_lock()
            raise
        self._discovery = threading.Thread(target=self._discover_until_stopped, name="zerobuffer topic %s" % topic, daemon=True)
        self._discovery.start()

    # ----------------------------------------------------------------------------- queries

    @property
    def frames_published(self) -> int:
        """Frames published (each offered to every subscriber connected then)."""
        return self._frames_published

    @property
    def closed(self) -> bool:
        return self._closed

    def get_subscribers(self) -> list[SubscriberStatus]:
        """The subscribers connected now, with their counts."""
        return [link.status() for link in self._links if not link.gone]

    # ----------------------------------------------------------------------------- publishing

    def set_metadata(self, metadata: _Bytes) -> None:
        """Sets the topic's metadata (once): written to every subscriber's buffer before the first
        frame it gets, including subscribers that join later. :class:`~zerobuffer.MetadataAlreadyWrittenError`
        when it was set already. A subscriber whose metadata block is too small gets none (logged)."""
        self._throw_if_closed()
        self._throw_if_claimed()
        with self._busy:
            with self._links_gate:
                if self._metadata is not None:
                    raise MetadataAlreadyWrittenError(self.topic, "Topic '%s' already has its metadata; it is written once." % self.topic)
                self._metadata = bytes(metadata)
                for link in self._links:
                    self._write_metadata(link)

    def publish(self, data: _Bytes) -> None:
        """Copies ``data`` to every subscriber as one frame. :class:`~zerobuffer.InvalidFrameSizeError`
        when it is empty."""
        self._throw_if_closed()
        source = data if isinstance(data, bytes) else memoryview(data).cast("B")
        self._throw_if_empty(len(source))
        self._throw_if_claimed()
        with self._busy:
            for link in self._take_links():
                self._offer(link, source)
            self._frames_published += 1

    def get_frame_buffer(self, size: int) -> memoryview:
        """Zero-copy publish: the bytes of the next frame, to fill, then :meth:`commit_frame` (or
        :meth:`abort_frame`). They lie in the ring of one subscriber (a ``BLOCK`` one if any, since it
        must get the frame anyway: waiting for its space), or in a buffer of the publisher's when no
        ring has room. :class:`~zerobuffer.InvalidFrameSizeError` when ``size`` is not positive,
        :class:`RuntimeError` when a frame is already claimed."""
        self._throw_if_closed()
        self._throw_if_empty(size)
        self._throw_if_claimed()
        self._busy.acquire()
        try:
            self._claim_links = self._take_links()
            target = None
            for block_pass in (True, False):  # a BLOCK subscriber first
                for link in self._claim_links:
                    if (link.policy is DeliveryPolicy.BLOCK) == block_pass:
                        target = self._try_claim_in(link, size)
                        if target is not None:
                            self._primary = link
                            break
                if target is not None:
                    break
            if target is None:
                if len(self._scratch) < size:
                    self._scratch = bytearray(size)
                target = memoryview(self._scratch)[:size]
            self._claimed = target
            return target[:]  # the caller's own view: releasing it leaves ours, which the commit copies from
        except BaseException:
            self._end_claim(give_back=True)
            raise

    def commit_frame(self) -> None:
        """Publishes the frame claimed with :meth:`get_frame_buffer`: a copy to each other
        subscriber, then the commit of the one holding it. :class:`RuntimeError` when none is claimed."""
        frame = self._claimed
        if frame is None:
            raise RuntimeError("No frame of topic '%s' to commit; call get_frame_buffer first." % self.topic)
        try:
            for link in self._claim_links:
                if link is self._primary:
                    continue
                if not link.offered_claim:
                    self._offer(link, frame)
                elif not link.gone:
                    link.dropped()  # its ring had no room for the claim: the number it took is its gap
            primary = self._primary
            if primary is not None:
                primary.writer.commit_frame()
                primary.delivered()
            self._frames_published += 1
        finally:
            self._end_claim(give_back=False)

    def abort_frame(self) -> None:
        """Drops the claimed frame: no subscriber gets it, and no number is used up. Nothing to do when none is claimed."""
        if self._claimed is not None:
            self._end_claim(give_back=True)

    # ----------------------------------------------------------------------------- lifecycle

    def close(self) -> None:
        """Ends the topic: every subscriber sees a clean end of stream (:class:`~zerobuffer.WriterClosedError`)
        after the frames it has, and keeps its buffer for a next publisher; the topic's lock goes.
        Idempotent; safe from another thread and from an event handler."""
        with self._links_gate:
            if self._closed:
                return
            self._closed = True
        self._stop.set()
        if threading.current_thread() is not self._discovery:
            self._discovery.join()
        self._close_links_and_lock()

    def _close_links_and_lock(self) -> None:
        # A publish waiting on another thread wakes with ObjectDisposedError when its writer closes.
        for link in self._links:
            link.close()
        self._topic_lock.release(delete_file=True)

    def __enter__(self) -> "Publisher":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------------------- frames, per subscriber

    def _take_links(self) -> tuple[SubscriberLink, ...]:
        """The links to offer the next frame to, after removing the subscribers seen gone. The caller is busy."""
        self._remove_gone()
        return self._links

    def _try_claim_in(self, link: SubscriberLink, size: int) -> Optional[memoryview]:
        """Claims the frame in ``link``'s ring: a ``BLOCK`` subscriber is waited for, the others only
        if there is room now. None when not claimed (the commit counts the miss; an abort gives the number back)."""
        sequence = link.take_claim_sequence()
        try:
            return link.writer._try_get_frame_buffer_sequenced(size, sequence, link.wait_timeout)
        except FrameTooLargeError:
            self._note_never_fits(link, size)
        except ReaderDeadError as error:  # ReaderClosedError too
            link.mark_gone(error)
        return None

    def _offer(self, link: SubscriberLink, frame: _Bytes) -> None:
        """Offers one frame to one subscriber, as its policy says; a subscriber found gone is marked for removal."""
        sequence = link.take_sequence()
        try:
            if link.writer._try_write_sequenced(frame, sequence, link.wait_timeout):
                link.delivered()
            else:
                link.dropped()
        except FrameTooLargeError:
            link.dropped()
            self._note_never_fits(link, len(frame))
        except ReaderDeadError as error:
            link.mark_gone(error)

    def _note_never_fits(self, link: SubscriberLink, size: int) -> None:
        if link.buffer_name not in self._never_fits:
            self._never_fits.add(link.buffer_name)
            _log.warning("Topic '%s': a frame of %d B can never fit the ring of subscriber '%s'; it misses such frames",
                         self.topic, size, link.buffer_name)

    def _remove_gone(self) -> None:
        """Removes the links marked gone, closes their writers and cleans the buffers their crashed
        subscribers left. The caller is busy."""
        if not any(link.gone for link in self._links):
            return
        with self._links_gate:
            gone = [link for link in self._links if link.gone]
            self._links = tuple(link for link in self._links if not link.gone)
        for link in gone:
            link.close()  # gives up our claim on the buffer: a crashed subscriber's is stale from now on
            reason = link.gone_reason
            assert reason is not None
            if not isinstance(reason, ReaderClosedError):
                self._clean(link.buffer_name)  # refuses a live buffer; a clean leave removed its own
            status = link.status()
            _log.info("Topic '%s': subscriber '%s' left after %d frames (%d dropped): %s", self.topic, link.buffer_name,
                      status.frames_delivered, status.frames_dropped, reason)
            self._raise(self.on_subscriber_left, status, reason)

    # ----------------------------------------------------------------------------- discovery

    def _discover_until_stopped(self) -> None:
        while not self._stop.wait(self._options.discovery_interval):
            try:
                self._discover()
                self._check_idle_links()
            except (ZeroBufferError, OSError) as error:
                _log.warning("Topic '%s': looking for subscribers failed: %s", self.topic, error)

    def _discover(self) -> None:
        """Connects to the subscriber buffers of the topic not connected yet: one directory read."""
        connected = {link.buffer_name for link in self._links}
        prefix = self.topic + topic_names.SUBSCRIBER_INFIX
        for name in buffer_census.list_files(names.SHM_DIRECTORY):
            if not name.startswith(prefix) or name in connected or name in self._refused:
                continue
            parsed = topic_names.try_parse_subscriber(self.topic, name)
            if parsed is not None:
                self._try_connect(name, *parsed)

    def _try_connect(self, name: str, policy: DeliveryPolicy, subscriber_id: str) -> None:
        try:
            writer = Writer(name, wait_strategy=self._options.wait_strategy)
        except ReaderDeadError as error:
            # A subscriber that crashed before any publisher connected: nobody else cleans its buffer.
            _log.debug("Topic '%s': subscriber buffer '%s' not connected: %s", self.topic, name, error)
            self._clean(name)
            return
        except BufferAccessDeniedError as error:
            self._refused.add(name)
            _log.debug("Topic '%s': subscriber buffer '%s' not connected: %s", self.topic, name, error)
            return
        except ZeroBufferError as error:
            # Being created, or another writer there: the next look tries again.
            _log.debug("Topic '%s': subscriber buffer '%s' not connected yet: %s", self.topic, name, error)
            return
        writer.write_timeout = None
        link = SubscriberLink(writer, subscriber_id, policy)
        with self._links_gate:
            if self._closed:
                link.close()
                return
            self._write_metadata(link)
            self._links = self._links + (link,)
        _log.info("Topic '%s': subscriber '%s' joined (%s)", self.topic, name, topic_names.policy_name(policy))
        self._raise(self.on_subscriber_joined, link.status())

    def _write_metadata(self, link: SubscriberLink) -> None:
        """Writes the topic's metadata to a subscriber's buffer (under the links gate); metadata a
        previous publisher wrote stays (it is written once per buffer, protocol §3.3)."""
        if self._metadata is None:
            return
        try:
            link.writer.set_metadata(self._metadata)
        except MetadataAlreadyWrittenError:
            pass
        except ValueError as error:  # its metadata block is too small: the frames still go to it
            _log.warning("Topic '%s': subscriber '%s' gets no metadata: %s", self.topic, link.buffer_name, error)

    def _check_idle_links(self) -> None:
        """While nobody publishes, subscribers that left are still noticed (and their buffers cleaned)."""
        for link in self._links:
            if not link.gone:
                link.look()
        if self._busy.acquire(blocking=False):
            try:
                self._remove_gone()
            finally:
                self._busy.release()

    def _clean(self, name: str) -> None:
        try:
            buffer_census.clean(name, False, 0.0)  # refuses a live buffer
        except (ZeroBufferError, OSError) as error:
            _log.warning("Topic '%s': cleaning subscriber buffer '%s' failed: %s", self.topic, name, error)

    def _raise(self, handlers: Sequence[Callable[..., None]], *args: object) -> None:
        for handler in list(handlers):
            try:
                handler(*args)
            except Exception:  # a subscriber's handler must not stop the topic
                _log.warning("Topic '%s': an on_subscriber_joined or on_subscriber_left handler raised", self.topic, exc_info=True)

    # ----------------------------------------------------------------------------- checks

    def _end_claim(self, give_back: bool) -> None:
        """Ends the claim and lets discovery remove links again. ``give_back``: the frame is dropped,
        so each subscriber's number goes back and the ring holding the frame gets its space back."""
        try:
            if give_back:
                for link in self._claim_links:
                    link.return_claim_sequence()
                if self._primary is not None:
                    self._primary.writer.abort_frame()
        finally:
            for link in self._claim_links:
                link.offered_claim = False
            self._claimed = None
            self._primary = None
            self._claim_links = ()
            self._busy.release()

    def _throw_if_claimed(self) -> None:
        """Before waiting for the busy lock, which the claimed frame holds: publishing is one thread at a time, so this is its own claim."""
        if self._claimed is not None:
            raise RuntimeError("A frame of topic '%s' is claimed; commit or abort it first." % self.topic)

    def _throw_if_empty(self, size: int) -> None:
        if size <= 0:
            raise InvalidFrameSizeError(self.topic, "Frame size %d is invalid for topic '%s': frames must have at least 1 byte."
                                        % (size, self.topic))

    def _throw_if_closed(self) -> None:
        if self._closed:
            raise ObjectDisposedError("The publisher of topic '%s' was closed." % self.topic)


_LOCK_PROBE_GRACE = 0.1  # seconds a refusal must last: a stale sweep probing the lock holds it for microseconds


def _take_topic(topic: str) -> LockFile:
    """Takes the topic's lock; a live publisher holds it for good, so a refusal is believed only once it lasted a moment."""
    lock_path = topic_names.publisher_lock_file(topic)
    deadline = time.monotonic() + _LOCK_PROBE_GRACE
    while True:
        outcome, held = LockFile.try_acquire(lock_path, True, topic)
        if outcome is Outcome.ACQUIRED and held is not None:
            return held
        if time.monotonic() >= deadline:
            raise TopicAlreadyPublishedError(topic, "Topic '%s' already has a live publisher (it holds %s)." % (topic, lock_path))
        time.sleep(0.001)
