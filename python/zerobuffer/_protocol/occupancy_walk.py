"""Works out a ring's :class:`~zerobuffer.RingOccupancy` from protocol 1.0 fields and frame headers
alone (protocol §4.6), the twin of C#'s ``OccupancyWalk``: the writer, or any process that can
read the segment, can say what the reader holds; no extension word is needed, and none is written.

Space returns in ring order (§4.5), so the ``P - payload_free_bytes`` bytes in use end at
``payload_write_pos`` and run back without a gap to the oldest entry not given back. The reader's
``payload_read_pos`` splits them: before it, what the reader consumed and holds; from it, what is
committed and unread. Walking the headers of each part counts its frames, and the walk must end
exactly at the next position, which checks the snapshot. Only the writer writes the ring, so the
headers of space not yet given back are intact.
"""

from __future__ import annotations

import mmap
import os
import stat
import struct
from typing import Callable, Optional

from ..ring_occupancy import RingOccupancy
from . import layout as L
from . import names

MAX_ENTRIES = 1 << 24
"""The most entries one walk visits; a ring holding more (tiny frames in a huge ring) is reported as unknown."""

_ATTEMPTS = 8
"""Snapshots taken until one is consistent (a busy buffer moves between the reads of its fields)."""

_HEADER = struct.Struct("<QQ")
_U64 = struct.Struct("<Q")


def measure(load: Callable[[int], int], view: memoryview, ring_offset: int, ring_size: int) -> RingOccupancy:
    """Measures a mapped ring; ``load(offset)`` reads an OIEB field. The writer calls it between its
    own commits, where the positions cannot move under it; an observer retries until the counts
    and the write position stayed put around its reads."""
    last = RingOccupancy(ring_size, 0, False)
    for _ in range(_ATTEMPTS):
        # Order matters, as in C#: free bytes before the read position (a release in between only
        # makes the held part start earlier, at headers nobody has overwritten yet); the count and
        # the write position before and after (a commit charges free bytes before it moves the position).
        written_before = load(L.PAYLOAD_WRITTEN_COUNT_OFFSET)
        write_before = load(L.PAYLOAD_WRITE_POS_OFFSET)
        free = load(L.PAYLOAD_FREE_BYTES_OFFSET)
        read_position = load(L.PAYLOAD_READ_POS_OFFSET)
        read_count = load(L.PAYLOAD_READ_COUNT_OFFSET)
        write_after = load(L.PAYLOAD_WRITE_POS_OFFSET)
        written_after = load(L.PAYLOAD_WRITTEN_COUNT_OFFSET)
        last = walk(view, ring_offset, ring_size, free, write_before, read_position, written_before, read_count)
        if last.is_known and written_before == written_after and write_before == write_after:
            return last
    return last


def measure_segment_file(name: str) -> Optional[RingOccupancy]:
    """The occupancy of buffer ``name``, looked at through its segment file mapped read-only (no
    connection, nothing written); None without an initialised protocol-1 segment this process may read."""
    try:
        # O_NONBLOCK: anyone can plant a FIFO in /dev/shm, and opening one for reading would wait for a writer.
        fd = os.open(names.segment_file(name), os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size < L.OIEB_SIZE:
            return None
        try:
            mapping = mmap.mmap(fd, info.st_size, mmap.MAP_SHARED, mmap.PROT_READ)
        except (OSError, ValueError):
            return None
    finally:
        os.close(fd)
    try:
        view = memoryview(mapping)
        try:
            def load(offset: int) -> int:
                return int(_U64.unpack_from(view, offset)[0])

            oieb_size = int.from_bytes(view[L.OIEB_SIZE_OFFSET:L.OIEB_SIZE_OFFSET + 4], "little")
            metadata_size, ring_size = load(L.METADATA_SIZE_OFFSET), load(L.PAYLOAD_SIZE_OFFSET)
            if (oieb_size != L.OIEB_SIZE or view[L.VERSION_OFFSET] != L.VERSION_MAJOR or ring_size == 0
                    or L.payload_offset(metadata_size) + ring_size > info.st_size):
                return None
            return measure(load, view, L.payload_offset(metadata_size), ring_size)
        finally:
            view.release()
    finally:
        mapping.close()


def walk(view: memoryview, ring_offset: int, ring_size: int, free: int, write_position: int, read_position: int,
         written: int, read: int) -> RingOccupancy:
    """Splits the bytes in use at the read position and walks both parts; unknown when anything does not add up."""
    unknown = RingOccupancy(ring_size, min(free, ring_size), False)
    if (ring_size <= L.FRAME_HEADER_SIZE or free > ring_size or write_position > ring_size or read_position > ring_size
            or read > written):
        return unknown

    # P as a position is the end of the ring: the same place as 0 (§3.4).
    write = 0 if write_position == ring_size else write_position
    read_at = 0 if read_position == ring_size else read_position
    used = ring_size - free
    unread_bytes = (write - read_at) % ring_size
    if unread_bytes == 0 and written != read and used == ring_size:
        unread_bytes = ring_size  # the positions meet: a ring full of unread entries (else nothing unread)
    held_bytes = used - unread_bytes
    if held_bytes < 0:
        return unknown

    oldest = (read_at - held_bytes) % ring_size
    held = _count(view, ring_offset, ring_size, oldest, held_bytes, read_at)
    unread = _count(view, ring_offset, ring_size, read_at, unread_bytes, write)
    if held is None or unread is None:
        return unknown
    return RingOccupancy(ring_size, free, True, held_frames=held[0], oldest_held_sequence=held[1], held_bytes=held_bytes,
                         unread_frames=unread[0], unread_bytes=unread_bytes)


def _count(view: memoryview, ring_offset: int, ring_size: int, position: int, remaining: int,
           end: int) -> Optional[tuple[int, Optional[int]]]:
    """Walks ``remaining`` bytes of entries from ``position`` by the placement rules (§3.4): a tail
    under 16 bytes and a wrap marker go on at 0, a frame takes 16 + its length. (frames, first
    sequence) when every header is possible and the walk ends at ``end``; None otherwise."""
    frames = 0
    first: Optional[int] = None
    entries = 0
    while remaining > 0:
        if entries == MAX_ENTRIES:
            return None
        entries += 1
        to_end = ring_size - position
        if to_end < L.FRAME_HEADER_SIZE:
            if to_end > remaining:
                return None
            remaining -= to_end  # a tail no header fits in
            position = 0
            continue
        length, sequence = _HEADER.unpack_from(view, ring_offset + position)
        if length == L.WRAP_MARKER_LENGTH:
            if sequence != 0 or position == 0 or to_end > remaining:
                return None  # not a marker (a marker is {0, 0}, never at 0), or more than is left
            remaining -= to_end
            position = 0
            continue
        total = L.FRAME_HEADER_SIZE + length
        if sequence == 0 or total > to_end or total > remaining:
            return None
        if first is None:
            first = sequence
        frames += 1
        remaining -= total
        position += total
        if position == ring_size:
            position = 0
    return (frames, first) if position == end else None
