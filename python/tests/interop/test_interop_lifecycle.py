"""Interop of the lifecycle rules (protocol §5.5): the C# CLI (``zerobuffer list --json`` /
``zerobuffer clean``) and the Python API (:mod:`zerobuffer.lifecycle`) see each other's abandoned
buffers as Stale and remove them, and neither side ever removes a live buffer of the other.

Stale buffers are made by SIGKILLing a real reader process (Python peer tool or ``zerobuffer
read``). A parallel sweep (another reader being created elsewhere) could remove one before it is
looked at; the tests then retry with a fresh name and require the observation at least once."""

from __future__ import annotations

import os
from typing import Any, Optional

from zerobuffer import BufferConfig, Reader, Writer, lifecycle
from zerobuffer.lifecycle import BufferState, CleanupOutcome

from ..support import (OUR_BUFFER_RESOURCE_LIST, OUR_BUFFER_RESOURCES, PeerProcess, abandon_by_killed_reader, age, assert_all,
                       assert_none, orphan_semaphores,
                       remove_abandoned_buffer, unique)

ATTEMPTS = 5


def _cli_events(*args: str) -> tuple[int, list[dict[str, Any]]]:
    """Runs the C# CLI to completion; (exit code, JSON events)."""
    with PeerProcess.csharp(*args) as process:
        code = process.wait_for_exit()
        return code, process.events("buffer") + process.events("cleaned") + process.events("done")


def _event_for(events: list[dict[str, Any]], kind: str, name: str) -> Optional[dict[str, Any]]:
    matching = [e for e in events if e.get("event") == kind and e.get("name") == name]
    assert len(matching) <= 1, matching
    return matching[0] if matching else None


def test_python_stale_buffer_listed_and_cleaned_by_csharp_cli():
    observed = False
    for _ in range(ATTEMPTS):
        name = unique("io-lc-py-stale")
        dead = abandon_by_killed_reader(name, "--metadata-size", "256", "--payload-size", "8192")
        code, events = _cli_events("list", "--json")
        assert code == 0
        listed = _event_for(events, "buffer", name)
        if listed is None or listed["state"] != "Stale":
            # Only a sweep elsewhere can make it vanish (or hold its lock for a moment).
            assert listed is None or listed["lockHeld"], listed
            remove_abandoned_buffer(name)
            assert_none(name)
            continue
        assert listed["readerPid"] == dead and not listed["readerAlive"]
        assert listed["writerPid"] == 0 and not listed["lockHeld"]
        assert listed["payloadSize"] == 8192 and listed["metadataSize"] == 256
        assert listed["resources"] == OUR_BUFFER_RESOURCE_LIST
        mine = lifecycle.inspect(name)  # both implementations say the same, in the same words
        assert mine is not None and mine.state.value == listed["state"] and mine.reason == listed["reason"]
        assert lifecycle.clean(name, dry_run=True).outcome is CleanupOutcome.WOULD_REMOVE

        code, events = _cli_events("clean", "--stale", "--json")
        assert code == 0
        cleaned = _event_for(events, "cleaned", name)
        assert_none(name)
        if cleaned is not None:
            assert cleaned["outcome"] == "Removed" and cleaned["state"] == "Stale"
            assert cleaned["resources"] == OUR_BUFFER_RESOURCE_LIST
            observed = True
            break
    assert observed, "the C# CLI never listed and cleaned a SIGKILLed Python reader's buffer"
    _assert_usable(name)


def test_csharp_stale_buffer_listed_and_cleaned_by_python_api():
    observed = False
    for _ in range(ATTEMPTS):
        name = unique("io-lc-cs-stale")
        dead = abandon_by_killed_reader(name, "--metadata-size", "256", "--payload-size", "8192", spawn=PeerProcess.csharp)
        info = next((b for b in lifecycle.list_buffers() if b.name == name), None)
        if info is None or info.state is not BufferState.STALE:
            assert info is None or info.lock_held, info
            remove_abandoned_buffer(name)
            assert_none(name)
            continue
        assert info.reader_pid == dead and not info.reader_alive and not info.lock_held
        assert info.resources == OUR_BUFFER_RESOURCES
        assert (info.metadata_size, info.payload_size) == (256, 8192)
        result = lifecycle.clean(name)
        assert_none(name)
        if result.outcome is CleanupOutcome.REMOVED:
            assert result.state_before is BufferState.STALE and result.removed == OUR_BUFFER_RESOURCES
            observed = True
            break
    assert observed, "the Python API never listed and cleaned a SIGKILLed C# reader's buffer"

    # The sweep as an operator call removes them too.
    for _ in range(ATTEMPTS):
        swept = unique("io-lc-cs-sweep")
        abandon_by_killed_reader(swept, spawn=PeerProcess.csharp)
        results = [r for r in lifecycle.clean_stale() if r.name == swept]
        assert_none(swept)
        if results:
            assert results[0].outcome is CleanupOutcome.REMOVED
            break
    _assert_usable(name)


def test_neither_side_removes_a_live_buffer_of_the_other():
    py_here = unique("io-lc-py-live")
    py_process = unique("io-lc-py-proc")
    cs_process = unique("io-lc-cs-proc")
    cs_writer_keeps = unique("io-lc-cs-wkeeps")
    young_orphan = unique("io-lc-young")
    with Reader(py_here, BufferConfig(64, 4096)), \
            PeerProcess.python("read", py_process, "--json") as py_reader, \
            PeerProcess.csharp("read", cs_process, "--json") as cs_reader, \
            PeerProcess.csharp("read", cs_writer_keeps, "--json") as cs_crashed_reader:
        py_reader.wait_for_event("ready")
        cs_reader.wait_for_event("ready")
        cs_crashed_reader.wait_for_event("ready")
        # A C# reader killed while its C# writer lives on: the writer still uses the buffer.
        with PeerProcess.csharp("write", cs_writer_keeps, "--count", "0", "--hold", "--json") as cs_writer:
            cs_writer.wait_for_event("holding")
            cs_crashed_reader.kill()
            orphan_semaphores(young_orphan)  # a creator half-way (no lock file): protected by the grace period
            try:
                # C# looks at the Python buffers (and the rest).
                code, events = _cli_events("list", "--json")
                assert code == 0
                for name in (py_here, py_process, cs_process, cs_writer_keeps):
                    listed = _event_for(events, "buffer", name)
                    assert listed is not None and listed["state"] == "Live", (name, listed)
                code, events = _cli_events("clean", "--stale", "--json")
                assert code == 0
                for name in (py_here, py_process, young_orphan):
                    cleaned = _event_for(events, "cleaned", name)
                    assert cleaned is None or cleaned["outcome"] == "SkippedRecent", cleaned
                for name in (py_here, py_process):
                    code, events = _cli_events("clean", name, "--json")
                    assert code == 5 and _event_for(events, "cleaned", name)["outcome"] == "RefusedLive"

                # Python looks at the C# buffers (and the rest); a new Python reader's sweep too.
                assert not [r for r in lifecycle.clean_stale()
                            if r.name in (cs_process, cs_writer_keeps) or (r.name == young_orphan and r.outcome is not CleanupOutcome.SKIPPED_RECENT)]
                for name in (cs_process, cs_writer_keeps):
                    assert lifecycle.inspect(name).state is BufferState.LIVE
                    assert lifecycle.clean(name).outcome is CleanupOutcome.REFUSED_LIVE
                with Reader(unique("io-lc-trigger"), BufferConfig(64, 4096)):
                    pass

                for name in (py_here, py_process, cs_process):
                    assert_all(name)
                assert os.path.exists("/dev/shm/" + cs_writer_keeps)
                assert lifecycle.inspect(young_orphan).state is BufferState.ORPHANED

                # Both buffers still carry frames.
                with Writer(py_process) as writer:
                    writer.write_frame(b"\x01")
                    py_reader.wait_for_event("frame")
                with Writer(cs_process) as writer:
                    writer.write_frame(b"\x02")
                    cs_reader.wait_for_event("frame")

                # An aged orphan made by Python is removed by the C# CLI.
                age(young_orphan, 10)
                code, events = _cli_events("clean", "--stale", "--json")
                cleaned = _event_for(events, "cleaned", young_orphan)
                assert_none(young_orphan)
                assert cleaned is None or (cleaned["outcome"] == "Removed" and cleaned["state"] == "Orphaned"), cleaned
            finally:
                remove_abandoned_buffer(young_orphan)
            cs_writer.kill()
        remove_abandoned_buffer(cs_writer_keeps)
        assert_none(cs_writer_keeps)
    for name in (py_here, py_process, cs_process):
        assert_none(name)


def _assert_usable(name: str) -> None:
    with Reader(name, BufferConfig(64, 4096)) as reader, Writer(name) as writer:
        writer.write_frame(b"\x07")
        with reader.read_frame(5) as frame:
            assert frame.sequence == 1
    assert_none(name)
