"""What a writer opens to connect to a buffer (protocol §5.2): the mapped segment, after its
control block was validated; both semaphores; and the writer's claim, taken only while the reader
is alive. Connecting either completes or gives back everything it opened and undoes its own
claim (never another writer's). Mirrors C#'s ``Protocol/WriterResources``."""

from __future__ import annotations

from typing import Optional

from .._primitives.segment import SharedMemorySegment
from .._primitives.semaphore import NamedSemaphore
from ..errors import BufferCorruptedError, BufferNotFoundError, ProtocolMismatchError, ReaderDeadError
from . import layout as L
from . import names
from .control_block import BlockStatus, ControlBlock, ControlBlockSource
from .oieb import Oieb
from .peer_liveness import PeerLiveness, ReaderState
from .writer_session import WriterSession


class WriterResources:
    """The connected writer's segment, semaphores, liveness view and claim."""

    __slots__ = ("segment", "oieb", "data_available", "space_available", "liveness", "source", "session",
                 "metadata_block_size", "ring_size", "reader_skips_short_tails", "reader_pid")

    def __init__(self, segment: SharedMemorySegment, oieb: Oieb, data_available: NamedSemaphore, space_available: NamedSemaphore,
                 liveness: PeerLiveness, source: ControlBlockSource, session: WriterSession, validated: ControlBlock,
                 live: ControlBlock) -> None:
        self.segment = segment
        self.oieb = oieb
        self.data_available = data_available
        self.space_available = space_available
        self.liveness = liveness
        self.source = source
        self.session = session
        self.metadata_block_size = validated.metadata_size  # written once, at create
        self.ring_size = validated.payload_size
        self.reader_skips_short_tails = live.has_extensions
        """The reader advertises our extensions, so it skips a 1-15 byte tail (§3.2); an upstream reader does not."""
        self.reader_pid = live.reader_pid

    @classmethod
    def connect(cls, name: str) -> "WriterResources":
        """§5.2: opens, validates and claims buffer ``name``; the typed error of each way it can fail."""
        segment: Optional[SharedMemorySegment] = None
        data_available: Optional[NamedSemaphore] = None
        space_available: Optional[NamedSemaphore] = None
        session: Optional[WriterSession] = None
        try:
            segment = SharedMemorySegment.open_existing(names.segment(name), name)
            if segment is None:
                raise BufferNotFoundError(name, "Buffer '%s' not found: no reader has created it." % name)
            oieb = Oieb(segment.address)
            validated = _validated_control_block(segment, oieb, name)
            data_sem = names.data_available_semaphore(name)
            space_sem = names.space_available_semaphore(name)
            data_available = NamedSemaphore.open_existing(data_sem, name)
            if data_available is None:
                raise BufferNotFoundError(name, "Buffer '%s' not found: its semaphore '%s' is missing." % (name, data_sem))
            space_available = NamedSemaphore.open_existing(space_sem, name)
            if space_available is None:
                raise BufferNotFoundError(name, "Buffer '%s' not found: its semaphore '%s' is missing." % (name, space_sem))

            liveness = PeerLiveness(segment.fd)
            source = ControlBlockSource.mapped(oieb, segment.view, segment.length)  # type: ignore[arg-type]
            reader_state, live = liveness.reader(source)
            if reader_state is not ReaderState.ALIVE:
                raise ReaderDeadError(name, {
                    ReaderState.ABSENT: "Buffer '%s' has no reader (reader PID 0)." % name,
                    ReaderState.CLOSING: "The reader of buffer '%s' has closed it." % name,
                    ReaderState.CLOSED: "The reader of buffer '%s' has closed it." % name,
                }.get(reader_state, "The reader of buffer '%s' (PID %d) is not alive." % (name, live.reader_pid)))
            session = WriterSession.connect(name, oieb, live, segment.fd, data_available, segment.view)
            return cls(segment, oieb, data_available, space_available, liveness, source, session, validated, live)
        except BaseException:
            _release(session, space_available, data_available, segment)
            raise

    def abandon(self) -> None:
        """The connect failed after these were opened (the writer's own setup raised): undo them as a failed connect does."""
        _release(self.session, self.space_available, self.data_available, self.segment)


def _release(session: Optional[WriterSession], space_available: Optional[NamedSemaphore], data_available: Optional[NamedSemaphore],
             segment: Optional[SharedMemorySegment]) -> None:
    # A failed connect gives its claim back (its PID and its writer lock), and only ever its own.
    if session is not None:
        session.abandon_claim()
    for semaphore in (space_available, data_available):
        if semaphore is not None:
            semaphore.close()
    if segment is not None:
        segment.close()  # unmapping and closing also drop a writer lock a failed claim took


def _validated_control_block(segment: SharedMemorySegment, oieb: Oieb, name: str) -> ControlBlock:
    """Protocol §5.2 step 2, by the one validator."""
    view = segment.view
    block = ControlBlock.from_mapping(oieb, view, segment.length) if view is not None else ControlBlock(segment_length=0)
    validation = block.validate()
    if validation.status is BlockStatus.NOT_INITIALISED:
        raise BufferNotFoundError(name, "Buffer '%s' is not initialised yet (its reader is still creating it, or died doing so)." % name)
    if validation.status is BlockStatus.PROTOCOL_MISMATCH:
        major, minor, patch, _ = block.version
        raise ProtocolMismatchError(name, "Buffer '%s' speaks an incompatible protocol: OIEB size %d (expected %d), version %d.%d.%d "
                                          "(expected major %d)." % (name, block.oieb_size, L.OIEB_SIZE, major, minor, patch, L.VERSION_MAJOR))
    if validation.status is BlockStatus.CORRUPTED:
        raise BufferCorruptedError(name, "Buffer '%s' has an impossible control block: %s." % (name, validation.describe()))
    return block
