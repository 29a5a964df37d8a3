"""The receiving side of a buffer."""

from __future__ import annotations

import logging
import struct
import time
from typing import Callable, Optional, TypeVar

from ._primitives.deadline import Deadline
from ._primitives.semaphore_watcher import SemaphoreWatcher
from ._primitives.usage_gate import UsageGate
from ._protocol import buffer_census, names
from ._protocol import layout as L
from ._protocol.control_block import ControlBlockSource
from ._protocol.peer_liveness import LIVENESS_INTERVAL, PeerLiveness, WriterState, WriterStatus
from ._protocol.reader_resources import ReaderResources
from ._protocol.ring_reader import RingReader
from .config import BufferConfig
from .errors import BufferCorruptedError, ObjectDisposedError, SequenceError, WriterClosedError, WriterDeadError
from .frame import Frame
from .frame_batch import FrameBatch
from .status import BufferStatus
from .spin_history import SpinHistory
from .wait import WaitStrategy, _require as _require_strategy

_log = logging.getLogger("zerobuffer")
_U64 = struct.Struct("<Q")
_STALE_TOKEN_DRAIN_INTERVAL = 1 << 16  # most sem-w tokens left behind between drains
_T = TypeVar("_T")


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

    def __init__(self, name: str, config: Optional[BufferConfig] = None, *, wait_strategy: Optional[WaitStrategy] = None,
                 _advertised_features: int = 0) -> None:
        """Creates the buffer ``name``. ``wait_strategy``: how to wait for frames (default
        :attr:`WaitStrategy.DEFAULT`, spin then block); also settable later as :attr:`wait_strategy`.
        ``_advertised_features`` (internal): extension bits advertised besides ours (§2.4), e.g.
        FEATURE_DUPLEX_ERRORS by a duplex client's response reader."""
        names.validate(name)
        config = config if config is not None else BufferConfig()
        if not isinstance(config, BufferConfig):
            raise TypeError("config must be a BufferConfig")
        strategy = WaitStrategy.DEFAULT if wait_strategy is None else _require_strategy(wait_strategy)
        self.name = name
        self.config = config
        buffer_census.sweep(except_name=name)
        self._resources = ReaderResources.create(name, config.metadata_block_size, config.payload_block_size, config.access.mode,
                                                 _advertised_features)
        segment = self._resources.segment
        self._oieb = self._resources.oieb
        self._map = segment.view
        self._liveness = PeerLiveness(segment.fd)
        self._source = ControlBlockSource.mapped(self._oieb, segment.view, segment.length)  # type: ignore[arg-type]
        self._metadata_block_size = config.metadata_block_size
        ring_size = config.payload_block_size
        self._ring = RingReader(name, self._oieb, segment.view, segment.length, L.payload_offset(config.metadata_block_size),  # type: ignore[arg-type]
                                ring_size, self._liveness, self._resources.space_available, Frame,
                                batch_threshold=min(ring_size // 8, self.MAX_HELD_BACK_BYTES))
        self._gate = UsageGate()  # a read in progress; close waits for it to leave before unmapping
        self._wait_strategy = strategy
        self._spins = SpinHistory()

        # Reader-thread state of the waiting (the ring's own state is in _ring).
        self._next_liveness_check = 0.0  # monotonic time of the next writer check while polling (kept across waits)
        self._tokens_left_behind = 0  # frames taken without their sem-w token since the last drain
        self._writer_seen = False
        self._closed = False
        self._before_writer_check: Optional[Callable[[], None]] = None
        """Test hook: runs just before the reader looks at the writer's PID (to stage a writer that commits and leaves right then)."""
        _log.info("Reader created buffer '%s' (metadata %d, payload %d bytes)", name, self._metadata_block_size, ring_size)

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
        return self._ring.batching

    @batch_releases.setter
    def batch_releases(self, value: bool) -> None:
        if not self._ring.set_batching(bool(value)):
            raise ObjectDisposedError("The reader of buffer '%s' was closed." % self.name)

    @property
    def outstanding_frames(self) -> int:
        """Frames read and not yet given back (held, or released early and queued behind an older one)."""
        return self._ring.outstanding

    @property
    def _check_sequence_continuity(self) -> bool:
        """Internal reader option (protocol §4.4): off for a duplex client's response reader, whose
        responses carry the sequence of the request they answer, in any order."""
        return self._ring.check_sequence_continuity

    @_check_sequence_continuity.setter
    def _check_sequence_continuity(self, value: bool) -> None:
        self._ring.check_sequence_continuity = value

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
            (length,) = _U64.unpack_from(self._map, L.METADATA_BLOCK_OFFSET)  # type: ignore[arg-type]
            if (written < L.METADATA_PREFIX_SIZE or length > written - L.METADATA_PREFIX_SIZE
                    or written > self._metadata_block_size):
                raise self._ring.corrupted("metadata length %d (written bytes %d) does not fit the %d-byte metadata block"
                                           % (length, written, self._metadata_block_size))
            start = L.METADATA_BLOCK_OFFSET + L.METADATA_PREFIX_SIZE
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
            poll = self._spins.should_poll(strategy)
            while poll and strategy.idle(attempt, now - start):
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
            self._spins.record(strategy, monotonic() - start)
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
        self._ring.set_waiting(waiting)

    def _drain_stale_tokens(self) -> None:
        self._resources.data_available.drain()
        self._tokens_left_behind = 0

    async def read_frame_async(self, timeout: Optional[float] = None) -> Frame:
        """:meth:`read_frame` for asyncio: the same outcomes (an invalid frame after ``timeout``
        seconds, :class:`WriterClosedError` at the end of the stream, :class:`WriterDeadError`,
        ...), but a wait suspends the coroutine instead of blocking the thread. A committed frame is
        returned without suspending. While waiting, the reader's semaphore is watched by a shared
        thread (one per 127 waits, ``futex_waitv``), in the same 100 ms liveness slices as a
        blocking read; cancelling the task ends the wait and takes nothing. One read at a time."""
        deadline = Deadline(timeout)
        frame = self._step(lambda: self._try_take_frame(token_held=False))
        if frame is not None:
            return frame
        data_available = self._resources.data_available
        self._set_waiting(True)
        try:
            while True:
                def look() -> Optional[Frame]:
                    # Tokens of frames taken by polling are stale: dropped before the watch (as before a sleep).
                    self._drain_stale_tokens()
                    return self._try_take_frame(token_held=False)
                frame = self._step(look)
                if frame is not None:
                    return frame
                signalled = await SemaphoreWatcher.wait(data_available, deadline.next_slice_ms())

                def after_watch() -> Frame:
                    token = signalled and data_available.try_wait()
                    taken = self._try_take_frame(token_held=token)
                    if taken is not None:
                        return taken
                    if not token:
                        gone = self._writer_gone()
                        if gone is not None:
                            return self._last_frame_or_writer_gone(gone)
                    return Frame.INVALID
                frame = self._step(after_watch)
                if frame.is_valid or deadline.has_expired:
                    return frame
        finally:
            if not self._gate.is_closed:
                self._set_waiting(False)

    def _step(self, action: Callable[[], _T]) -> _T:
        """One synchronous step of an asynchronous read, inside the gate (never held across an
        await, so a close on the loop's own thread cannot wait for a suspended read)."""
        self._enter()
        try:
            return action()
        finally:
            self._gate.exit()

    def read_frames(self, max_count: int, timeout: Optional[float] = None) -> FrameBatch:
        """A batch, for small frames: the committed frames that lie one after another from the read
        position, up to ``max_count``, taken at once; when none is committed, waits up to ``timeout``
        seconds for the next one (like :meth:`read_frame`) and adds those committed behind it. An
        empty batch (falsy) when none arrived in time. Release the batch (``with batch:``) to give
        all its space back at once. The end of the stream or a dead writer is raised by the call
        that finds nothing more to take: frames committed before are always returned first. A batch
        ends early at a wrap of the ring or anything unusual; the next call goes on from there."""
        if max_count < 1:
            raise ValueError("max_count must be at least 1 (got %r)" % (max_count,))
        views: list[memoryview] = []
        sequences: list[int] = []
        tickets: list[int] = []
        ring = self._ring
        self._enter()
        try:
            ticket = ring.take_run(max_count, views, sequences)
            if ticket >= 0:
                tickets.append(ticket)
                self._leave_tokens(len(views))
                return FrameBatch(ring, tickets, views, sequences)
        finally:
            self._gate.exit()
        first = self.read_frame(timeout)  # waits, crosses a wrap, reports errors and the end of the stream
        if not first.is_valid:
            return FrameBatch.EMPTY  # type: ignore[attr-defined]
        tickets.append(first._ticket)
        views.append(first.data)
        sequences.append(first.sequence)
        if max_count > 1:
            self._enter()
            try:
                ticket = ring.take_run(max_count - 1, views, sequences)
                if ticket >= 0:
                    tickets.append(ticket)
                    self._leave_tokens(len(views) - 1)
            finally:
                self._gate.exit()
        return FrameBatch(ring, tickets, views, sequences)

    def _leave_tokens(self, frames: int) -> None:
        """Frames taken without their sem-w tokens (found by polling, or by a batch, whatever the
        strategy): the tokens are drained in bulk before the reader sleeps, or once too many are left."""
        self._tokens_left_behind += frames
        if self._tokens_left_behind > _STALE_TOKEN_DRAIN_INTERVAL:
            self._drain_stale_tokens()

    def __iter__(self) -> "Reader":
        """``for frame in reader``: every frame until the writer's clean end of stream (then the loop
        ends); a crashed writer raises :class:`WriterDeadError`. Release each frame (``with frame:``)."""
        return self

    def __next__(self) -> Frame:
        try:
            return self.read_frame(None)
        except WriterClosedError:
            raise StopIteration from None

    def __aiter__(self) -> "Reader":
        """``async for frame in reader``: as ``for``, with :meth:`read_frame_async`."""
        return self

    async def __anext__(self) -> Frame:
        try:
            return await self.read_frame_async(None)
        except WriterClosedError:
            raise StopAsyncIteration from None

    def try_read_frame(self, timeout: Optional[float] = None) -> Optional[Frame]:
        """Like :meth:`read_frame`, but returns None instead of an invalid frame."""
        frame = self.read_frame(timeout)
        return frame if frame.is_valid else None

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
        """Takes the next frame if the counts say one is committed (:meth:`RingReader.take`), so a
        frame found by polling and a frame announced by a token are taken the same way.
        ``token_held``: the caller just took a sem-w token, given back when the take fails with an
        error (the frame stays for the next read); otherwise the blocking strategy takes one if there."""
        try:
            frame = self._ring.take()
        except (BufferCorruptedError, SequenceError):
            if token_held:
                self._resources.data_available.post()
            raise
        if frame is not None and not token_held:
            if self._wait_strategy._takes_token_per_frame:
                # The blocking strategy keeps the count exactly one per unread frame. A token not
                # posted yet (writer between its count store and its post) arrives late and is
                # drained before the next sleep.
                self._resources.data_available.try_wait()
            else:
                # A frame found by polling leaves its sem-w token behind; the tokens are drained in
                # bulk before the reader sleeps, or in _leave_tokens for a reader that never does.
                self._leave_tokens(1)
        return frame

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
        if not self._ring.close(self._resources.close):
            return
        self._closed = True
        self._map = None
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
