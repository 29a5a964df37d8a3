"""LockContentionTests (twin of the C# class): a reader that finds its name's lock held by
something other than a live reader (a cleaner or a sweep checking the name) waits for it, up to
1 s, instead of failing (protocol.md §5.1 step 3); a live reader is reported at once."""

from __future__ import annotations

import concurrent.futures
import os
import time

import pytest

from zerobuffer import BufferConfig, Reader, ReaderAlreadyConnectedError
from zerobuffer._primitives.lock_file import LockFile, Outcome
from zerobuffer._protocol import names
from zerobuffer._protocol.reader_resources import TRANSIENT_LOCK_WAIT

from .support import assert_all, assert_none, unique


def test_creator_waits_out_a_cleaner_holding_the_lock():
    name = unique("lock-transient")
    outcome, cleaner = LockFile.try_acquire(names.lock_file(name), True, name)
    assert outcome is Outcome.ACQUIRED and cleaner is not None and cleaner.created
    # Whether the creator tries before or after the cleaner lets go, it must end up with the buffer.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        creating = pool.submit(Reader, name, BufferConfig(0, 4096))
        cleaner.release(delete_file=True)  # what a cleaner does when it is done
        with creating.result(timeout=5):
            assert_all(name)
    assert_none(name)


def test_creator_gives_up_on_a_lock_held_too_long_and_at_once_on_a_live_reader():
    name = unique("lock-held")
    outcome, holder = LockFile.try_acquire(names.lock_file(name), True, name)
    assert outcome is Outcome.ACQUIRED and holder is not None
    try:
        start = time.monotonic()
        with pytest.raises(ReaderAlreadyConnectedError):
            Reader(name, BufferConfig(0, 4096))
        assert TRANSIENT_LOCK_WAIT <= time.monotonic() - start < 5
    finally:
        holder.release(delete_file=True)

    with Reader(name, BufferConfig(0, 4096)):
        start = time.monotonic()
        with pytest.raises(ReaderAlreadyConnectedError) as error:
            Reader(name, BufferConfig(0, 4096))
        elapsed = time.monotonic() - start
        assert elapsed < TRANSIENT_LOCK_WAIT, "a live reader is reported at once, not after %.0f ms" % (elapsed * 1000)
        assert "PID %d" % os.getpid() in str(error.value)
    assert_none(name)


def test_lock_file_created_flag_tells_who_created_it():
    name = unique("lock-created")
    path = names.lock_file(name)
    outcome, first = LockFile.try_acquire(path, True, name)
    assert outcome is Outcome.ACQUIRED and first is not None and first.created
    first.release(delete_file=False)
    outcome, second = LockFile.try_acquire(path, True, name)
    assert outcome is Outcome.ACQUIRED and second is not None and not second.created  # the file was already there
    second.release(delete_file=True)
    assert_none(name)
