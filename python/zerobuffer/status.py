"""A snapshot of a buffer's control block (OIEB)."""

from __future__ import annotations

from dataclasses import dataclass

from ._protocol import layout as L
from ._protocol.oieb import Oieb


@dataclass(frozen=True)
class BufferStatus:
    """The OIEB fields, read one by one while the peers run (so not atomic as a whole)."""

    name: str
    oieb_size: int
    protocol_version: tuple[int, int, int]
    metadata_size: int
    metadata_free_bytes: int
    metadata_written_bytes: int
    payload_size: int
    payload_free_bytes: int
    write_position: int
    read_position: int
    written_count: int
    read_count: int
    writer_pid: int
    reader_pid: int

    @property
    def used_bytes(self) -> int:
        """Bytes written and not yet released, skipped tails included."""
        return self.payload_size - self.payload_free_bytes if self.payload_free_bytes <= self.payload_size else 0

    @property
    def utilization(self) -> float:
        """Used fraction of the ring, 0..1."""
        return 0.0 if self.payload_size == 0 else self.used_bytes / self.payload_size

    @staticmethod
    def _read(oieb: Oieb, segment: memoryview, name: str) -> "BufferStatus":
        version = bytes(segment[L.VERSION_OFFSET:L.VERSION_OFFSET + 3])
        return BufferStatus(
            name=name,
            oieb_size=oieb.oieb_size,
            protocol_version=(version[0], version[1], version[2]),
            metadata_size=oieb.load(L.METADATA_SIZE_OFFSET),
            metadata_free_bytes=oieb.load(L.METADATA_FREE_BYTES_OFFSET),
            metadata_written_bytes=oieb.load(L.METADATA_WRITTEN_BYTES_OFFSET),
            payload_size=oieb.load(L.PAYLOAD_SIZE_OFFSET),
            payload_free_bytes=oieb.load(L.PAYLOAD_FREE_BYTES_OFFSET),
            write_position=oieb.load(L.PAYLOAD_WRITE_POS_OFFSET),
            read_position=oieb.load(L.PAYLOAD_READ_POS_OFFSET),
            written_count=oieb.load(L.PAYLOAD_WRITTEN_COUNT_OFFSET),
            read_count=oieb.load(L.PAYLOAD_READ_COUNT_OFFSET),
            writer_pid=oieb.load(L.WRITER_PID_OFFSET),
            reader_pid=oieb.load(L.READER_PID_OFFSET),
        )
