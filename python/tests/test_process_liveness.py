"""ProcessLivenessTests (C# tests/ZeroBuffer.Tests/Primitives/ProcessLivenessTests.cs): who counts
as alive (protocol §6.1), including a SIGKILLed process its parent has not reaped yet."""

from __future__ import annotations

import os
import signal
import subprocess
import time

from zerobuffer._primitives import liveness


def test_self_is_alive_and_absent_pids_are_not():
    assert liveness.is_alive(liveness.self_pid())
    assert not liveness.is_alive(0)
    assert not liveness.is_alive(2**31)  # above INT_MAX


def test_killed_process_not_yet_reaped_counts_as_dead():
    # sh starts a background sleep, prints its PID and execs a long sleep that never reaps it:
    # once the background sleep is SIGKILLed it stays a zombie, which kill(pid, 0) still accepts.
    parent = subprocess.Popen(["sh", "-c", "sleep 600 & echo $!; exec sleep 600"], stdout=subprocess.PIPE)
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert liveness.is_alive(child)

        # Kill only once sh has exec'd the sleep: sh itself may still reap a background job that
        # dies before its exec, and then there would be no zombie to look at.
        _wait_until(lambda: _read_stat(parent.pid).startswith(b"%d (sleep) " % parent.pid), "sh never exec'd sleep")
        os.kill(child, signal.SIGKILL)
        # Wait (bounded) until the kernel has turned it into a zombie.
        _wait_until(lambda: b") Z " in _read_stat(child), "the killed child never became a zombie")

        os.kill(child, 0)  # kill() still accepts the zombie...
        assert not liveness.is_alive(child)  # ...but it counts as dead
    finally:
        parent.kill()  # its zombie child is reaped by init
        parent.wait()
        if parent.stdout is not None:
            parent.stdout.close()


def test_state_is_the_field_after_the_last_parenthesis():
    # comm may contain spaces and parentheses: only the field after the LAST ')' is the state.
    assert liveness.stat_shows_dead(b"42 (worker) Z 1 42 42 0")
    assert liveness.stat_shows_dead(b"42 (worker) X 1 42 42 0")
    assert not liveness.stat_shows_dead(b"42 (worker) S 1 42 42 0")
    assert not liveness.stat_shows_dead(b"42 (a) Z (b) S 1 42 42 0")
    assert liveness.stat_shows_dead(b"42 (x) S) Z 1 42 42 0")
    assert not liveness.stat_shows_dead(b"42 (truncated)")
    assert not liveness.stat_shows_dead(b"")


def _wait_until(condition, failure: str) -> None:
    give_up = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < give_up, failure
        time.sleep(0.001)  # polling interval, not synchronization: the loop re-checks the state


def _read_stat(pid: int) -> bytes:
    with open("/proc/%d/stat" % pid, "rb") as stat:
        return stat.read()
