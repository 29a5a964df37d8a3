"""The receiving side of a buffer."""

from __future__ import annotations

import logging
import struct
import threading
import time
from typing import Callable, Optional

from ._primitives.deadline import Deadline
from ._primitives.usage_gate import UsageGate
from ._protocol import buffer_census, names
from ._protocol import extension_words as X
from ._protocol import layout as L
from ._protocol.control_block import ControlBlock, ControlBlockSource
from ._protocol.peer_liveness import LIVENESS_INTERVAL, PeerLiveness, WriterState, WriterStatus
from ._protocol.reader_resources import ReaderResources
from ._protocol.release_queue import ReleaseQueue, Returned
from .config import BufferConfig
from .errors import BufferCorruptedError, ObjectDisposedError, SequenceError, WriterClosedError, WriterDeadError
from .frame import Frame
from .status import BufferStatus
from .wait import WaitStrategy, _require as _require_strategy

_log = logging.getLogger("zerobuffer")
_HEADER = struct.Struct("<QQ")
_U64 = struct.Struct("<Q")
_INT_MAX = 2**31 - 1
_STALE_TOKEN_DRAIN_INTERVAL = 1 << 16  # most sem-w tokens left behind between drains


class Reader:
    """Creates the buffer ``name`` (segment, semaphores, lock files), receives frames zero-copy,
    and removes the buffer when closed. One reader per name.

    Not thread-safe for reading: call :meth:`read_frame` from one thread at a time. Frames may
    be released on any thread, and :meth:`close` may be called from another thread (a blocked
    read then ends with :class:`ObjectDisposedError`).

    Once every frame the writer committed has been read, a writer that closed is reported as the
    end of the stream (:class:`WriterClosedError`), one that crashed as :class:`WriterDeadError`,
    within about 0.1 s whatever the timeout, also when the writer runs in another PID namespace.

    A committed frame is taken at once; while none is, the reader waits as its
    :attr:`wait_strategy` says (poll, then sleep on sem-w in 100 ms liveness slices).
    """

    MAX_HELD_BACK_BYTES = 64 * 1024
    """Most ring space a reader with :attr:`batch_releases` holds back before publishing it:
    64 KiB, or an eighth of the ring if that is less."""

    def __init__(self, name: str, config: Optional[BufferConfig] = None, *, wait_strategy: Optional[WaitStrategy] = None) -> None:
        """Creates the buffer ``name``. ``wait_strategy``: how to wait for frames (default
        :attr:`WaitStrategy.DEFAULT`, spin then block); also settable later as :attr:`wait_strategy`."""
        names.validate(name)
        config = config if config is not None else BufferConfig()
        if not isinstance(config, BufferConfig):
            raise TypeError("config must be a BufferConfig")
        strategy = WaitStrategy.DEFAULT if wait_strategy is None else _require_strategy(wait_strategy)
        self.name = name
        self.config = config
        buffer_census.sweep(except_name=name)
        self._resources = ReaderResources.create(name, config.metadata_block_size, config.payload_block_size, config.access.mode)
        segment = self._resources.segment
        self._oieb = self._resources.oieb
        self._map = segment.view
        self._segment_length = segment.length
        self._liveness = PeerLiveness(segment.fd)
        self._source = ControlBlockSource.mapped(self._oieb, segment.view, segment.length)  # type: ignore[arg-type]
        self._metadata_offset = L.METADATA_BLOCK_OFFSET
        self._metadata_block_size = config.metadata_block_size
        self._ring_offset = L.payload_offset(config.metadata_block_size)
        self._ring_size = config.payload_block_size
        self._releases = ReleaseQueue()
        # Guards the held-back space, _waiting and _closed; held while touching shared memory from
        # a release; close takes it to unmap.
        self._memory_lock = threading.Lock()
        self._gate = UsageGate()  # a read in progress; close waits for it to leave before unmapping
        self._wait_strategy = strategy
        self._batch_threshold = min(self._ring_size // 8, self.MAX_HELD_BACK_BYTES)  # the most held back when batching
        self._publish_threshold = 0  # 0 (publish every release at once) or _batch_threshold
        self._waiting = False  # the reader thread is waiting for a frame: nothing may be held back
        self._held_back_bytes = 0  # released in FIFO order, not yet added to payload_free_bytes
        self._held_back_frames = 0  # frames among them (a sem-r post is owed)

        # Reader-thread state (mirrors of the OIEB fields only the reader writes).
        self._read_position = 0
        self._read_count = 0
        self._expected_sequence = L.FIRST_SEQUENCE
        self._known_written = 0  # written_count as last read: frames up to it are committed, no need to look again
        self._next_liveness_check = 0.0  # monotonic time of the next writer check while polling (kept across waits)
        self._tokens_left_behind = 0  # frames taken without their sem-w token since the last drain
        self._writer_seen = False
        self._committed_budget = 0  # bytes published and charged but not consumed yet, as far as known (§4.3)
        self._consumed_bytes = 0  # every byte consumed so far (frames and tails); reader thread only
        self._published_bytes = 0  # every byte added back to payload_free_bytes so far; advanced under _memory_lock after the add
        self._release_overflow = False  # a release would have taken payload_free_bytes above P: the counts are damaged
        self._last_place = -1  # read_count at which the last accepted frame was taken (-1: none yet)
        self._closed = False
        self._before_writer_check: Optional[Callable[[], None]] = None
        """Test hook: runs just before the reader looks at the writer's PID (to stage a writer that commits and leaves right then)."""
        self._between_release_stores: Optional[Callable[[], None]] = None
        """Test hook: runs inside a release, between its add to free bytes and its published total (to stage a budget refresh right then)."""
        self._check_sequence_continuity = True
        """Off for a duplex client's response reader: responses carry the sequence of the request
        they answer and may arrive in any order; the client checks correlation instead."""
        _log.info("Reader created buffer '%s' (metadata %d, payload %d bytes)", name, self._metadata_block_size, self._ring_size)

    # ----------------------------------------------------------------------------- queries

    @property
    def wait_strategy(self) -> WaitStrategy:
        """How this reader waits for frames (default :attr:`WaitStrategy.DEFAULT`, spin then
        block). May be changed between reads; :class:`TypeError` for anything but a :class:`WaitStrategy`."""
        return self._wait_strategy

    @wait_strategy.setter
    def wait_strategy(self, value: WaitStrategy) -> None:
        self._wait_strategy = _require_strategy(value)

    @property
    def batch_releases(self) -> bool:
        """Whether released frames give their space back in batches (default False: each
        release publishes its space at once, so ``payload_free_bytes`` is exact after every release).

        With batching on, space is added to ``payload_free_bytes`` with one atomic add and one
        sem-r post per batch instead of per frame. A batch is published when it reaches
        :attr:`MAX_HELD_BACK_BYTES` (or an eighth of the ring), when the reader starts waiting
        for a frame, and at once for any release while it waits; so a writer never waits for
        space a waiting reader holds. The cost: between reads, a writer may see up to that much
        less free space than the reader has released, and space released while the reader thread
        is not inside a read (processing, or done reading) stays held back until its next read
        that has to wait: bounded in amount, not in time. For readers that read continuously.
        Turning it off publishes what is held back. May be changed between reads;
        :class:`ObjectDisposedError` after :meth:`close`."""
        return self._publish_threshold != 0

    @batch_releases.setter
    def batch_releases(self, value: bool) -> None:
        with self._memory_lock:
            if self._closed:
                raise ObjectDisposedError("The reader of buffer '%s' was closed." % self.name)
            self._publish_threshold = self._batch_threshold if value else 0
            self._publish_held_back()

    @property
    def outstanding_frames(self) -> int:
        """Frames read and not yet given back (held, or released early and queued behind an older one)."""
        return self._releases.outstanding

    def prefault(self) -> None:
        """Maps every page of the buffer into this process now, so reading a fresh ring takes no
        page faults: call once after creating the reader when the first frames must not stall.
        Contents are not changed. :class:`SystemCallError` when the kernel refuses (e.g. ENOMEM)."""
        self._enter()
        try:
            self._resources.segment.populate(self.name)
        finally:
            self._gate.exit()

    def is_writer_connected(self) -> bool:
        """Whether a writer is connected and alive (by its writer lock, or its PID for a writer that does not take it)."""
        self._enter()
        try:
            status, _ = self._liveness.writer(self._source)
            return status.state is WriterState.ALIVE
        finally:
            self._gate.exit()

    def get_status(self) -> BufferStatus:
        """A snapshot of the control block."""
        self._enter()
        try:
            return BufferStatus._read(self._oieb, self._map, self.name)  # type: ignore[arg-type]
        finally:
            self._gate.exit()

    def get_metadata(self) -> memoryview:
        """The metadata content (without its length prefix) as a read-only zero-copy view; empty
        when none was written. :class:`BufferCorruptedError` when the stored length does not fit."""
        self._enter()
        try:
            written = self._oieb.metadata_written_bytes()  # acquire: pairs with the writer's commit
            if written == 0:
                return memoryview(b"")
            (length,) = _U64.unpack_from(self._map, self._metadata_offset)  # type: ignore[arg-type]
            if (written < L.METADATA_PREFIX_SIZE or length > written - L.METADATA_PREFIX_SIZE
                    or written > self._metadata_block_size):
                raise self._corrupted("metadata length %d (written bytes %d) does not fit the %d-byte metadata block"
                                      % (length, written, self._metadata_block_size))
            start = self._metadata_offset + L.METADATA_PREFIX_SIZE
            return self._map[start:start + length].toreadonly()  # type: ignore[index]
        finally:
            self._gate.exit()

    # ----------------------------------------------------------------------------- reading

    def read_frame(self, timeout: Optional[float] = None) -> Frame:
        """Waits for the next frame; returns an invalid frame (``Frame.INVALID``, falsy) when none
        arrives within ``timeout`` seconds (``None`` waits forever).

        Raises :class:`WriterClosedError` (the end of the stream: the writer closed and every frame
        it committed was read), :class:`WriterDeadError` (the writer crashed and every frame it
        committed was read), :class:`SequenceError` (unexpected sequence number; the frame is kept
        for the next read), :class:`BufferCorruptedError` (an impossible frame header or count).
        """
        deadline = Deadline(timeout)  # validates the timeout; the wait, if any, starts now
        self._enter()
        try:
            # Hot path: a committed frame is taken without a semaphore wait.
            frame = self._try_take_frame(token_held=False)
            if frame is not None:
                return frame
            return self._wait_for_frame(deadline)
        finally:
            self._gate.exit()

    def _wait_for_frame(self, deadline: Deadline) -> Frame:
        """Waits as :attr:`wait_strategy` says: polls while it says so, then sleeps on sem-w in
        liveness slices. Held-back releases are published first, so a writer waiting for space is
        never kept waiting by a reader that is waiting too. The caller holds the gate."""
        self._set_waiting(True)
        try:
            strategy = self._wait_strategy
            monotonic = time.monotonic
            start = now = monotonic()
            attempt = 0
            while strategy.idle(attempt, now - start):
                attempt += 1
                frame = self._try_take_frame(token_held=False)
                if frame is not None:
                    return frame
                self._throw_if_closed_while_reading()
                now = monotonic()  # one clock read per poll serves the strategy, liveness and deadline
                if now >= self._next_liveness_check:
                    # Per reader, not per wait: a caller polling with short timeouts still learns of a dead writer.
                    self._next_liveness_check = now + LIVENESS_INTERVAL
                    gone = self._writer_gone()
                    if gone is not None:
                        return self._last_frame_or_writer_gone(gone)
                if deadline.has_expired_at(now):
                    self._drain_stale_tokens()  # giving up counts as going idle, like a sleep
                    return Frame.INVALID

            data_available = self._resources.data_available
            while True:
                # Tokens of frames already taken by polling are stale: drop them so the count stays
                # bounded. No wake-up is lost: a frame committed after the drain posts after it.
                self._drain_stale_tokens()
                self._throw_if_closed_while_reading()
                frame = self._try_take_frame(token_held=False)
                if frame is not None:
                    return frame
                token = data_available.wait(deadline.next_slice_ms())
                self._throw_if_closed_while_reading()
                # A quiet slice with a committed frame means its token is late or lost (a writer
                # between its count store and its post, killed there, or a foreign writer that
                # skips posts): take it; the token, if it comes, is then stale and drained.
                frame = self._try_take_frame(token_held=token)
                if frame is not None:
                    return frame
                if not token:
                    gone = self._writer_gone()
                    if gone is not None:
                        return self._last_frame_or_writer_gone(gone)
                if deadline.has_expired:
                    return Frame.INVALID
        finally:
            self._set_waiting(False)

    def _last_frame_or_writer_gone(self, gone: WriterStatus) -> Frame:
        """The writer is gone: a frame it committed just before leaving is taken first (so none is
        ever lost to the report); otherwise :class:`WriterClosedError` when it closed the stream,
        :class:`WriterDeadError` when it died (or left without saying it ended the stream)."""
        frame = self._try_take_frame(token_held=False)
        if frame is not None:
            return frame
        pid = self._oieb.writer_pid()
        if gone.state is WriterState.CLOSED:
            _log.info("Writer of buffer '%s' closed the stream", self.name)
            raise WriterClosedError(self.name, "The writer of buffer '%s' closed the stream and every frame it committed has been "
                                               "read (end of stream)." % self.name)
        _log.info("Writer of buffer '%s' is gone (PID %d)", self.name, pid)
        raise WriterDeadError(self.name, (
            "The writer of buffer '%s' disconnected and every frame it wrote has been read." % self.name
            if pid == 0 else
            "The writer of buffer '%s' (PID %d) died and every frame it committed has been read." % (self.name, pid)))

    def _throw_if_closed_while_reading(self) -> None:
        if self._gate.is_closed:
            raise ObjectDisposedError("The reader of buffer '%s' was closed while reading." % self.name)

    def _set_waiting(self, waiting: bool) -> None:
        """Entering a wait publishes everything held back, and releases made during the wait are published at once."""
        with self._memory_lock:
            self._waiting = waiting
            self._publish_held_back()

    def _drain_stale_tokens(self) -> None:
        self._resources.data_available.drain()
        self._tokens_left_behind = 0

    def try_read_frame(self, timeout: Optional[float] = None) -> Optional[Frame]:
        """Like :meth:`read_frame`, but returns None instead of an invalid frame."""
        frame = self.read_frame(timeout)
        return frame if frame.is_valid else None

    def _control_block(self) -> ControlBlock:
        return ControlBlock.from_mapping(self._oieb, self._map, self._segment_length)  # type: ignore[arg-type]

    def _writer_gone(self) -> Optional[WriterStatus]:
        """The writer's status when a writer was seen and is no longer alive (protocol §6.2): a live
        writer observed here, frames written, a writer PID left behind, or a session of ours.
        None while a writer is alive or none was ever seen."""
        hook = self._before_writer_check
        if hook is not None:
            hook()
        status, block = self._liveness.writer(self._source)
        if status.state is WriterState.ALIVE:
            self._writer_seen = True
            return None
        seen = (self._writer_seen or block.written_count != 0 or status.state in (WriterState.DEAD, WriterState.CLOSED)
                or (block.advertises_writer_sessions and block.session.generation != 0))
        return status if seen else None

    def _try_take_frame(self, token_held: bool) -> Optional[Frame]:
        """Consumes the next frame if one is committed (written count ahead of read count): the
        counts decide, not tokens, so a frame found by polling and a frame announced by a token
        are taken the same way, and a frame that fails validation stays for the next read.
        ``token_held``: the caller just took a sem-w token (it is given back whenever no frame
        is consumed because of an error); otherwise the blocking strategy takes one if there."""
        oieb = self._oieb
        written = self._known_written
        if written <= self._read_count:
            # Only when caught up is the writer's count read again (acquire: the headers and data
            # of every frame up to the count are visible).
            written = oieb.written_count()
            if written <= self._read_count:
                return None
            self._known_written = written
        if self._release_overflow:
            raise self._fail_read(token_held, "a release would have taken payload_free_bytes above the %d-byte ring, "
                                              "so the counts of the buffer are damaged" % self._ring_size)
        ring = self._ring_offset
        ring_size = self._ring_size
        view = self._map
        position = self._read_position
        if ring_size - position < L.FRAME_HEADER_SIZE:
            # Implicit wrap: a tail too short for a header (or read_pos == P) holds nothing.
            tail = ring_size - position
            if not self._fits(tail, token_held):
                return None
            self._consume(tail)
            position = 0
            self._publish_position(position)
            self._return_tail(tail)  # after the published read count, which tells whether frames are still waiting

        length, sequence = _HEADER.unpack_from(view, ring + position)  # type: ignore[arg-type]
        if length == L.WRAP_MARKER_LENGTH:
            # A marker is {0, 0} and never at offset 0 (a frame always fits there): anything else
            # with length 0 is a damaged frame header, not a reason to jump to offset 0.
            if sequence != 0 or position == 0:
                raise self._fail_read(token_held, (
                    "frame header at ring offset %d has length 0 and sequence %d: neither a frame (length > 0) "
                    "nor a wrap marker (sequence 0, not at offset 0)" % (position, sequence)))
            tail = ring_size - position
            if not self._fits(tail, token_held):
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
            length, sequence = _HEADER.unpack_from(view, ring)  # type: ignore[arg-type]

        if length == 0 or length > _INT_MAX or position + L.FRAME_HEADER_SIZE + length > ring_size:
            raise self._fail_read(token_held, "frame header at ring offset %d has length %d, which does not fit the %d-byte ring"
                                  % (position, length, ring_size))
        if sequence == 0:
            # Numbers start at 1; 0 belongs to the marker. For every reader, continuity check or not.
            raise self._fail_read(token_held, "frame header at ring offset %d has length %d and sequence 0 "
                                              "(frame numbers start at 1; 0 is the wrap marker's)" % (position, length))
        if self._check_sequence_continuity and sequence != self._expected_sequence and not self._is_new_writer_connection(sequence):
            # Keep the frame for the next read, and expect its successors from now on.
            expected = self._expected_sequence
            self._expected_sequence = sequence
            self._known_written = self._read_count  # look at the counts afresh next time
            if token_held:
                self._resources.data_available.post()
            _log.warning("Buffer '%s': sequence error: expected %d, got %d", self.name, expected, sequence)
            raise SequenceError(self.name, expected, sequence)

        total = L.FRAME_HEADER_SIZE + length
        if not self._fits(total, token_held):
            return None

        self._committed_budget -= total  # (self._consume, inlined on the hot path)
        self._consumed_bytes += total
        ticket = self._releases.enqueue_frame(total)
        following = position + total
        self._read_position = 0 if following == ring_size else following
        self._last_place = self._read_count
        self._read_count += 1
        oieb.store(L.PAYLOAD_READ_POS_OFFSET, self._read_position)
        oieb.store(L.PAYLOAD_READ_COUNT_OFFSET, self._read_count)
        self._expected_sequence = sequence + 1
        if not token_held:
            if self._wait_strategy._takes_token_per_frame:
                # The blocking strategy keeps the count exactly one per unread frame. A token not
                # posted yet (writer between its count store and its post) arrives late and is
                # drained before the next sleep.
                self._resources.data_available.try_wait()
            else:
                # A frame found by polling leaves its sem-w token behind; the tokens are drained in
                # bulk before the reader sleeps, or here for a reader that never does.
                self._tokens_left_behind += 1
                if self._tokens_left_behind > _STALE_TOKEN_DRAIN_INTERVAL:
                    self._drain_stale_tokens()
        return Frame(self, ticket, ring + position + L.FRAME_HEADER_SIZE, length, sequence)

    def _fits(self, size: int, token_held: bool) -> bool:
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
        status, _ = self._liveness.writer(self._source)
        if status.state is WriterState.ALIVE and not status.ours:
            self._known_written = self._read_count  # look at the counts afresh next time
            return False
        raise self._fail_read(token_held, (
            "the item at ring offset %d (%d bytes) is counted as written but was never charged to payload_free_bytes "
            "(%d bytes charged and unread): payload_written_count %d is damaged"
            % (self._read_position, size, max(0, self._committed_budget), self._known_written)))

    def _refresh_budget(self, size: int, exact: bool) -> bool:
        """Recomputes the budget; True when ``size`` fits. Lock-free (``exact`` False), it may come
        out smaller than the truth, never larger: releases (other threads, under ``_memory_lock``)
        add to free bytes first and to ``_published_bytes`` second, and it reads them the other way
        round, so whatever it sees of a release in between only lowers the figure. Exact, it reads
        both under ``_memory_lock``, where no release can interleave: the last word before the
        reader reports corruption."""
        if exact:
            with self._memory_lock:
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
        block = self._control_block()
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

    def _fail_read(self, token_held: bool, problem: str) -> BufferCorruptedError:
        if token_held:
            self._resources.data_available.post()
        return self._corrupted(problem)

    def _corrupted(self, problem: str) -> BufferCorruptedError:
        self._known_written = self._read_count  # look at the counts afresh next time
        _log.error("Buffer '%s' is corrupted: %s", self.name, problem)
        return BufferCorruptedError(self.name, "Buffer '%s' is corrupted: %s." % (self.name, problem))

    # ----------------------------------------------------------------------------- frames

    def _frame_view(self, ticket: int, offset: int, size: int) -> memoryview:
        """Called by :attr:`Frame.data`: a released frame's bytes may already be rewritten."""
        with self._memory_lock:  # close() takes it before unmapping
            view = self._map
            if self._closed or view is None or not self._releases.is_held(ticket):
                raise ObjectDisposedError("The frame was released (buffer '%s'); its bytes may have been reused." % self.name)
            return view[offset:offset + size]

    def _release(self, ticket: int) -> None:
        """Called by :meth:`Frame.release`."""
        with self._memory_lock:
            if self._closed:
                return
            self._return_space(self._releases.release(ticket))

    def _return_tail(self, size: int) -> None:
        """A skipped wrap tail: enqueued already released, returned in FIFO order with the frames before it."""
        with self._memory_lock:
            self._return_space(self._releases.enqueue_tail(size))

    def _return_space(self, returned: Returned) -> None:
        """Space that became returnable (FIFO). Published at once, unless :attr:`batch_releases`
        is on, the reader thread is not waiting and the batch is below its threshold. The caller
        holds ``_memory_lock``."""
        if returned.bytes == 0:
            return
        self._held_back_bytes += returned.bytes
        self._held_back_frames += returned.frames
        if self._held_back_bytes >= self._publish_threshold or self._waiting:
            self._publish_held_back()

    def _publish_held_back(self) -> None:
        """Gives the held-back space to the writer: one atomic add, and one sem-r post when a
        frame (not only a tail) is among it (protocol §4). The caller holds ``_memory_lock``."""
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
            self._resources.space_available.post()
        self._held_back_bytes = 0
        self._held_back_frames = 0

    # ----------------------------------------------------------------------------- lifecycle

    def _enter(self) -> None:
        if not self._gate.try_enter():
            raise ObjectDisposedError("The reader of buffer '%s' was closed." % self.name)

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Removes the buffer: marks the reader gone, unlinks every resource, releases the lock.
        Held frames become invalid. Idempotent; safe from another thread."""
        if not self._gate.close(self._resources.data_available.post):
            return
        with self._memory_lock:
            if self._closed:
                return
            self._closed = True
            self._map = None
            self._resources.close()
        _log.info("Reader closed buffer '%s'", self.name)

    def __enter__(self) -> "Reader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # pragma: no cover - best effort when close() was forgotten
        try:
            if not getattr(self, "_closed", True) and hasattr(self, "_resources"):
                self.close()
        except Exception:
            pass
