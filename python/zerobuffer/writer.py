"""The sending side of a buffer."""

from __future__ import annotations

import logging
import math
import struct
import threading
import time
from typing import Optional

from ._primitives.deadline import Deadline
from ._primitives.semaphore_watcher import SemaphoreWatcher
from ._primitives.usage_gate import UsageGate
from ._protocol import layout as L
from ._protocol import names
from ._protocol.peer_liveness import LIVENESS_INTERVAL, ReaderState
from ._protocol.ring_writer import RingWriter
from ._protocol.writer_resources import WriterResources
from .errors import BufferFullError, MetadataAlreadyWrittenError, ObjectDisposedError, ReaderClosedError, ReaderDeadError
from .status import BufferStatus
from .spin_history import SpinHistory
from .wait import WaitStrategy, _require as _require_strategy
from . import writer_connector

_log = logging.getLogger("zerobuffer")
_U64 = struct.Struct("<Q")


class Writer:
    """Connects to a buffer a reader created, writes its metadata once, and writes frames, by
    copy (:meth:`write_frame`) or zero-copy (:meth:`get_frame_buffer` then :meth:`commit_frame`).
    One writer per buffer at a time.

    Not thread-safe: use from one thread at a time (:meth:`close` may come from another thread).
    Nothing becomes visible to the reader before a commit. A reader that died is reported by
    :class:`ReaderDeadError`, one that closed the buffer by its subclass :class:`ReaderClosedError`,
    about 0.1 s after it left, whatever the write timeout. :meth:`close` ends the stream: the reader
    reports :class:`~zerobuffer.WriterClosedError` once it has read everything.
    """

    @classmethod
    def connect(cls, name: str, timeout: Optional[float] = None, *, wait_strategy: Optional[WaitStrategy] = None,
                stop: Optional[threading.Event] = None) -> "Writer":
        """Connects to the buffer ``name``, waiting up to ``timeout`` seconds (None: until ``stop`` is set) for its
        reader to create it, or to replace a reader that crashed: the writer may start first. Nothing signals the
        creation of a buffer, so it looks again after a pause that grows from 1 ms to 50 ms. Gives up with
        :class:`BufferNotFoundError` (no buffer) or :class:`ReaderDeadError` (a buffer whose reader stayed gone);
        any other error comes at once. ``stop`` set: :class:`InterruptedError`."""
        return writer_connector.connect(cls, name, timeout, wait_strategy, stop)

    def __init__(self, name: str, *, wait_strategy: Optional[WaitStrategy] = None) -> None:
        """Connects to the buffer ``name``. ``wait_strategy``: how to wait for ring space (default
        :attr:`WaitStrategy.DEFAULT`, spin then block); also settable later as :attr:`wait_strategy`."""
        names.validate(name)
        strategy = WaitStrategy.DEFAULT if wait_strategy is None else _require_strategy(wait_strategy)
        self.name = name
        self._closed = True  # until connected: nothing for __del__ to close
        resources = WriterResources.connect(name)
        try:
            segment, oieb, session = resources.segment, resources.oieb, resources.session
            self._metadata_block_size, self._ring_size = resources.metadata_block_size, resources.ring_size
            self._oieb = oieb
            self._liveness = resources.liveness
            self._source = resources.source
            # Takes over where the previous writer (if any) stopped (after a repaired commit, if one was finished).
            self._ring = RingWriter(name, oieb, segment.view, L.payload_offset(self._metadata_block_size),  # type: ignore[arg-type]
                                    self._ring_size, session, resources.reader_skips_short_tails, resources.data_available,
                                    resources.space_available)
            self._metadata_written = oieb.metadata_written_bytes() != 0
            self._session = session
            self._segment = segment
            self._map = segment.view
            self._data_available = resources.data_available
            self._space_available = resources.space_available
            self._pending_metadata_length = -1
            self._gate = UsageGate()
            self._next_liveness_check = 0.0
            self._write_timeout: Optional[float] = 5.0
            self._wait_strategy = strategy
            self._spins = SpinHistory()
            self._closed = False
            _log.info("Writer connected to buffer '%s' (ring %d bytes, reader PID %d%s)", name, self._ring_size, resources.reader_pid,
                      ", session generation %d" % session.session.generation if session.session is not None else "")
        except BaseException:
            self._closed = True
            resources.abandon()  # everything after the claim is undone too: the claim given back, only ours
            raise

    # ----------------------------------------------------------------------------- properties

    @property
    def write_timeout(self) -> Optional[float]:
        """Seconds a write waits for ring space before :class:`BufferFullError` (default 5; None = forever)."""
        return self._write_timeout

    @write_timeout.setter
    def write_timeout(self, value: Optional[float]) -> None:
        if value is not None and (value <= 0 or math.isnan(value)):
            raise ValueError("write_timeout must be positive or None (infinite), got %r" % (value,))
        self._write_timeout = value

    @property
    def wait_strategy(self) -> WaitStrategy:
        """How this writer waits for ring space when the ring is full (default
        :attr:`WaitStrategy.DEFAULT`, spin then block). May be changed between writes;
        :class:`TypeError` for anything but a :class:`WaitStrategy`."""
        return self._wait_strategy

    @wait_strategy.setter
    def wait_strategy(self, value: WaitStrategy) -> None:
        self._wait_strategy = _require_strategy(value)

    @property
    def metadata_block_size(self) -> int:
        """M of the connected buffer."""
        return self._metadata_block_size

    @property
    def ring_size(self) -> int:
        """P of the connected buffer."""
        return self._ring_size

    @property
    def frames_written(self) -> int:
        """Frames committed by this writer."""
        return self._ring.frames_written

    @property
    def next_sequence(self) -> int:
        """The sequence number the next frame gets."""
        return self._ring.next_sequence

    @property
    def max_frame_size_anywhere(self) -> int:
        """Largest frame that always fits, wherever the write position is, and never leaves a tail
        of 1 to 15 bytes at the end of the ring, so it is safe with every reader, upstream ones
        included: ``(P - 13) // 2 - 17``, which is P / 2 − 24 for an even ring (protocol §3.2).
        Size the ring at least 2 × (largest frame + 24)."""
        return self._ring.max_frame_size_anywhere

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def _generation(self) -> int:
        """This writer's session generation (§2.4): 1 for the first writer of the buffer; 0 without
        writer sessions. A duplex client uses it to tell a session's first client from a later one."""
        session = self._session._session
        return session.generation if session is not None else 0

    def _reader_advertises(self, feature: int) -> bool:
        """Whether the buffer's reader advertises extension ``feature`` (an ``L.FEATURE_*`` bit, §2.4)."""
        magic_and_features = self._oieb.load(L.EXTENSION_MAGIC_OFFSET)
        return (magic_and_features & 0xFFFFFFFF) == L.EXTENSION_MAGIC and ((magic_and_features >> 32) & feature) != 0

    def prefault(self) -> None:
        """Maps every page of the buffer into this process now, writable, so the first pass over
        a fresh ring takes no page faults. Call once after connecting; contents are not changed.
        :class:`SystemCallError` when the kernel refuses (e.g. ENOMEM)."""
        self._enter()
        try:
            self._segment.populate(self.name)
        finally:
            self._gate.exit()

    def is_reader_connected(self) -> bool:
        """Whether the reader is alive (by its reader lock, or its PID for a reader that does not take it)."""
        self._enter()
        try:
            return self._reader_state() is ReaderState.ALIVE
        finally:
            self._gate.exit()

    def get_status(self) -> BufferStatus:
        """A snapshot of the control block."""
        self._enter()
        try:
            return BufferStatus._read(self._oieb, self._map, self.name)  # type: ignore[arg-type]
        finally:
            self._gate.exit()

    # ----------------------------------------------------------------------------- metadata

    def set_metadata(self, metadata: bytes | bytearray | memoryview) -> None:
        """Writes the buffer's metadata (once per buffer). :class:`MetadataAlreadyWrittenError` when
        it already has some; :class:`ValueError` when 8 + length exceeds the block or length is 0."""
        source = memoryview(metadata).cast("B")
        target = self.get_metadata_buffer(len(source))
        target[:] = source
        self.commit_metadata()

    def get_metadata_buffer(self, size: int) -> memoryview:
        """Zero-copy metadata: the space for ``size`` bytes; :meth:`commit_metadata` publishes it."""
        self._enter()  # a close on another thread waits until the view is handed out
        try:
            return self._get_metadata_buffer_unsynchronized(size)
        finally:
            self._gate.exit()

    def _get_metadata_buffer_unsynchronized(self, size: int) -> memoryview:
        if self._pending_metadata_length >= 0:
            raise RuntimeError("Metadata of buffer '%s' is already acquired; call commit_metadata first." % self.name)
        if self._metadata_written or self._oieb.metadata_written_bytes() != 0:
            self._metadata_written = True
            raise MetadataAlreadyWrittenError(self.name, "Metadata of buffer '%s' was already written; it is written once per buffer." % self.name)
        if size <= 0:
            # C++ and Python (upstream) readers reject a stored length of 0 as invalid metadata.
            raise ValueError("Metadata of %d bytes is invalid for buffer '%s': write at least 1 byte, or none at all." % (size, self.name))
        if L.METADATA_PREFIX_SIZE + size > self._metadata_block_size:
            raise ValueError("Metadata of %d bytes does not fit buffer '%s': 8 + %d > metadata block of %d bytes (at most %d)."
                             % (size, self.name, size, self._metadata_block_size,
                                max(0, self._metadata_block_size - L.METADATA_PREFIX_SIZE)))
        self._pending_metadata_length = size
        start = L.METADATA_BLOCK_OFFSET + L.METADATA_PREFIX_SIZE
        return self._map[start:start + size]  # type: ignore[index]

    def commit_metadata(self) -> None:
        """Publishes the metadata acquired with :meth:`get_metadata_buffer`."""
        self._enter()  # a close on another thread waits for the stores to the control block
        try:
            self._commit_metadata_unsynchronized()
        finally:
            self._gate.exit()

    def _commit_metadata_unsynchronized(self) -> None:
        if self._pending_metadata_length < 0:
            raise RuntimeError("No metadata of buffer '%s' to commit; call get_metadata_buffer first." % self.name)
        written = L.METADATA_PREFIX_SIZE + self._pending_metadata_length
        _U64.pack_into(self._map, L.METADATA_BLOCK_OFFSET, self._pending_metadata_length)  # type: ignore[arg-type]
        self._oieb.store(L.METADATA_FREE_BYTES_OFFSET, self._metadata_block_size - written)
        self._oieb.store(L.METADATA_WRITTEN_BYTES_OFFSET, written)  # release: prefix and content first
        self._pending_metadata_length = -1
        self._metadata_written = True

    # ----------------------------------------------------------------------------- frames

    def write_frame(self, data: bytes | bytearray | memoryview) -> None:
        """Copies ``data`` into the ring as one frame, waiting up to :attr:`write_timeout` for space.

        Raises :class:`InvalidFrameSizeError` (empty), :class:`FrameTooLargeError` (can never fit, or
        would leave a tail the buffer's upstream reader cannot skip), :class:`BufferFullError` (no
        space in time, reader alive), :class:`ReaderDeadError`.
        """
        source = memoryview(data).cast("B") if not isinstance(data, bytes) else data
        self._enter()  # held across wait, copy and commit: a close on another thread waits for all three
        try:
            if not self._write(source, self._write_timeout, 0):
                raise self._full(len(source))
        finally:
            self._gate.exit()

    def try_write_frame(self, data: bytes | bytearray | memoryview, timeout: Optional[float]) -> bool:
        """Like :meth:`write_frame`, but returns False instead of raising when the ring stays full for ``timeout`` seconds."""
        source = memoryview(data).cast("B") if not isinstance(data, bytes) else data
        self._enter()
        try:
            return self._write(source, timeout, 0)
        finally:
            self._gate.exit()

    async def write_frame_async(self, data: bytes | bytearray | memoryview) -> None:
        """:meth:`write_frame` for asyncio: the same outcomes, but waiting for space suspends the
        coroutine instead of blocking the thread (the reader's space semaphore is watched by a
        shared thread, in 100 ms liveness slices, up to :attr:`write_timeout`). A frame that fits
        is written without suspending. The bytes are copied in one synchronous step, so ``data``
        may be reused as soon as the call returns. One write at a time; cancelling the task while
        it waits writes nothing."""
        source = memoryview(data).cast("B") if not isinstance(data, bytes) else data
        deadline = Deadline(self._write_timeout)
        space_available = self._space_available
        while True:
            self._enter()
            try:
                if self._write(source, 0, 0):
                    return
                # No wake-up is lost: space returned after the drain posts after it.
                space_available.drain()
                if self._write(source, 0, 0):
                    return
                if deadline.has_expired:
                    raise self._full(len(source))
            finally:
                self._gate.exit()
            if not await SemaphoreWatcher.wait(space_available, deadline.next_slice_ms()):
                self._enter()
                try:
                    self._ensure_reader_alive(force=True)  # a quiet slice: look at the reader now
                finally:
                    self._gate.exit()

    def get_frame_buffer(self, size: int) -> memoryview:
        """Zero-copy write: waits (up to :attr:`write_timeout`) for space and returns the ring bytes
        of the next frame (its sequence number is :attr:`next_sequence`). Fill them, then
        :meth:`commit_frame` (or :meth:`abort_frame`). Nothing is visible to the reader before the commit."""
        self._enter()
        try:
            buffer = self._acquire(size, self._write_timeout, 0)
            if buffer is None:
                raise self._full(size)
            return buffer
        finally:
            self._gate.exit()

    def commit_frame(self) -> None:
        """Publishes the frame acquired with :meth:`get_frame_buffer`: header, counters, then one wake-up."""
        if not self._ring.has_pending:
            self._throw_if_closed()
            raise RuntimeError("No frame of buffer '%s' to commit; call get_frame_buffer first." % self.name)
        self._enter()
        try:
            self._ring.commit()
        finally:
            self._gate.exit()

    def abort_frame(self) -> None:
        """Drops the acquired frame: nothing was published; the next frame reuses the space and sequence number."""
        self._throw_if_closed()
        self._ring.abort()

    # Duplex responses (internal): a frame whose header carries ``sequence`` (the request it answers)
    # instead of this writer's next number; such frames do not advance :attr:`next_sequence`. Only for
    # readers that check correlation, not continuity.

    def _try_write_sequenced(self, data: bytes | bytearray | memoryview, sequence: int, timeout: Optional[float]) -> bool:
        if sequence <= 0:
            raise ValueError("sequence must be positive (0 is the wrap marker's number)")
        source = memoryview(data).cast("B") if not isinstance(data, bytes) else data
        self._enter()
        try:
            return self._write(source, timeout, sequence)
        finally:
            self._gate.exit()

    def _try_get_frame_buffer_sequenced(self, size: int, sequence: int, timeout: Optional[float]) -> Optional[memoryview]:
        if sequence <= 0:
            raise ValueError("sequence must be positive (0 is the wrap marker's number)")
        self._enter()
        try:
            return self._acquire(size, timeout, sequence)
        finally:
            self._gate.exit()

    def _write(self, source: bytes | memoryview, timeout: Optional[float], sequence: int) -> bool:
        """Acquire, copy, commit: the one path of every copying write. False on timeout. The caller holds the gate."""
        size = len(source)
        if not self._try_acquire(size, timeout, sequence):
            return False
        ring = self._ring
        start = ring.pending_offset
        self._map[start:start + size] = source  # type: ignore[index]
        ring.commit()
        return True

    def _acquire(self, size: int, timeout: Optional[float], sequence: int) -> Optional[memoryview]:
        """The zero-copy path: the claimed frame's bytes, or None on timeout. The caller holds the gate."""
        if not self._try_acquire(size, timeout, sequence):
            return None
        start = self._ring.pending_offset
        return self._map[start:start + size]  # type: ignore[index]

    def _try_acquire(self, size: int, timeout: Optional[float], sequence: int) -> bool:
        """Validates the frame, plans its place, looks at the reader, and claims the frame once its
        space is free, waiting for it up to ``timeout``; False on timeout. The caller holds the gate."""
        if self._closed:
            raise ObjectDisposedError("The writer of buffer '%s' was closed." % self.name)
        ring = self._ring
        plan = ring.plan(size)  # validation and placement errors come first, and never wait
        self._ensure_reader_alive(force=False)
        deadline = Deadline(timeout)  # validates the timeout; the wait, if any, starts now
        if ring.try_claim(plan, size, sequence):
            return True
        if not self._wait_for_space(plan.required, deadline):
            return False
        ring.claim(plan, size, sequence)
        return True

    def _wait_for_space(self, required: int, deadline: Deadline) -> bool:
        """Waits until payload_free_bytes >= required (the ring found it short just now): polls
        while :attr:`wait_strategy` says so, then sleeps on sem-r in liveness slices. Stale sem-r
        tokens are drained before each sleep so their count stays bounded (protocol §6.3)."""
        strategy = self._wait_strategy
        start = time.monotonic()
        try:
            return self._wait_for_space_from(start, strategy, required, deadline)
        finally:
            self._spins.record(strategy, time.monotonic() - start)

    def _wait_for_space_from(self, start: float, strategy: WaitStrategy, required: int, deadline: Deadline) -> bool:
        oieb = self._oieb
        attempt = 0
        poll = self._spins.should_poll(strategy)
        while poll and strategy.idle(attempt, time.monotonic() - start):
            attempt += 1
            if oieb.free_bytes() >= required:
                return True
            if self._gate.is_closed:
                raise ObjectDisposedError("The writer of buffer '%s' was closed while waiting for space." % self.name)
            self._ensure_reader_alive(force=False)  # looks at the reader at most every 100 ms
            if deadline.has_expired:
                return False
        space_available = self._space_available
        while True:
            # No wake-up is lost: space returned after the drain posts after it.
            space_available.drain()
            if oieb.free_bytes() >= required:
                return True
            if self._gate.is_closed:
                raise ObjectDisposedError("The writer of buffer '%s' was closed while waiting for space." % self.name)
            self._ensure_reader_alive(force=False)
            if deadline.has_expired:
                return False
            if not space_available.wait(deadline.next_slice_ms()):
                self._ensure_reader_alive(force=True)  # a quiet slice: look at the reader now
            elif oieb.free_bytes() >= required:
                return True

    def _reader_state(self) -> ReaderState:
        state, _ = self._liveness.reader(self._source)
        return state

    def _ensure_reader_alive(self, force: bool) -> None:
        """Raises :class:`ReaderClosedError` when the reader closed the buffer, :class:`ReaderDeadError`
        when it died. Reads reader_pid every call; looks at the reader (its lock, or its PID) at most
        every 100 ms unless forced or reader_pid is 0."""
        pid = self._oieb.reader_pid()
        now = time.monotonic()
        if pid != 0 and not force and now < self._next_liveness_check:
            return
        self._next_liveness_check = now + LIVENESS_INTERVAL
        state = self._reader_state()
        if state is ReaderState.ALIVE:
            return
        # Give up our claim (only our own PID, never another writer's) and our writer lock: with the
        # reader gone and no live writer, the name is stale and a new reader can recreate it (§5.3).
        self._session.give_up()
        _log.info("Reader of buffer '%s' is gone (PID %d, %s)", self.name, pid, state.value.lower())
        raise self._reader_gone_error(state, pid)

    def _reader_departure(self) -> Optional[ReaderDeadError]:
        """The error a write would raise about the reader now, or None while it is alive; unlike a
        write, it gives up nothing, so another thread may ask while this one writes (a topic's
        publisher looks at its idle subscribers from its discovery thread)."""
        self._enter()
        try:
            pid = self._oieb.reader_pid()
            state = self._reader_state()
            return None if state is ReaderState.ALIVE else self._reader_gone_error(state, pid)
        finally:
            self._gate.exit()

    def _reader_gone_error(self, state: ReaderState, pid: int) -> ReaderDeadError:
        """:class:`ReaderClosedError` for a reader that closed the buffer, :class:`ReaderDeadError` for one that died."""
        if state is ReaderState.CLOSING or state is ReaderState.CLOSED:
            return ReaderClosedError(self.name, "The reader of buffer '%s' has closed the buffer." % self.name)
        return ReaderDeadError(self.name, "The reader of buffer '%s' has closed the buffer." % self.name if state is ReaderState.ABSENT
                               else "The reader of buffer '%s' (PID %d) died." % (self.name, pid))

    def _full(self, size: int) -> BufferFullError:
        """The error of a write that found no room within its timeout, saying what holds the space:
        frames the reader took and never released, or frames it has not read (§4.6). Measured only
        while the gate still lets this writer in (the mapping may be going away otherwise)."""
        timeout = self._write_timeout
        waited = "forever" if timeout is None else "%.0f ms" % (timeout * 1000)
        required = self._ring.required_for(size)
        if not self._gate.try_enter():
            return BufferFullError(self.name, "Buffer '%s' stayed full for %s: a frame of %d bytes needs %d bytes." % (
                self.name, waited, size, required), required)
        try:
            occupancy = self._ring.measure_occupancy()
        finally:
            self._gate.exit()
        message = "Buffer '%s' stayed full for %s: a frame of %d bytes needs %d bytes, %d of %d are free. %s" % (
            self.name, waited, size, required, occupancy.free_bytes, self._ring_size, occupancy.describe())
        _log.warning(message)
        return BufferFullError(self.name, message, required, occupancy)

    # ----------------------------------------------------------------------------- lifecycle

    def _throw_if_closed(self) -> None:
        if self._closed:
            raise ObjectDisposedError("The writer of buffer '%s' was closed." % self.name)

    def _enter(self) -> None:
        if not self._gate.try_enter():
            raise ObjectDisposedError("The writer of buffer '%s' was closed." % self.name)

    def close(self) -> None:
        """Ends the stream and disconnects (protocol §5.3): marks the session closed, clears the
        writer PID and drops the writer lock; the reader reports the end of the stream
        (:class:`~zerobuffer.WriterClosedError`) once it has read everything. Never removes the
        buffer. Idempotent; safe from another thread."""
        if not self._gate.close(self._space_available.post):
            return
        self._closed = True
        self._ring.abort()
        self._pending_metadata_length = -1
        # A zero-copy frame or metadata view handed out earlier (perhaps still being filled on
        # another thread) keeps the mapping alive: the segment's close then leaves the unmap to
        # the last view (see SharedMemorySegment.close), so a late fill never touches unmapped memory.
        self._session.close()
        self._map = None
        self._segment.close()  # the writer lock went with the session's close, before the descriptor
        self._data_available.close()
        self._space_available.close()
        _log.info("Writer disconnected from buffer '%s' after %d frames", self.name, self._ring.frames_written)

    def __enter__(self) -> "Writer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # pragma: no cover - best effort when close() was forgotten
        try:
            if not getattr(self, "_closed", True) and hasattr(self, "_gate"):
                self.close()
        except Exception:
            pass
