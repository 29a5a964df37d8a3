"""Suite-wide guard: the Python tests leave /dev/shm and the lock directories as they found them
(every test buffer is named ``zbt-py-...``; other suites' names are not looked at)."""

from __future__ import annotations

import os

import pytest

from zerobuffer._protocol import names


def _ours() -> set[str]:
    found = set()
    for directory in (names.SHM_DIRECTORY, names.lock_directory(), names.upstream_lock_directory()):
        try:
            found.update(os.path.join(directory, entry) for entry in os.listdir(directory) if "zbt-py-" in entry)
        except OSError:
            pass
    return found


@pytest.fixture(scope="session", autouse=True)
def nothing_left_behind():
    before = _ours()
    yield
    left = sorted(_ours() - before)
    assert not left, "the Python tests left these behind: %s" % left
