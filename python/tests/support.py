"""Test infrastructure: unique names, OS resource checks, and peer processes (the Python peer
tool or the C# CLI) whose JSON event lines are awaited with deadlines, never with sleeps."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from typing import Any, Optional

from zerobuffer import lifecycle
from zerobuffer._protocol import names

PYTHON_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO_ROOT = os.path.dirname(PYTHON_ROOT)
CLI_DLL = os.environ.get("ZEROBUFFER_CLI_DLL") or os.path.join(
    REPO_ROOT, "src", "ZeroBuffer.Cli", "bin", "Release", "net10.0", "ZeroBuffer.Cli.dll")

DEAD_PEER_BOUND = 1.5
"""The "within 1 s" liveness bound of protocol §6, plus slack for a loaded 2-core machine."""


def unique(prefix: str) -> str:
    """A fresh buffer name: ``zbt-py-<prefix>-<uuid>``."""
    return "zbt-py-%s-%s" % (prefix, uuid.uuid4().hex)


def resource_paths(name: str) -> list[tuple[str, str]]:
    """(kind, path) of every OS resource a buffer name can have (protocol §1)."""
    return [("segment", names.segment_file(name)),
            ("sem-w", names.semaphore_file(names.data_available_semaphore(name))),
            ("sem-r", names.semaphore_file(names.space_available_semaphore(name))),
            ("lock", names.lock_file(name)),
            ("upstream lock", names.upstream_lock_file(name)),
            ("name lock", names.name_lock_file(name))]


def existing(name: str) -> list[str]:
    """Every OS resource of the buffer name, as "kind: path"."""
    return ["%s: %s" % (kind, path) for kind, path in resource_paths(name) if os.path.lexists(path)]


OUR_BUFFER_RESOURCES = (lifecycle.BufferResources.SEGMENT | lifecycle.BufferResources.DATA_SEMAPHORE
                        | lifecycle.BufferResources.SPACE_SEMAPHORE | lifecycle.BufferResources.LOCK_FILE
                        | lifecycle.BufferResources.UPSTREAM_LOCK_FILE)
"""What a reader of ours (Python or C#) owns while it lives, and leaves when it is SIGKILLed (the name lock is gone once created)."""
OUR_BUFFER_RESOURCE_LIST = ["segment", "sem-w", "sem-r", "lock", "upstream-lock"]
"""The same, as the CLIs' JSON reports list it."""


def assert_none(name: str) -> None:
    assert existing(name) == []


def assert_all(name: str) -> None:
    """A live buffer of ours: segment, both semaphores and both /tmp lock files (the name lock is gone once created)."""
    assert [entry.split(":")[0] for entry in existing(name)] == ["segment", "sem-w", "sem-r", "lock", "upstream lock"], existing(name)


def remove_abandoned_buffer(name: str) -> None:
    """Removes what a SIGKILLed reader left (its lock is free and no PID in it is alive)."""
    if existing(name):
        lifecycle.clean(name)


def sha256(data: Any) -> str:
    return hashlib.sha256(data).hexdigest()


_BYTE_VALUES = bytes(range(256))


def sequence_pattern(size: int, sequence: int) -> bytes:
    """The CLI's "sequence" pattern: byte i = (i + s) & 0xFF (built from a rotated 0..255 cycle)."""
    start = sequence & 0xFF
    period = _BYTE_VALUES[start:] + _BYTE_VALUES[:start]
    return (period * (size // 256 + 1))[:size]


class PeerProcess:
    """A second OS process speaking JSON event lines on stdout."""

    def __init__(self, argv: list[str]) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = PYTHON_ROOT + os.pathsep + env.get("PYTHONPATH", "")
        env.setdefault("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
        env.setdefault("DOTNET_NOLOGO", "1")
        self.argv = argv
        self._process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self.pid = self._process.pid
        self.lines: list[str] = []
        self._events: list[dict[str, Any]] = []
        self._stderr: list[str] = []
        self._condition = threading.Condition()
        self._stdout_done = False
        self._stderr_done = False
        threading.Thread(target=self._pump_stdout, daemon=True).start()
        threading.Thread(target=self._pump_stderr, daemon=True).start()

    @classmethod
    def python(cls, *args: str) -> "PeerProcess":
        """The Python peer tool (``python -m zerobuffer._tools.peer``), same interpreter as the tests."""
        return cls([sys.executable, "-m", "zerobuffer._tools.peer", *args])

    @classmethod
    def csharp(cls, *args: str) -> "PeerProcess":
        """The C# CLI (``dotnet ZeroBuffer.Cli.dll``); it must have been built (./test.sh does, in Release)."""
        if not os.path.isfile(CLI_DLL):
            raise AssertionError("the C# CLI is not built: %s is missing (run ./test.sh, or "
                                 "dotnet build -c Release src/ZeroBuffer.Cli)" % CLI_DLL)
        return cls(["dotnet", CLI_DLL, *args])

    def _pump_stdout(self) -> None:
        assert self._process.stdout is not None
        for raw in self._process.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._condition:
                self.lines.append(line)
                if line.startswith("{"):
                    try:
                        self._events.append(json.loads(line))
                    except ValueError:
                        pass
                self._condition.notify_all()
        with self._condition:
            self._stdout_done = True
            self._condition.notify_all()

    def _pump_stderr(self) -> None:
        assert self._process.stderr is not None
        for raw in self._process.stderr:
            with self._condition:
                self._stderr.append(raw.decode("utf-8", "replace"))
        with self._condition:
            self._stderr_done = True
            self._condition.notify_all()

    @property
    def error_output(self) -> str:
        with self._condition:
            return "".join(self._stderr)

    def events(self, name: str) -> list[dict[str, Any]]:
        with self._condition:
            return [e for e in self._events if e.get("event") == name]

    def wait_for_event(self, name: str, timeout: float = 30.0, index: int = 0) -> dict[str, Any]:
        """The ``index``-th event called ``name``, waiting up to ``timeout`` seconds for it."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while True:
                matching = [e for e in self._events if e.get("event") == name]
                if len(matching) > index:
                    return matching[index]
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._stdout_done:
                    raise AssertionError("no '%s' event from %s within %.0f s; exit %s; stdout: %s; stderr: %s" % (
                        name, self.argv[:4], timeout, self._process.poll(), self.lines[-5:], "".join(self._stderr)[-2000:]))
                self._condition.wait(min(remaining, 0.5))

    def wait_for_exit(self, timeout: float = 60.0) -> int:
        code = self._process.wait(timeout)
        with self._condition:  # let both pumps take the last lines (stderr too: tests read error_output next)
            self._condition.wait_for(lambda: self._stdout_done and self._stderr_done, timeout=5)
        return code

    def close_stdin(self) -> None:
        if self._process.stdin is not None and not self._process.stdin.closed:
            self._process.stdin.close()

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to clean up."""
        self._process.send_signal(signal.SIGKILL)
        self._process.wait(10)

    def terminate(self) -> None:
        """SIGTERM, as Ctrl+C would stop it (a long-running peer such as ``serve`` then cleans up and exits)."""
        self._process.send_signal(signal.SIGTERM)

    def close(self) -> None:
        """SIGTERM first (so a reader removes its buffer), then SIGKILL."""
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(10)
        self.close_stdin()

    def __enter__(self) -> "PeerProcess":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def pattern(key: int, size: int) -> bytes:
    """Deterministic content keyed by ``key``: byte i = key*251 + i*7, the first 4 bytes the key (int32 LE)."""
    data = bytearray(((key * 251) + (i * 7)) & 0xFF for i in range(size))
    if size >= 4:
        data[0:4] = (key & 0xFFFFFFFF).to_bytes(4, "little")
    return bytes(data)


def segment_u64(name: str, offset: int, value: Optional[int] = None) -> int:
    """Reads (or, with ``value``, writes) a u64 at ``offset`` of /dev/shm/<name>, as a raw peer would."""
    fd = os.open(names.segment_file(name), os.O_RDWR)
    try:
        if value is not None:
            os.pwrite(fd, value.to_bytes(8, "little"), offset)
        return int.from_bytes(os.pread(fd, 8, offset), "little")
    finally:
        os.close(fd)


# ----------------------------------------------------------------------------- abandoned buffers
# Made the way a crash makes them (a peer reader SIGKILLed) or as the pieces a crash can leave
# (orphans). Other readers (C# suite, other tests) sweep in parallel: assert end states, not who
# removed a buffer.

def abandon_by_killed_reader(name: str, *read_args: str, spawn: Any = None) -> int:
    """Starts a peer ``read NAME --json``, waits until the buffer exists, SIGKILLs it; returns the dead PID."""
    with (spawn or PeerProcess.python)("read", name, "--json", *read_args) as reader:
        reader.wait_for_event("ready")
        reader.kill()
        return reader.pid


def dead_pid() -> int:
    """A PID just used by a process that has exited."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def orphan_segment(name: str, reader_pid: int, writer_pid: int) -> None:
    """``/dev/shm/NAME`` written by hand: a valid protocol-1 control block (M = 0, P = 64) with the given PIDs, no semaphores."""
    segment = bytearray(128 + 64)
    segment[0:4] = (128).to_bytes(4, "little")
    segment[4] = 1  # version 1.0.0
    segment[32:40] = (64).to_bytes(8, "little")  # payload_size
    segment[40:48] = (64).to_bytes(8, "little")  # payload_free_bytes
    segment[80:88] = writer_pid.to_bytes(8, "little")
    segment[88:96] = reader_pid.to_bytes(8, "little")
    with open(names.segment_file(name), "wb") as f:
        f.write(segment)


def orphan_semaphores(name: str) -> None:
    """Both semaphores of NAME, as a reader killed before it created its segment leaves them."""
    from zerobuffer._primitives.semaphore import NamedSemaphore
    for os_name in (names.data_available_semaphore(name), names.space_available_semaphore(name)):
        semaphore = NamedSemaphore.create_exclusive(os_name, name)
        assert semaphore is not None
        semaphore.close()


def orphan_lock_file(name: str) -> None:
    """A lock file nobody holds, as a reader killed right after taking its lock leaves it."""
    os.makedirs(names.lock_directory(), exist_ok=True)
    open(names.lock_file(name), "wb").close()


def age(name: str, seconds: float) -> None:
    """Ages every file of NAME by ``seconds`` (past the sweep's orphan grace period)."""
    past = time.time() - seconds
    for _, path in resource_paths(name):
        if os.path.exists(path):
            os.utime(path, (past, past))


def assert_gone(name: str, timeout: float = 3.0) -> None:
    """Waits (polling, with a deadline) until nothing of NAME exists: a parallel sweep may be removing it right now."""
    deadline = time.monotonic() + timeout
    while existing(name) and time.monotonic() < deadline:
        time.sleep(0.01)  # polling a file-system end state that another process may still be producing
    assert_none(name)


def sweep_until_gone(buffer_names: list, timeout: float = 10.0) -> None:
    """Creates (and closes) readers of a fresh name, whose creation sweeps stale buffers, until nothing of any of
    ``buffer_names`` is left; fails with what is left after the deadline. A sweep in another container may take a
    name and leave its /tmp lock files here (it cannot see them); the next sweep here removes those."""
    from zerobuffer import BufferConfig, Reader
    deadline = time.monotonic() + timeout
    while True:
        with Reader(unique("sweeper"), BufferConfig(0, 64)):
            pass
        if not any(existing(n) for n in buffer_names) or time.monotonic() >= deadline:
            break
    for name in buffer_names:
        assert_none(name)


def write_until_reader_dead(writer: Any, size: int = 64) -> float:
    """Writes small frames until :class:`ReaderDeadError`; returns how long that took."""
    from zerobuffer import ReaderDeadError
    data = bytes(size)
    start = time.monotonic()
    while time.monotonic() - start < 10:
        try:
            writer.write_frame(data)
        except ReaderDeadError:
            return time.monotonic() - start
    raise AssertionError("the writer of '%s' never reported the reader's death" % writer.name)


def read_until_writer_dead(reader: Any) -> float:
    """Reads with a long timeout and expects :class:`WriterDeadError`; returns how long that took."""
    import pytest
    from zerobuffer import WriterDeadError
    start = time.monotonic()
    with pytest.raises(WriterDeadError):
        reader.read_frame(30)
    return time.monotonic() - start


def assert_within_bound(elapsed: float, what: str) -> None:
    assert elapsed < DEAD_PEER_BOUND, "%s after %.0f ms (bound %.0f ms)" % (what, elapsed * 1000, DEAD_PEER_BOUND * 1000)


# ----------------------------------------------------------------------------- namespaces, users, PIDs
# Real processes in their own PID and mount namespaces (a private /tmp, the host's /dev/shm), as two
# containers of one pod see each other. Root is required; when ``unshare`` is refused the tests fail
# with its reason (they are never skipped).

NAMESPACE_SHELL = 'mount -t tmpfs tmpfs /tmp && exec env -u TMPDIR %s "$@"'
NAMESPACE_PYTHON_PEER = "/usr/bin/python3 -m zerobuffer._tools.peer"
NOBODY = 65534


def require_unshare() -> None:
    """Fails (never skips) with the reason when a PID + mount namespace with a private /tmp cannot be made here."""
    result = subprocess.run(["unshare", "--pid", "--mount", "--fork", "--mount-proc", "sh", "-c", "mount -t tmpfs tmpfs /tmp"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, "cannot run a namespaced peer (unshare --pid --mount, tmpfs on /tmp): exit %d: %s" % (
        result.returncode, result.stderr.strip() or result.stdout.strip())


class NamespacedPeer(PeerProcess):
    """The Python peer tool (or, with :meth:`csharp`, the C# CLI) as PID 1 of its own PID and mount
    namespace, with a private tmpfs on /tmp and no TMPDIR: it shares only /dev/shm with this
    process. :meth:`kill` SIGKILLs the namespace's init (the peer itself), not ``unshare``."""

    def __init__(self, *args: str, program: str = NAMESPACE_PYTHON_PEER) -> None:
        super().__init__(["unshare", "--pid", "--mount", "--fork", "--mount-proc", "--kill-child",
                          "sh", "-c", NAMESPACE_SHELL % program, "sh", *args])
        self.init_pid = self._find_init()

    @classmethod
    def csharp(cls, *args: str) -> "NamespacedPeer":  # type: ignore[override]
        """The C# CLI (``dotnet ZeroBuffer.Cli.dll``) in its own namespaces."""
        if not os.path.isfile(CLI_DLL):
            raise AssertionError("the C# CLI is not built: %s is missing" % CLI_DLL)
        return cls(*args, program="dotnet %s" % CLI_DLL)

    def _find_init(self) -> int:
        children = "/proc/%d/task/%d/children" % (self.pid, self.pid)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with open(children) as f:
                    listed = f.read().split()
            except OSError:
                listed = []
            if listed:
                return int(listed[0])
            if self._process.poll() is not None:
                break
            time.sleep(0.001)  # polling for the fork to show up in /proc, bounded by the deadline
        raise AssertionError("unshare (PID %d) started no namespace init; exit %s; stderr: %s"
                             % (self.pid, self._process.poll(), self.error_output))

    def kill(self) -> None:
        """SIGKILL of the peer inside the namespace (its PID 1); unshare then exits too."""
        os.kill(self.init_pid, signal.SIGKILL)
        self._process.wait(10)

    def close(self) -> None:
        """SIGTERM to the peer (it has a handler, so its namespace's init receives it) so a reader
        removes its buffer; SIGKILL if it does not end."""
        if self._process.poll() is None:
            try:
                os.kill(self.init_pid, signal.SIGTERM)
                self._process.wait(10)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.kill(self.init_pid, signal.SIGKILL)
                self._process.wait(10)
        self.close_stdin()


def nobody_peer(*args: str) -> PeerProcess:
    """The Python peer tool run as uid/gid 65534 (nobody), with no supplementary groups."""
    return PeerProcess(["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY, "--clear-groups",
                        "env", "PYTHONDONTWRITEBYTECODE=1", "/usr/bin/python3", "-m", "zerobuffer._tools.peer", *args])


def nobody_csharp(*args: str) -> PeerProcess:
    """The C# CLI run as uid/gid 65534 (nobody), with no supplementary groups (HOME in /tmp)."""
    if not os.path.isfile(CLI_DLL):
        raise AssertionError("the C# CLI is not built: %s is missing" % CLI_DLL)
    return PeerProcess(["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY, "--clear-groups",
                        "env", "HOME=/tmp", "DOTNET_CLI_HOME=/tmp", "dotnet", CLI_DLL, *args])


class _PidTaker:
    """A shell that set ns_last_pid and forked a ``sleep`` at once; kill() ends both."""

    def __init__(self, shell: "subprocess.Popen[bytes]", pid: int) -> None:
        self._shell = shell
        self.pid = pid

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._shell.kill()

    def wait(self) -> None:
        self._shell.wait()


def take_pid(pid: int, attempts: int = 200) -> _PidTaker:
    """Starts an unrelated ``sleep`` whose PID is ``pid`` (free again: its process was reaped). A shell
    sets /proc/sys/kernel/ns_last_pid to pid - 1 and forks at once, so only a process created in those
    few microseconds can take the PID first; then the attempt is undone and repeated, a bounded number
    of times. Kill (and wait for) the result when done."""
    script = 'echo "$1" > /proc/sys/kernel/ns_last_pid; sleep 600 & echo $!; wait'
    for _ in range(attempts):
        shell = subprocess.Popen(["sh", "-c", script, "sh", str(pid - 1)], stdout=subprocess.PIPE)
        assert shell.stdout is not None
        line = shell.stdout.readline().strip()
        child = int(line) if line.isdigit() else -1
        if child == pid:
            return _PidTaker(shell, child)
        if child > 0:
            try:
                os.kill(child, signal.SIGKILL)
            except ProcessLookupError:
                pass
        shell.kill()
        shell.wait()
    raise AssertionError("PID %d could not be given to an unrelated process in %d attempts" % (pid, attempts))


GOLDEN_UPSTREAM_OIEB = bytes.fromhex(
    "80000000" "01000000"            # oieb_size 128, version 1.0.0, reserved 0
    "0000000000000000"               # metadata_size 0
    "0000000000000000"               # metadata_free_bytes 0
    "0000000000000000"               # metadata_written_bytes 0
    "0004000000000000"               # payload_size 1024
    "0004000000000000"               # payload_free_bytes 1024
    "0000000000000000"               # payload_write_pos 0
    "0000000000000000"               # payload_read_pos 0
    "0000000000000000"               # payload_written_count 0
    "0000000000000000"               # payload_read_count 0
    "0000000000000000"               # writer_pid 0
    "0000000000000000"               # reader_pid (patched in)
    + "00" * 32                      # reserved: zero, no advertisement (an upstream reader created it)
)
"""The control block an upstream (protocol 1.0) reader creates for M = 0, P = 1024, byte for byte.
Pinned: the tests patch in the PIDs and must never change these bytes otherwise."""


def upstream_buffer(name: str, reader_pid: int, writer_pid: int = 0, payload_size: int = 1024) -> None:
    """A buffer as an upstream reader leaves it: the golden control block with these PIDs (and
    ``payload_size`` for P, 1024 by default), both semaphores, mode 0666, no lock files of ours and
    no advertisement."""
    oieb = bytearray(GOLDEN_UPSTREAM_OIEB)
    oieb[32:40] = payload_size.to_bytes(8, "little")  # payload_size
    oieb[40:48] = payload_size.to_bytes(8, "little")  # payload_free_bytes
    oieb[80:88] = writer_pid.to_bytes(8, "little")
    oieb[88:96] = reader_pid.to_bytes(8, "little")
    from zerobuffer._primitives.semaphore import NamedSemaphore
    for os_name in (names.data_available_semaphore(name), names.space_available_semaphore(name)):
        semaphore = NamedSemaphore.create_exclusive(os_name, name, mode=0o666)
        assert semaphore is not None
        semaphore.close()
    fd = os.open(names.segment_file(name), os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o666)
    try:
        os.fchmod(fd, 0o666)
        os.write(fd, bytes(oieb) + bytes(payload_size))
    finally:
        os.close(fd)


def remove_by_hand(name: str) -> None:
    """Unlinks whatever exists of NAME (for buffers a test built by hand)."""
    for _, path in resource_paths(name):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


class HandWriter:
    """A writer written by hand in the test, as a peer that ignores the extension words (upstream)
    would act: it stores its PID in writer_pid, publishes the count **before** it charges free bytes
    (protocol-v1's order), and never touches the reserved words. Frames never wrap (tests keep them small)."""

    def __init__(self, name: str, pid: int) -> None:
        from zerobuffer._primitives.segment import SharedMemorySegment
        from zerobuffer._primitives.semaphore import NamedSemaphore
        from zerobuffer._protocol import layout
        from zerobuffer._protocol.oieb import Oieb
        self._L = layout
        segment = SharedMemorySegment.open_existing(names.segment(name), name)
        assert segment is not None
        self.segment = segment
        self.oieb = Oieb(segment.address)
        data = NamedSemaphore.open_existing(names.data_available_semaphore(name), name)
        assert data is not None
        self.data_available = data
        self.ring = layout.payload_offset(self.oieb.metadata_size())
        self.oieb.store(layout.WRITER_PID_OFFSET, pid)
        self.sequence = 1

    def publish(self, payload: bytes) -> int:
        """Writes header and data and publishes the count (and posts), without charging free bytes; returns the bytes to charge."""
        L = self._L
        position = self.oieb.load(L.PAYLOAD_WRITE_POS_OFFSET)
        total = 16 + len(payload)
        view = self.segment.view
        assert view is not None
        start = self.ring + position
        view[start:start + 8] = len(payload).to_bytes(8, "little")
        view[start + 8:start + 16] = self.sequence.to_bytes(8, "little")
        view[start + 16:start + total] = payload
        self.sequence += 1
        self.oieb.store(L.PAYLOAD_WRITE_POS_OFFSET, position + total)
        self.oieb.store(L.PAYLOAD_WRITTEN_COUNT_OFFSET, self.oieb.written_count() + 1)
        self.data_available.post()
        return total

    def charge(self, total: int) -> None:
        self.oieb.add_free_bytes(-total)

    def write(self, payload: bytes) -> None:
        self.charge(self.publish(payload))

    def leave(self) -> None:
        """An upstream writer's dispose: writer_pid = 0, nothing else."""
        self.oieb.store(self._L.WRITER_PID_OFFSET, 0)
        self.close()

    def close(self) -> None:
        self.data_available.close()
        self.segment.close()


class UpstreamPythonWriter:
    """A writer that stores what upstream Python's writer (protocol 1.0 as it implements it) stores,
    as C#'s ``UpstreamPythonWriter`` does: its PID in writer_pid, no extension word, the count
    published before free bytes are charged, a wrap whenever the frame does not fit before the end
    — a marker only when the tail holds one, but payload_written_count incremented for every wrap,
    a tail of 0 to 15 bytes included — and write_pos = P after a frame that ends exactly at the end
    of the ring (protocol §4.2). Free bytes change by atomic adds (upstream's are plain stores; a
    test that reads on another thread must not lose the reader's adds to them)."""

    def __init__(self, name: str, pid: Optional[int] = None, charge_wraps_late: bool = False) -> None:
        """``charge_wraps_late``: a wrap's skipped tail is charged with its frame, after the frame's
        count (else at the wrap, before its count, as upstream Python computes it)."""
        from zerobuffer._primitives.segment import SharedMemorySegment
        from zerobuffer._primitives.semaphore import NamedSemaphore
        from zerobuffer._protocol import layout
        from zerobuffer._protocol.oieb import Oieb
        self._L = layout
        segment = SharedMemorySegment.open_existing(names.segment(name), name)
        assert segment is not None
        self.segment = segment
        self.oieb = Oieb(segment.address)
        data = NamedSemaphore.open_existing(names.data_available_semaphore(name), name)
        space = NamedSemaphore.open_existing(names.space_available_semaphore(name), name)
        assert data is not None and space is not None
        self.data_available = data
        self.space_available = space
        self.ring = layout.payload_offset(self.oieb.metadata_size())
        self.ring_size = self.oieb.payload_size()
        self.charge_wraps_late = charge_wraps_late
        self.oieb.store(layout.WRITER_PID_OFFSET, os.getpid() if pid is None else pid)
        self.sequence = 1

    STEPS = ("wrap charge", "wrap position", "wrap count", "frame position", "frame count", "charge")
    """The points between two stores of a write where :meth:`try_write` can run a callable, in order."""

    def try_write(self, payload: bytes, between: Optional[dict[str, Any]] = None) -> bool:
        """Writes ``payload`` as the next frame if the free bytes allow it now; False otherwise
        (nothing changed). ``between`` maps a step of :attr:`STEPS` to a callable run right before
        the store the step names, to stage a reader in the middle of a write: "wrap charge" (a
        wrap's marker, if any, is written), "wrap position" (its tail charged, unless charged
        late), "wrap count" (its position 0 stored), "frame position" (the frame's header and data
        written), "frame count" (its position stored), "charge" (its count published and posted)."""
        L = self._L
        hooks = between or {}

        def step(name: str) -> None:
            if name in hooks:
                hooks[name]()

        total = 16 + len(payload)
        position = self.oieb.load(L.PAYLOAD_WRITE_POS_OFFSET)
        to_end = self.ring_size - position
        required = total if to_end >= total else to_end + total
        if self.oieb.free_bytes() < required:
            return False
        view = self.segment.view
        assert view is not None
        charge = total
        if to_end < total:
            if to_end >= 16:
                view[self.ring + position:self.ring + position + 16] = bytes(16)  # the marker {0, 0}
            step("wrap charge")
            if self.charge_wraps_late:
                charge += to_end
            else:
                self.oieb.add_free_bytes(-to_end)
            step("wrap position")
            self.oieb.store(L.PAYLOAD_WRITE_POS_OFFSET, 0)
            step("wrap count")
            self.oieb.store(L.PAYLOAD_WRITTEN_COUNT_OFFSET, self.oieb.written_count() + 1)  # counted, marker or not
            position = 0
        start = self.ring + position
        view[start:start + 8] = len(payload).to_bytes(8, "little")
        view[start + 8:start + 16] = self.sequence.to_bytes(8, "little")
        view[start + 16:start + total] = payload
        step("frame position")
        self.oieb.store(L.PAYLOAD_WRITE_POS_OFFSET, position + total)  # P after an exact fit
        step("frame count")
        self.oieb.store(L.PAYLOAD_WRITTEN_COUNT_OFFSET, self.oieb.written_count() + 1)
        self.data_available.post()
        step("charge")
        self.oieb.add_free_bytes(-charge)  # after the count, as protocol-v1 orders it
        self.sequence += 1
        return True

    def write(self, payload: bytes, timeout: float = 10.0) -> None:
        """:meth:`try_write`, waiting on sem-r (100 ms slices, up to ``timeout``) while there is no space."""
        deadline = time.monotonic() + timeout
        while not self.try_write(payload):
            assert time.monotonic() < deadline, "no space for frame %d within %.0f s" % (self.sequence, timeout)
            self.space_available.wait(100)

    def leave(self) -> None:
        """An upstream writer's dispose: writer_pid = 0, nothing else."""
        self.oieb.store(self._L.WRITER_PID_OFFSET, 0)
        self.close()

    def close(self) -> None:
        self.data_available.close()
        self.space_available.close()
        self.segment.close()
