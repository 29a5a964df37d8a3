"""Access to the OIEB fields of a mapped segment (protocol §2.1). Every u64 field goes through
an atomic load or store; each method's comment says who writes the field and which store
publishes it. Field offsets come from :mod:`.layout` only."""

from __future__ import annotations

from .._interop import atomics
from . import layout as L


class Oieb:
    __slots__ = ("_base",)

    def __init__(self, address: int) -> None:
        self._base = address

    def load(self, offset: int) -> int:
        """Acquire load of a u64 field (pairs with the owner's release store)."""
        return int(atomics.load_u64(self._base + offset, atomics.ACQUIRE))

    def store(self, offset: int, value: int) -> None:
        """Release store of a u64 field: everything written before it is visible to an acquire load."""
        atomics.store_u64(self._base + offset, value, atomics.RELEASE)

    def add_free_bytes(self, delta: int) -> None:
        """payload_free_bytes += delta, as one atomic add (writer subtracts, reader adds)."""
        atomics.add_u64(self._base + L.PAYLOAD_FREE_BYTES_OFFSET, delta)

    def compare_exchange_writer_pid(self, expected: int, desired: int) -> int:
        """CAS on writer_pid; returns the value found."""
        return atomics.compare_exchange_u64(self._base + L.WRITER_PID_OFFSET, expected, desired)

    @property
    def oieb_size(self) -> int:
        return int(atomics.load_u32(self._base + L.OIEB_SIZE_OFFSET, atomics.ACQUIRE))

    def publish_oieb_size(self) -> None:
        """oieb_size = 128, the reader's last store at create (a writer treats 0 as "not initialised")."""
        atomics.store_u32(self._base + L.OIEB_SIZE_OFFSET, L.OIEB_SIZE, atomics.RELEASE)

    # Plain field readers, for readability at the call sites.
    def metadata_size(self) -> int:
        return self.load(L.METADATA_SIZE_OFFSET)

    def payload_size(self) -> int:
        return self.load(L.PAYLOAD_SIZE_OFFSET)

    def free_bytes(self) -> int:
        return self.load(L.PAYLOAD_FREE_BYTES_OFFSET)

    def written_count(self) -> int:
        return self.load(L.PAYLOAD_WRITTEN_COUNT_OFFSET)

    def reader_pid(self) -> int:
        return self.load(L.READER_PID_OFFSET)

    def writer_pid(self) -> int:
        return self.load(L.WRITER_PID_OFFSET)

    def metadata_written_bytes(self) -> int:
        return self.load(L.METADATA_WRITTEN_BYTES_OFFSET)
