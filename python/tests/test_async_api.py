"""The asyncio API (issue 14): ``read_frame_async``, ``async for``, ``write_frame_async``, with
timeouts, cancellation, a peer's crash during an await, the clean end of stream ending the
enumeration, frames released out of order while awaited, and idle readers that cost no thread
each; and the synchronous iteration and the batch read ``read_frames``."""

from __future__ import annotations

import asyncio
import ctypes
import threading
import time

import pytest

from zerobuffer import (BufferConfig, BufferFullError, ObjectDisposedError, Reader, ReaderClosedError, ReaderDeadError, Writer,
                        WriterClosedError, WriterDeadError)
from zerobuffer._primitives.semaphore_watcher import SemaphoreWatcher

from .support import DEAD_PEER_BOUND, PeerProcess, assert_none, unique

AWAIT_BOUND = 10.0  # a generous bound for "it completes": never a measure of speed


def _sleepers(semaphore) -> int:
    """The sleeper count of a glibc semaphore (the high half of its u64): 0 once nobody watches it."""
    return ctypes.c_uint64.from_address(semaphore._pointer()).value >> 32


def test_async_for_yields_every_frame_in_order_and_ends_at_the_clean_end_of_stream():
    name = unique("async-eos")

    async def main() -> int:
        with Reader(name, BufferConfig(0, 4096)) as reader:
            writer = Writer(name)

            async def produce() -> None:
                for i in range(500):  # many laps of a 4 KiB ring: the writer waits for space, the reader for frames
                    await writer.write_frame_async(i.to_bytes(4, "little") * 50)
                writer.close()

            producing = asyncio.create_task(produce())
            count = 0
            async for frame in reader:
                with frame:
                    assert frame.sequence == count + 1
                    assert frame.to_bytes() == count.to_bytes(4, "little") * 50
                count += 1
            await asyncio.wait_for(producing, AWAIT_BOUND)
            assert _sleepers(reader._resources.data_available) == 0
            return count

    assert asyncio.run(main()) == 500
    assert_none(name)


def test_read_frame_async_times_out_with_an_invalid_frame_and_a_cancelled_read_takes_nothing():
    name = unique("async-cancel")

    async def main() -> None:
        with Reader(name, BufferConfig(0, 4096)) as reader, Writer(name) as writer:
            frame = await reader.read_frame_async(0.2)
            assert not frame.is_valid
            waiting = asyncio.create_task(reader.read_frame_async(None))
            await asyncio.sleep(0)  # let it start waiting
            waiting.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiting
            writer.write_frame(b"kept")
            with await asyncio.wait_for(reader.read_frame_async(AWAIT_BOUND), AWAIT_BOUND) as frame:
                assert frame.sequence == 1 and frame.to_bytes() == b"kept"
            assert _sleepers(reader._resources.data_available) == 0

    asyncio.run(main())
    assert_none(name)


def test_a_writer_killed_during_an_await_is_reported_after_its_frames():
    name = unique("async-killed")

    async def main() -> float:
        with Reader(name, BufferConfig(0, 4096)) as reader:
            with PeerProcess.python("write", name, "--count", "2", "--size", "10", "--hold", "--json") as writer:
                writer.wait_for_event("holding")
                for i in range(2):
                    with await reader.read_frame_async(AWAIT_BOUND) as frame:
                        assert frame.sequence == i + 1
                waiting = asyncio.create_task(reader.read_frame_async(None))
                await asyncio.sleep(0)
                writer.kill()
                killed = time.monotonic()
                with pytest.raises(WriterDeadError):
                    await asyncio.wait_for(waiting, AWAIT_BOUND)
                return time.monotonic() - killed

    assert asyncio.run(main()) < DEAD_PEER_BOUND
    assert_none(name)


def test_write_frame_async_waits_for_space_then_times_out_and_sees_the_reader_close():
    name = unique("async-write")

    async def main() -> None:
        reader = Reader(name, BufferConfig(0, 1024))
        with Writer(name) as writer:
            writer.write_timeout = 0.3
            held = []
            while writer.try_write_frame(b"x" * 200, 0):
                pass
            held.append(reader.read_frame(1))
            writing = asyncio.create_task(writer.write_frame_async(b"y" * 200))
            await asyncio.sleep(0)
            assert not writing.done()
            held[0].release()  # space comes back: the awaited write completes
            await asyncio.wait_for(writing, AWAIT_BOUND)
            with pytest.raises(BufferFullError):
                await writer.write_frame_async(b"z" * 200)  # nothing is read: full after write_timeout
            writer.write_timeout = None
            writing = asyncio.create_task(writer.write_frame_async(b"z" * 200))
            await asyncio.sleep(0)
            reader.close()
            with pytest.raises(ReaderClosedError):
                await asyncio.wait_for(writing, AWAIT_BOUND)
            assert isinstance(writing.exception(), ReaderDeadError)

    asyncio.run(main())
    assert_none(name)


def test_frames_released_out_of_order_while_awaited_give_their_space_back():
    name = unique("async-order")

    async def main() -> None:
        with Reader(name, BufferConfig(0, 1024)) as reader, Writer(name) as writer:
            for round_ in range(20):
                for i in range(3):
                    await writer.write_frame_async(bytes([round_, i]) * 100)
                frames = [await reader.read_frame_async(AWAIT_BOUND) for _ in range(3)]
                await asyncio.sleep(0)  # held across an await
                for i in (2, 0, 1):
                    assert frames[i].to_bytes() == bytes([round_, i]) * 100
                    frames[i].release()

    asyncio.run(main())
    assert_none(name)


def test_a_hundred_idle_async_readers_share_a_few_threads_and_all_wake():
    names = [unique("async-idle-%d" % i) for i in range(100)]

    async def main() -> int:
        readers = [Reader(n, BufferConfig(0, 1024)) for n in names]
        writers = [Writer(n) for n in names]
        try:
            threads_before = threading.active_count()
            waiting = [asyncio.create_task(r.read_frame_async(None)) for r in readers]
            await asyncio.sleep(0)  # one loop turn: every read runs to its first await (its watched wait)
            threads = threading.active_count() - threads_before
            for i, w in enumerate(writers):
                w.write_frame(i.to_bytes(2, "little"))
            frames = await asyncio.wait_for(asyncio.gather(*waiting), AWAIT_BOUND)
            for i, frame in enumerate(frames):
                assert frame.to_bytes() == i.to_bytes(2, "little")
                frame.release()
            return threads
        finally:
            for w in writers:
                w.close()
            for r in readers:
                r.close()

    assert asyncio.run(main()) <= 1 + 100 // 127  # one watcher thread per 127 waits, not one per reader
    for n in names:
        assert_none(n)


def test_watcher_uses_the_kernel_wait_here():
    # The CI kernel has futex_waitv: the polling fallback must not be what the tests above measured.
    assert SemaphoreWatcher.kernel_waits


def test_sync_iteration_ends_at_the_clean_end_of_stream():
    name = unique("sync-iter")
    with Reader(name, BufferConfig(0, 4096)) as reader:
        with Writer(name) as writer:
            for i in range(5):
                writer.write_frame(bytes([i]) * 8)
        seen = []
        for frame in reader:
            with frame:
                seen.append(frame.to_bytes()[0])
        assert seen == [0, 1, 2, 3, 4]
    assert_none(name)


def test_read_frames_returns_batches_of_committed_frames_released_at_once():
    name = unique("batch")
    with Reader(name, BufferConfig(0, 4096)) as reader, Writer(name) as writer:
        empty = reader.read_frames(4, 0.05)
        assert not empty and len(empty) == 0
        for i in range(10):
            writer.write_frame(bytes([i]) * 64)
        sizes = []
        expected = 1
        while expected <= 10:
            with reader.read_frames(4, 1) as batch:
                sizes.append(len(batch))
                for sequence, view in zip(batch.sequences, batch):
                    assert sequence == expected and bytes(view) == bytes([expected - 1]) * 64
                    expected += 1
        assert sizes == [4, 4, 2]
        with pytest.raises(ObjectDisposedError):
            batch[0]
        with pytest.raises(ValueError, match="max_count"):
            reader.read_frames(0)
        writer.close()
        with pytest.raises(WriterClosedError):
            reader.read_frames(4, 1)
    assert_none(name)


def test_read_frames_across_many_laps_of_the_ring_with_wraps_and_a_waiting_writer():
    # 100-byte frames in a 1 KiB ring: batches end at every wrap, the writer waits for the batches' space.
    name = unique("batch-laps")
    received = []

    def produce() -> None:
        with Writer(name) as writer:
            for i in range(3000):
                writer.write_frame(i.to_bytes(4, "little") * 25)

    with Reader(name, BufferConfig(0, 1024)) as reader:
        producer = threading.Thread(target=produce)
        producer.start()
        try:
            while True:
                try:
                    batch = reader.read_frames(64, AWAIT_BOUND)
                except WriterClosedError:
                    break
                assert batch, "no frame within the bound"
                with batch:
                    for sequence, view in zip(batch.sequences, batch):
                        assert bytes(view) == (sequence - 1).to_bytes(4, "little") * 25
                        received.append(sequence)
        finally:
            producer.join()
    assert received == list(range(1, 3001))
    assert_none(name)


def test_frames_and_batches_released_in_any_order_return_space_in_ring_order():
    name = unique("batch-mixed")
    with Reader(name, BufferConfig(0, 1024)) as reader, Writer(name) as writer:
        for round_ in range(30):
            for i in range(6):
                writer.write_frame(bytes([round_, i]) * 60)
            single = reader.read_frame(1)
            assert single.sequence == 6 * round_ + 1
            batches = []
            while sum(len(b) for b in batches) < 5:  # a batch ends at a wrap of the ring
                batches.append(reader.read_frames(5 - sum(len(b) for b in batches), 1))
                assert batches[-1], "no frame within the bound"
            assert [bytes(v) for b in batches for v in b] == [bytes([round_, i]) * 60 for i in range(1, 6)]
            for batch in reversed(batches):
                batch.release()  # the newer frames first: their space waits for the single frame's
            assert single.to_bytes() == bytes([round_, 0]) * 60
            single.release()
    assert_none(name)
