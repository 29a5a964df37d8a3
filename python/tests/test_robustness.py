"""RobustnessTests (C# tests/ZeroBuffer.Tests/RobustnessTests.cs): faults around the protocol's
edges that must not lose a frame or crash the process, plus the Python twins of the other review
fixes (monotonic wait slices, lock-file O_NOFOLLOW flag, cancelled send_async)."""

from __future__ import annotations

import ctypes
import errno
import gc
import os
import platform
import stat
import threading
import time
import weakref

import pytest

from zerobuffer import (BufferConfig, ErrorKind, ObjectDisposedError, Reader, SystemCallError, Writer, WriterClosedError,
                        ZeroBufferError)
from zerobuffer._interop import libc
from zerobuffer._primitives.semaphore import NamedSemaphore
from zerobuffer._protocol import names
from .duplex_support import DuplexPair
from .support import assert_none, unique


def test_committed_frame_whose_token_was_lost_is_still_delivered():
    name = unique("lost-token")
    with Reader(name, BufferConfig(0, 4096)) as reader, Writer(name) as writer:
        writer.write_frame(b"\x07\x07\x07")
        data_available = NamedSemaphore.open_existing(names.data_available_semaphore(name), name)
        assert data_available is not None
        try:
            # The token goes missing (a writer killed before its post, a foreign writer).
            assert data_available.try_wait()
        finally:
            data_available.close()

        with reader.read_frame(5) as frame:  # the writer is alive: only the quiet-slice check finds it
            assert frame.is_valid
            assert frame.sequence == 1
            assert frame.to_bytes() == b"\x07\x07\x07"
    assert_none(name)


def test_closing_writer_while_another_thread_fills_a_frame_does_not_crash():
    name = unique("close-fill")
    with Reader(name, BufferConfig(0, 4096)) as reader:
        writer = Writer(name)
        acquired = threading.Event()
        closed = threading.Event()
        outcome: list[BaseException] = []

        def fill() -> None:
            try:
                view = writer.get_frame_buffer(1000)
                acquired.set()
                closed.wait(10)
                view[:] = b"\xab" * 1000  # must not fault: the mapping outlives a close from another thread
                del view
                writer.commit_frame()
            except BaseException as ex:  # the thread's outcome is asserted below
                outcome.append(ex)

        filling = threading.Thread(target=fill)
        filling.start()
        assert acquired.wait(10)
        writer.close()
        closed.set()
        filling.join(10)
        assert not filling.is_alive()

        assert len(outcome) == 1 and isinstance(outcome[0], ObjectDisposedError), outcome
        with pytest.raises(WriterClosedError):  # nothing was published: the stream ended empty
            reader.read_frame(0)
        assert reader.get_status().written_count == 0
    assert_none(name)


def test_closing_writer_while_another_thread_fills_metadata_does_not_crash():
    name = unique("close-meta")
    with Reader(name, BufferConfig(256, 4096)) as reader:
        writer = Writer(name)
        acquired = threading.Event()
        closed = threading.Event()
        outcome: list[BaseException] = []

        def fill() -> None:
            try:
                view = writer.get_metadata_buffer(100)
                acquired.set()
                closed.wait(10)
                view[:] = b"\xcd" * 100  # must not fault
                del view
                writer.commit_metadata()
            except BaseException as ex:
                outcome.append(ex)

        filling = threading.Thread(target=fill)
        filling.start()
        assert acquired.wait(10)
        writer.close()
        closed.set()
        filling.join(10)
        assert not filling.is_alive()

        assert len(outcome) == 1 and isinstance(outcome[0], ObjectDisposedError), outcome
        assert len(reader.get_metadata()) == 0  # nothing was published
    assert_none(name)


def test_symlink_at_the_lock_path_is_refused_not_followed():
    name = unique("symlink-lock")
    target = os.path.join(os.environ.get("TMPDIR") or "/tmp", name + ".target")
    with open(target, "w") as file:
        file.write("precious")
    os.chmod(target, 0o600)
    os.makedirs(names.lock_directory(), exist_ok=True)
    os.symlink(target, names.lock_file(name))
    try:
        with pytest.raises(ZeroBufferError) as raised:
            Reader(name, BufferConfig(0, 4096))
        assert isinstance(raised.value, SystemCallError)
        assert raised.value.kind is ErrorKind.SYSTEM_ERROR
        assert raised.value.errno == errno.ELOOP
        assert "ELOOP" in str(raised.value)
        assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
        with open(target) as file:
            assert file.read() == "precious"
    finally:
        for path in (names.lock_file(name), target):
            if os.path.lexists(path):
                os.unlink(path)
    assert_none(name)


def test_lock_file_open_flag_is_the_platforms_o_nofollow():
    machine = platform.machine().lower()
    if machine in ("x86_64", "amd64"):
        assert libc.O_NOFOLLOW == 0x20000
    elif machine in ("aarch64", "arm64"):
        assert libc.O_NOFOLLOW == 0x8000
    assert libc.O_NOFOLLOW == os.O_NOFOLLOW
    assert libc._o_nofollow("x86_64") == 0x20000
    assert libc._o_nofollow("aarch64") == 0x8000


def test_wait_slices_use_the_monotonic_clock_where_the_c_library_has_sem_clockwait(monkeypatch):
    glibc = os.confstr("CS_GNU_LIBC_VERSION") or ""
    if glibc.startswith("glibc "):
        major, minor = (int(part) for part in glibc.split()[1].split(".")[:2])
        assert (libc.sem_clockwait is not None) == ((major, minor) >= (2, 30))
    assert libc.sem_clockwait is not None, "this machine's C library has no sem_clockwait (%s)" % glibc

    real = libc.sem_clockwait
    calls: list[tuple[int, int, int]] = []

    def recording(pointer, clock, until):
        absolute = ctypes.cast(until, ctypes.POINTER(libc.Timespec)).contents
        calls.append((clock, absolute.tv_sec * 1_000_000_000 + absolute.tv_nsec, time.clock_gettime_ns(time.CLOCK_MONOTONIC)))
        return real(pointer, clock, until)

    monkeypatch.setattr(libc, "sem_clockwait", recording)
    monkeypatch.setattr(libc, "sem_timedwait", _never_called)
    semaphore = NamedSemaphore.create_exclusive("/" + unique("clk"), "clk")
    assert semaphore is not None
    try:
        assert not semaphore.wait(20)  # no token: times out
        semaphore.post()
        assert semaphore.wait(20)
    finally:
        semaphore.close()
        NamedSemaphore.unlink(semaphore.os_name)
    assert len(calls) == 2
    for clock, until, now in calls:
        assert clock == libc.CLOCK_MONOTONIC
        assert now < until <= now + 20_000_000  # an absolute CLOCK_MONOTONIC time, 20 ms ahead


def test_wait_slices_fall_back_to_sem_timedwait_without_sem_clockwait(monkeypatch):
    real = libc.sem_timedwait
    calls: list[int] = []

    def recording(pointer, until):
        absolute = ctypes.cast(until, ctypes.POINTER(libc.Timespec)).contents
        calls.append(absolute.tv_sec * 1_000_000_000 + absolute.tv_nsec - time.clock_gettime_ns(time.CLOCK_REALTIME))
        return real(pointer, until)

    monkeypatch.setattr(libc, "sem_clockwait", None)  # an older glibc
    monkeypatch.setattr(libc, "sem_timedwait", recording)
    semaphore = NamedSemaphore.create_exclusive("/" + unique("rt"), "rt")
    assert semaphore is not None
    try:
        assert not semaphore.wait(20)
        semaphore.post()
        assert semaphore.wait(20)
    finally:
        semaphore.close()
        NamedSemaphore.unlink(semaphore.os_name)
    assert len(calls) == 2
    assert all(0 < ahead <= 20_000_000 for ahead in calls)  # an absolute CLOCK_REALTIME time, 20 ms ahead


def _never_called(*args: object) -> int:
    raise AssertionError("sem_timedwait used although sem_clockwait is available")


def test_cancelled_send_async_leaves_nothing_registered():
    # The server never answers: only the caller's cancel can end the request.
    with DuplexPair.immutable(lambda request, response: None) as pair:
        future = pair.client.send_async(b"never answered")
        assert future.cancel()
        collected = weakref.ref(future)
        del future
        gc.collect()
        assert collected() is None  # the client keeps no reference to a cancelled request


def test_close_after_an_asynchronous_exception_skipped_a_gate_exit_does_not_hang():
    """KeyboardInterrupt, or a signal handler that raises, can land between a call's entry into
    the reader's or writer's usage gate and its ``try`` (more likely now that waits poll in Python
    bytecode), so that call's exit never runs. ``close`` on that same thread must not wait for it:
    a ``with`` block's exit would hang for ever and the buffer would be left behind."""
    name = unique("rb-async-exc")
    reader = Reader(name, BufferConfig(0, 4096))
    writer = Writer(name)
    assert reader._gate.try_enter()  # an entry whose exit was skipped, as an async exception leaves it
    assert writer._gate.try_enter()
    writer.close()
    reader.close()  # returns: no other thread is inside
    assert reader.closed
    assert_none(name)


def test_close_still_waits_for_a_read_on_another_thread():
    name = unique("rb-close-wait")
    reader = Reader(name, BufferConfig(0, 4096))
    outcome: list[BaseException] = []
    started = threading.Event()

    def read() -> None:
        started.set()
        try:
            reader.read_frame(None)
        except BaseException as error:  # noqa: BLE001 - the outcome is what the test checks
            outcome.append(error)

    thread = threading.Thread(target=read)
    thread.start()
    started.wait(5)
    reader.close()  # wakes the read and waits for it to leave before unmapping
    thread.join(5)
    assert not thread.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], ObjectDisposedError)
    assert_none(name)
