"""The reader's half of the ring algorithm (protocol §4): taking the next item the counts announce
(implicit wraps, markers, header validation, the committed-bytes budget of §4.3, the sequence
checks of §4.4 with writer-session generations), and giving space back in ring order (the FIFO
:class:`~.release_queue.ReleaseQueue`, with optional batching, §4.5). It never waits and never
touches a semaphore but sem-r's post for returned space; :class:`~zerobuffer.Reader` does the
waiting, the tokens and the writer's liveness around it.

:meth:`RingReader.take` runs on the reader thread only. Frames are released on any thread:
:meth:`RingReader._release` and the batching state are guarded by one lock, which :meth:`close`
takes to unmap, so a release never touches memory that is gone.
"""

from __future__ import annotations

import logging
import struct
import threading
from typing import Any, Callable, Optional

from .._primitives.semaphore import NamedSemaphore
from ..errors import BufferCorruptedError, ObjectDisposedError, SequenceError
from . import extension_words as X
from . import layout as L
from .control_block import ControlBlock, ControlBlockSource
from .oieb import Oieb
from .peer_liveness import PeerLiveness, WriterState
from .release_queue import ReleaseQueue, Returned

_log = logging.getLogger("zerobuffer")
_HEADER = struct.Struct("<QQ")
_INT_MAX = 2**31 - 1

FrameFactory = Callable[["RingReader", int, int, int, int], Any]
"""Makes the frame a read hands out: (owner, ticket, data offset in the segment, length, sequence).
The owner is this ring: the frame calls its ``_frame_view`` and ``_release``."""


class RingReader:
    """The read side of one buffer's ring."""

    __slots__ = ("name", "check_sequence_continuity", "_between_release_stores", "_oieb", "_view", "_segment_length",
                 "_ring_offset", "_ring_size", "_liveness", "_source", "_space_available", "_make_frame",
                 "_read_position", "_read_count", "_expected_sequence", "_known_written", "_committed_budget",
                 "_consumed_bytes", "_published_bytes", "_release_overflow", "_last_place", "_uncounted_wraps",
                 "_releases", "_lock", "_batch_threshold", "_publish_threshold", "_waiting", "_held_back_bytes",
                 "_held_back_frames", "_closed")

    def __init__(self, name: str, oieb: Oieb, view: memoryview, segment_length: int, ring_offset: int, ring_size: int,
                 liveness: PeerLiveness, space_available: NamedSemaphore, make_frame: FrameFactory,
                 batch_threshold: int) -> None:
        self.name = name
        self.check_sequence_continuity = True
        """Off for a duplex client's response reader: responses carry the sequence of the request
        they answer and may arrive in any order; the client checks correlation instead."""
        self._between_release_stores: Optional[Callable[[], None]] = None
        """Test hook: runs inside a release, between its add to free bytes and its published total (to stage a budget refresh right then)."""
        self._oieb = oieb
        self._view: Optional[memoryview] = view
        self._segment_length = segment_length
        self._ring_offset = ring_offset
        self._ring_size = ring_size
        self._liveness = liveness
        self._source = ControlBlockSource.mapped(oieb, view, segment_length)
        self._space_available = space_available
        self._make_frame = make_frame

        # Reader-thread state (mirrors of the OIEB fields only the reader stores, and what it knows).
        self._read_position = 0  # P after a frame that ended exactly at P: the wrap from P is crossed with the next item
        self._read_count = 0
        self._expected_sequence = L.FIRST_SEQUENCE
        self._known_written = 0  # written_count as last read: items up to it are committed, no need to look again
        self._committed_budget = 0  # bytes published and charged but not consumed yet, as far as known (§4.3)
        self._consumed_bytes = 0  # every byte consumed so far (frames and tails); reader thread only
        self._published_bytes = 0  # every byte added back to payload_free_bytes so far; advanced under _lock after the add
        self._release_overflow = False  # a release would have taken payload_free_bytes above P: the counts are damaged
        self._last_place = -1  # read_count at which the last accepted frame was taken (-1: none yet)
        # Wrap points without a marker crossed with a writer not of ours, less the counts taken over
        # as theirs (§4.2; upstream Python counts such wraps): an upper bound of the counts that are,
        # or will be, in payload_written_count without an item the reader has still to consume.
        self._uncounted_wraps = 0

        # Releases (any thread).
        self._releases = ReleaseQueue()
        # Guards the held-back space, _waiting and _closed; held while touching shared memory from a
        # release; close takes it to unmap.
        self._lock = threading.Lock()
        self._batch_threshold = batch_threshold  # the most held back when batching
        self._publish_threshold = 0  # 0 (publish every release at once) or _batch_threshold
        self._waiting = False  # the reader thread is waiting for a frame: nothing may be held back
        self._held_back_bytes = 0  # released in FIFO order, not yet added to payload_free_bytes
        self._held_back_frames = 0  # frames among them (a sem-r post is owed)
        self._closed = False

    # ----------------------------------------------------------------------------- taking items (reader thread)

    def take(self) -> Any:
        """Consumes the next frame if one is committed (written count ahead of read count): the
        counts decide, not tokens, and a frame that fails validation stays for the next read. The
        frame (made by the factory), or None: nothing committed, or an item that is not charged yet
        (look again later). :class:`BufferCorruptedError` for an impossible header or count,
        :class:`SequenceError` for an unexpected number (the frame is kept for the next read)."""
        oieb = self._oieb
        written = self._known_written
        if written <= self._read_count:
            # Only when caught up is the writer's count read again (acquire: the headers and data
            # of every item up to the count are visible).
            written = oieb.written_count()
            if written <= self._read_count:
                if self._uncounted_wraps:
                    self._forget_settled_wraps()
                return None
            self._known_written = written
        if self._release_overflow:
            raise self.corrupted("a release would have taken payload_free_bytes above the %d-byte ring, "
                                 "so the counts of the buffer are damaged" % self._ring_size)
        ring = self._ring_offset
        ring_size = self._ring_size
        view = self._view
        position = self._read_position
        if self._uncounted_wraps:
            # Some of the counts may be upstream wrap counts with nothing behind them (§4.2).
            if self._only_wrap_counts_announced(position):
                return None
            written = self._known_written
        if ring_size - position < L.FRAME_HEADER_SIZE:
            # Implicit wrap: a tail too short for a header (or read_pos == P) holds nothing.
            tail = ring_size - position
            if tail:
                if not self._fits(tail):
                    return None
                self._consume(tail)
                position = 0
                self._publish_position(position)
                self._return_tail(tail)  # after the published read count, which tells whether frames are still waiting
            else:
                position = self._read_position = 0  # after an exact fit: read_pos 0 is already published
            self._note_markerless_wrap()
            if self._uncounted_wraps:
                if self._only_wrap_counts_announced(0, ring_size - tail):
                    return None
                written = self._known_written

        length, sequence = _HEADER.unpack_from(view, ring + position)  # type: ignore[arg-type]
        if length == L.WRAP_MARKER_LENGTH:
            # A marker is {0, 0} and never at offset 0 (a frame always fits there): anything else
            # with length 0 is a damaged frame header, not a reason to jump to offset 0.
            if sequence != 0 or position == 0:
                raise self.corrupted(
                    "frame header at ring offset %d has length 0 and sequence %d: neither a frame (length > 0) "
                    "nor a wrap marker (sequence 0, not at offset 0)" % (position, sequence))
            tail = ring_size - position
            if not self._fits(tail):
                return None
            # Explicit wrap marker: skip the tail, count the marker, read the frame at 0 under the same token.
            self._consume(tail)
            self._read_count += 1
            position = 0
            self._publish_position(position)
            self._return_tail(tail)
            if written <= self._read_count:
                # Only the marker is committed so far (a writer that wraps at acquire time counts it
                # early): the token was stale; the frame comes later.
                return None
            if self._uncounted_wraps and self._only_wrap_counts_announced(0, ring_size - tail):
                return None  # the counts after the marker were only wrap counts: the frame comes later
            length, sequence = _HEADER.unpack_from(view, ring)  # type: ignore[arg-type]

        if length == 0 or length > _INT_MAX or position + L.FRAME_HEADER_SIZE + length > ring_size:
            raise self.corrupted("frame header at ring offset %d has length %d, which does not fit the %d-byte ring"
                                 % (position, length, ring_size))
        if sequence == 0:
            # Numbers start at 1; 0 belongs to the marker. For every reader, continuity check or not.
            raise self.corrupted("frame header at ring offset %d has length %d and sequence 0 "
                                 "(frame numbers start at 1; 0 is the wrap marker's)" % (position, length))
        if self.check_sequence_continuity and sequence != self._expected_sequence and not self._is_new_writer_connection(sequence):
            # Keep the frame for the next read, and expect its successors from now on.
            expected = self._expected_sequence
            self._expected_sequence = sequence
            self._known_written = self._read_count  # look at the counts afresh next time
            _log.warning("Buffer '%s': sequence error: expected %d, got %d", self.name, expected, sequence)
            raise SequenceError(self.name, expected, sequence)

        total = L.FRAME_HEADER_SIZE + length
        if not self._fits(total):
            return None

        self._committed_budget -= total  # (self._consume, inlined on the hot path)
        self._consumed_bytes += total
        ticket = self._releases.enqueue_frame(total)
        following = position + total
        self._read_position = following  # P after an exact fit: see the implicit wrap above
        self._last_place = self._read_count
        self._read_count += 1
        oieb.store(L.PAYLOAD_READ_POS_OFFSET, 0 if following == ring_size else following)
        oieb.store(L.PAYLOAD_READ_COUNT_OFFSET, self._read_count)
        self._expected_sequence = sequence + 1
        return self._make_frame(self, ticket, ring + position + L.FRAME_HEADER_SIZE, length, sequence)

    def take_run(self, max_count: int, views: list, sequences: list) -> int:
        """The batch path (``Reader.read_frames``): takes up to ``max_count`` committed frames that
        lie one after another from the read position, appending each payload's view and sequence,
        and returns the ticket that covers them all (-1: none taken). It stops, taking nothing more,
        at anything :meth:`take` handles with care: a wrap, a header that is not a plain next frame
        (a marker, a damaged header, an unexpected or restarted number), a frame not charged yet, or
        wrap counts of an upstream writer to reconcile; the next :meth:`take` meets it there. So
        every frame it takes is one :meth:`take` would have taken, with the same stores, made once
        per run instead of once per frame."""
        if self._uncounted_wraps or self._release_overflow:
            return -1
        oieb = self._oieb
        read_count = self._read_count
        written = self._known_written
        if written <= read_count:
            written = oieb.written_count()
            if written <= read_count:
                return -1
            self._known_written = written
        count = min(max_count, written - read_count)
        ring_size = self._ring_size
        ring = self._ring_offset
        view = self._view
        position = self._read_position
        expected = self._expected_sequence
        check = self.check_sequence_continuity
        budget = self._committed_budget
        unpack = _HEADER.unpack_from
        header_size = L.FRAME_HEADER_SIZE
        used = 0
        taken = 0
        while taken < count:
            room = ring_size - position - header_size
            if room < 0:
                break  # a wrap: take() crosses it
            length, sequence = unpack(view, ring + position)  # type: ignore[arg-type]
            if length == 0 or length > room or sequence == 0 or (check and sequence != expected):
                break
            total = header_size + length
            if used + total > budget:
                if not self._refresh_budget(used + total, exact=False):
                    break
                budget = self._committed_budget
            start = ring + position + header_size
            views.append(view[start:start + length])  # type: ignore[index]
            sequences.append(sequence)
            used += total
            position += total
            expected = sequence + 1
            taken += 1
        if taken == 0:
            return -1
        self._committed_budget -= used
        self._consumed_bytes += used
        ticket = self._releases.enqueue_frame(used)
        self._read_position = position  # P after an exact fit, as in take()
        self._last_place = read_count + taken - 1
        self._read_count = read_count + taken
        oieb.store(L.PAYLOAD_READ_POS_OFFSET, 0 if position == ring_size else position)
        oieb.store(L.PAYLOAD_READ_COUNT_OFFSET, self._read_count)
        self._expected_sequence = expected
        return ticket

    def corrupted(self, problem: str) -> BufferCorruptedError:
        """The error for a damaged buffer (logged); the counts are looked at afresh at the next take."""
        self._known_written = self._read_count
        _log.error("Buffer '%s' is corrupted: %s", self.name, problem)
        return BufferCorruptedError(self.name, "Buffer '%s' is corrupted: %s." % (self.name, problem))

    # ----------------------------------------------------------------------------- wrap counts of upstream writers

    def _note_markerless_wrap(self) -> None:
        """A wrap point without a marker was crossed (a tail of 0-15 bytes; the item after it is
        announced). Upstream Python's writer counts such a wrap in payload_written_count; ours and
        upstream C++'s do not. With a writer of ours (the session describes writer_pid, or it
        closed) it is certainly not counted; otherwise it may be, now or later."""
        oieb = self._oieb
        pid = oieb.load(L.WRITER_PID_OFFSET)
        session = X.unpack_session(oieb.load(L.WRITER_SESSION_OFFSET))
        ours = (session.state != L.SESSION_STATE_NONE and session.tag == pid) if pid != 0 else session.is_closed
        if not ours:
            self._uncounted_wraps += 1

    def _forget_settled_wraps(self) -> None:
        """Caught up with the counts. Counts still to come can only come from the writer connected
        now: none from a writer of ours, none from a writer that left (writer_pid 0). A live writer
        that does not know the extensions may count a wrap after the reader crossed it, and may
        store an item and its charge before its count (a marker, and its tail); a reader whose
        counts an older wrap count announced has then consumed that item before its count came.
        So with such a writer the wraps crossed stay noted: their counts may still come."""
        oieb = self._oieb
        pid = oieb.load(L.WRITER_PID_OFFSET)
        if pid == 0:
            self._uncounted_wraps = 0
            return
        session = X.unpack_session(oieb.load(L.WRITER_SESSION_OFFSET))
        if session.state != L.SESSION_STATE_NONE and session.tag == pid:
            self._uncounted_wraps = 0

    def _only_wrap_counts_announced(self, position: int, wrapped_from: int = -1) -> bool:
        """With wrap points crossed that an upstream writer may have counted: whether the items the
        counts announce are nothing but such wrap counts. They are when nothing was written from the
        read position on (the writer's position is here) and no committed byte is unconsumed: the
        read count takes them over, and True is returned (no item). True also when it cannot tell
        yet (look again later). More announced items than wraps crossed: look again later while a
        writer that does not know the extensions is alive, else :class:`BufferCorruptedError`.
        Looked at wherever the reader is about to read a header: at its position, and at 0 after a
        wrap (implicit or a marker) from ``wrapped_from``, where a writer still at ``wrapped_from``
        has not wrapped yet (it may have stored the marker, or charged the tail, first). The count
        is read afresh, and the position after it: an item counted has its position stored before
        its count, so the position is at least as new."""
        ring_size = self._ring_size
        oieb = self._oieb
        written = self._known_written = oieb.written_count()
        write_position = oieb.load(L.PAYLOAD_WRITE_POS_OFFSET)
        here = 0 if position == ring_size else position
        writer_at = 0 if write_position == ring_size else write_position
        if (writer_at != here and write_position != wrapped_from) or self._refresh_budget(1, exact=True):
            return False  # something was written from here on (or a full ring is unconsumed)
        announced = written - self._read_count
        if wrapped_from >= 0 and write_position == wrapped_from:
            ring_from, frame_end = -1, wrapped_from  # the wrap is consumed: only a frame at 0 that ends there
        else:
            ring_from, frame_end = here, (here or ring_size)
        if announced > self._uncounted_wraps or self._may_be_uncharged_ring(ring_from, frame_end):
            # More counts than wraps crossed, or real items that may not be charged yet: while a
            # writer that counts before it charges is alive, or one wrote (and maybe left) since the
            # look above, look again later.
            if (self._charge_may_be_in_flight() or oieb.written_count() != written
                    or oieb.load(L.PAYLOAD_WRITE_POS_OFFSET) != write_position):
                self._known_written = self._read_count
                return True
        if announced > self._uncounted_wraps:
            raise self.corrupted(
                "the counts announce %d items at ring offset %d, but nothing was written there (payload_write_pos %d) "
                "and only %d wraps without a marker could have been counted"
                % (announced, here, write_position, self._uncounted_wraps))
        self._read_count = written
        oieb.store(L.PAYLOAD_READ_COUNT_OFFSET, written)
        self._uncounted_wraps -= announced
        return True

    def _may_be_uncharged_ring(self, position: int, frame_end: int) -> bool:
        """Whether real items that fill the whole ring may start at ``position`` (-1: the wrap to 0
        is consumed already), counted but not charged yet (an upstream writer charges after it
        counts): they leave the writer's position where it was. That is a frame at 0 that ends at
        ``frame_end`` (P for a frame at ``position`` 0), behind a marker at ``position`` when a
        marker fits there, behind an implicit wrap when it does not. They need the whole ring, so
        this reader holds nothing; and a frame this reader already took (the number before the
        expected one) is not new."""
        if self._consumed_bytes != self._published_bytes:
            return False
        view = self._view
        ring = self._ring_offset
        if 0 < position <= self._ring_size - L.FRAME_HEADER_SIZE and _HEADER.unpack_from(view, ring + position) != (0, 0):  # type: ignore[arg-type]
            return False
        length, sequence = _HEADER.unpack_from(view, ring)  # type: ignore[arg-type]
        return 0 < length == frame_end - L.FRAME_HEADER_SIZE and sequence != 0 and sequence != self._expected_sequence - 1

    # ----------------------------------------------------------------------------- the committed-bytes budget (§4.3)

    def _fits(self, size: int) -> bool:
        """The committed-bytes budget (protocol §4.3): an item the writer published was charged to
        free bytes before it was counted, so the unconsumed items plus what the reader consumed and
        has not given back never exceed ``P - payload_free_bytes``. The budget is kept from the last
        look at free bytes and looked at again only when ``size`` does not fit, lock-free first,
        then exactly (:meth:`_refresh_budget`). Still no fit: with a live writer that does not know
        the extensions (it charges after publishing) the item is not committed yet (False: looked
        at again at the next poll or slice); otherwise the counts are damaged
        (:class:`BufferCorruptedError`), never old frames delivered again."""
        if size <= self._committed_budget:
            return True
        if self._refresh_budget(size, exact=False) or self._refresh_budget(size, exact=True):
            return True
        if self._charge_may_be_in_flight():
            self._known_written = self._read_count  # look at the counts afresh next time
            return False
        # Gone now, but it may have charged, finished and left between the look at free bytes and
        # the look at it: whatever a writer that left had to charge is charged by now.
        if self._refresh_budget(size, exact=True):
            return True
        raise self.corrupted(
            "the item at ring offset %d (%d bytes) is counted as written but was never charged to payload_free_bytes "
            "(%d bytes charged and unread): payload_written_count %d is damaged"
            % (self._read_position, size, max(0, self._committed_budget), self._known_written))

    def _charge_may_be_in_flight(self) -> bool:
        """A live writer that does not know the extensions publishes its count before it charges
        free bytes: an item it counted may not be charged yet."""
        status, _ = self._liveness.writer(self._source)
        return status.state is WriterState.ALIVE and not status.ours

    def _refresh_budget(self, size: int, exact: bool) -> bool:
        """Recomputes the budget; True when ``size`` fits. Lock-free (``exact`` False), it may come
        out smaller than the truth, never larger: releases (other threads, under ``_lock``) add to
        free bytes first and to ``_published_bytes`` second, and it reads them the other way round,
        so whatever it sees of a release in between only lowers the figure. Exact, it reads both
        under ``_lock``, where no release can interleave: the last word before the reader reports
        corruption."""
        if exact:
            with self._lock:
                published = self._published_bytes
                free = self._oieb.free_bytes()
        else:
            published = self._published_bytes
            free = self._oieb.free_bytes()
        self._committed_budget = self._ring_size - free - (self._consumed_bytes - published)
        return size <= self._committed_budget

    def _consume(self, size: int) -> None:
        self._committed_budget -= size
        self._consumed_bytes += size

    # ----------------------------------------------------------------------------- sequences (§4.4)

    def _is_new_writer_connection(self, sequence: int) -> bool:
        """A sequence-1 frame where another number was expected starts a new writer connection
        (protocol §4.4): a writer numbers from 1 and never repeats a number. With writer sessions
        the generation decides: a 1 from the same session as the last accepted frame is a
        duplicated or damaged frame, not a new connection."""
        if sequence != L.FIRST_SEQUENCE:
            return False
        if self._last_place >= 0 and self._same_session(self._last_place, self._read_count):
            return False
        _log.info("Buffer '%s': a new writer connection started (sequence 1)", self.name)
        return True

    def _same_session(self, previous: int, current: int) -> bool:
        """Whether the items at count places ``previous`` and ``current`` were committed by one
        session: the session still describes the writer (connected with its tag in writer_pid, or
        closed) and both lie in its range."""
        block = ControlBlock.from_mapping(self._oieb, self._view, self._segment_length)  # type: ignore[arg-type]
        if not block.advertises_writer_sessions:
            return False
        session = block.session
        if session.generation == 0 or not (session.is_closed or (session.is_connected and block.session_describes_writer)):
            return False
        if previous < block.session_start:
            return False
        if session.is_closed and block.advertises_commit_record:
            return current < X.record_end(block.commit_record, block.written_count)
        return True

    def _publish_position(self, position: int) -> None:
        self._read_position = position
        self._oieb.store(L.PAYLOAD_READ_POS_OFFSET, position)
        self._oieb.store(L.PAYLOAD_READ_COUNT_OFFSET, self._read_count)

    # ----------------------------------------------------------------------------- giving space back (§4.5; any thread)

    @property
    def outstanding(self) -> int:
        """Frames read and not yet given back (held, or released early and queued behind an older one)."""
        return self._releases.outstanding

    @property
    def batching(self) -> bool:
        return self._publish_threshold != 0

    def set_batching(self, on: bool) -> bool:
        """Turns release batching on or off (off publishes what is held back); False once closed."""
        with self._lock:
            if self._closed:
                return False
            self._publish_threshold = self._batch_threshold if on else 0
            self._publish_held_back()
            return True

    def set_waiting(self, waiting: bool) -> None:
        """The reader thread starts (or stops) waiting for a frame: entering a wait publishes
        everything held back, and releases made during the wait are published at once."""
        with self._lock:
            self._waiting = waiting
            self._publish_held_back()

    def _frame_view(self, ticket: int, offset: int, size: int) -> memoryview:
        """Called by the frame's ``data``: a released frame's bytes may already be rewritten."""
        with self._lock:  # close() takes it before unmapping
            view = self._view
            if self._closed or view is None or not self._releases.is_held(ticket):
                raise ObjectDisposedError("The frame was released (buffer '%s'); its bytes may have been reused." % self.name)
            return view[offset:offset + size]

    def _release(self, ticket: int) -> None:
        """Called by the frame's ``release``."""
        with self._lock:
            if self._closed:
                return
            self._return_space(self._releases.release(ticket))

    def _return_tail(self, size: int) -> None:
        """A skipped wrap tail: enqueued already released, returned in FIFO order with the frames before it."""
        with self._lock:
            self._return_space(self._releases.enqueue_tail(size))

    def _return_space(self, returned: Returned) -> None:
        """Space that became returnable (FIFO). Published at once, unless batching is on, the reader
        thread is not waiting and the batch is below its threshold. The caller holds ``_lock``."""
        if returned.bytes == 0:
            return
        self._held_back_bytes += returned.bytes
        self._held_back_frames += returned.frames
        if self._held_back_bytes >= self._publish_threshold or self._waiting:
            self._publish_held_back()

    def _publish_held_back(self) -> None:
        """Gives the held-back space to the writer: one atomic add, and one sem-r post when a
        frame (not only a tail) is among it (protocol §4). The caller holds ``_lock``."""
        if self._held_back_bytes == 0 or self._closed:
            return
        # Never above P (§4.3): only the reader adds, so free bytes can only go down before this add.
        if self._oieb.free_bytes() + self._held_back_bytes > self._ring_size:
            _log.error("Buffer '%s': releasing %d bytes would raise payload_free_bytes above payload_size %d; nothing added",
                       self.name, self._held_back_bytes, self._ring_size)
            self._release_overflow = True
            self._published_bytes += self._held_back_bytes  # given up: no longer this reader's
            self._held_back_bytes = 0
            self._held_back_frames = 0
            return
        # Free bytes first, then the published total: the reader's lock-free budget refresh reads
        # them the other way round (_refresh_budget), so it can see too little, never too much.
        self._oieb.add_free_bytes(self._held_back_bytes)
        hook = self._between_release_stores
        if hook is not None:
            hook()
        self._published_bytes += self._held_back_bytes
        if self._held_back_frames > 0:
            self._space_available.post()
        self._held_back_bytes = 0
        self._held_back_frames = 0

    # ----------------------------------------------------------------------------- lifecycle

    def close(self, unmap: Callable[[], None]) -> bool:
        """Marks the ring closed and runs ``unmap`` under the release lock, so no release touches
        the memory after it; held frames become invalid. False when it was already closed."""
        with self._lock:
            if self._closed:
                return False
            self._closed = True
            self._view = None
            unmap()
            return True
