"""Access control (protocol §1 "Modes", §5.2 step 1): buffers are owner-only (0600) by default,
whatever the umask; ``BufferAccess.GROUP`` gives 0660 and ``EVERYONE`` 0666, for the segment, both
semaphores and every lock file the reader creates; lock directories are made 01777. Denial by
another user is in test_namespaces.py (a real non-root process)."""

from __future__ import annotations

import os
import stat
import subprocess
import tempfile

import pytest

from zerobuffer import BufferAccess, BufferAccessDeniedError, BufferConfig, ErrorKind, Reader, Writer
from zerobuffer._primitives import lock_file as lock_file_module
from zerobuffer._primitives.lock_file import LockFile
from zerobuffer._protocol import names

from .support import assert_none, remove_by_hand, unique, upstream_buffer


def _mode(path: str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _created_files(name: str) -> list[str]:
    return [names.segment_file(name), names.semaphore_file(names.data_available_semaphore(name)),
            names.semaphore_file(names.space_available_semaphore(name)), names.lock_file(name), names.upstream_lock_file(name)]


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o077])
@pytest.mark.parametrize("access, mode", [(None, 0o600), (BufferAccess.OWNER, 0o600), (BufferAccess.GROUP, 0o660),
                                          (BufferAccess.EVERYONE, 0o666)])
def test_modes_follow_the_access_whatever_the_umask(monkeypatch, umask, access, mode):
    name = unique("acc-mode")
    modes_asked: list[int] = []
    original = LockFile.try_acquire

    def recording(path, create, buffer_name, lock_mode=0o600):
        if path == names.name_lock_file(name):
            modes_asked.append(lock_mode)
        return original(path, create, buffer_name, lock_mode)

    monkeypatch.setattr(lock_file_module.LockFile, "try_acquire", staticmethod(recording))
    config = BufferConfig(0, 4096) if access is None else BufferConfig(0, 4096, access)
    previous = os.umask(umask)
    try:
        with Reader(name, config):
            assert {path: oct(_mode(path)) for path in _created_files(name)} == {path: oct(mode) for path in _created_files(name)}
            assert modes_asked == [mode]  # the name lock too
    finally:
        os.umask(previous)
    assert_none(name)


def test_lock_directories_are_created_sticky_and_world_writable(monkeypatch):
    with tempfile.TemporaryDirectory() as tmp:
        monkeypatch.setenv("TMPDIR", tmp)
        name = unique("acc-dirs")
        previous = os.umask(0o077)
        try:
            with Reader(name, BufferConfig(0, 4096)):
                assert _mode(names.lock_directory()) == 0o1777
                assert _mode(names.upstream_lock_directory()) == 0o1777
        finally:
            os.umask(previous)
        assert_none(name)


def test_access_parses_the_cli_values():
    assert [BufferAccess.parse(text) for text in ("owner", "group", "everyone")] == list(BufferAccess)
    assert [access.mode for access in BufferAccess] == [0o600, 0o660, 0o666]
    with pytest.raises(ValueError, match="owner, group or everyone"):
        BufferAccess.parse("world")
    with pytest.raises(ValueError):
        BufferConfig(0, 64, access=2)  # type: ignore[arg-type]


def test_access_denied_error_names_uid_mode_and_how_to_share():
    with tempfile.NamedTemporaryFile() as file:
        os.chmod(file.name, 0o600)
        error = BufferAccessDeniedError.for_path("cam0", file.name)
    assert error.kind is ErrorKind.ACCESS_DENIED and error.owner_uid == os.getuid() and error.mode == 0o600
    text = str(error)
    assert "uid %d" % os.getuid() in text and "0600" in text
    assert "BufferAccess.GROUP" in text and "BufferAccess.EVERYONE" in text and "--access group|everyone" in text


def test_upstream_created_buffer_with_mode_0666_still_works():
    name = unique("acc-upstream")
    sleeper = subprocess.Popen(["sleep", "600"])
    try:
        upstream_buffer(name, reader_pid=sleeper.pid)
        assert _mode(names.segment_file(name)) == 0o666
        with Writer(name) as writer:
            writer.write_frame(b"to an upstream reader")
            assert writer.is_reader_connected()
    finally:
        sleeper.kill()
        sleeper.wait()
        remove_by_hand(name)
    assert_none(name)


def test_duplex_buffers_take_their_access_from_the_options_or_the_request_buffer():
    from zerobuffer.duplex import (DuplexChannelFactory, DuplexClientOptions, DuplexServerOptions, request_buffer_name,
                                   response_buffer_name)
    channel = unique("acc-duplex")
    factory = DuplexChannelFactory()
    server = factory.create_immutable_server(channel, BufferConfig(0, 4096), DuplexServerOptions(access=BufferAccess.GROUP))
    server.start(lambda request, response: response.write(bytes(request.data)))
    try:
        assert _mode(names.segment_file(request_buffer_name(channel))) == 0o660
        with factory.create_client(channel) as client:  # shared as widely as the request buffer
            assert _mode(names.segment_file(response_buffer_name(channel))) == 0o660
            assert client.send_async(b"ping").result(10).payload == b"ping"
        server.stop()  # a server serves on after its client leaves, until stopped
        assert server.wait(10)
    finally:
        server.close()
    assert_none(request_buffer_name(channel))
    assert_none(response_buffer_name(channel))

    channel = unique("acc-duplex-own")
    server = factory.create_immutable_server(channel, BufferConfig(0, 4096, BufferAccess.EVERYONE))
    server.start(lambda request, response: response.write(bytes(request.data)))
    try:
        assert _mode(names.segment_file(request_buffer_name(channel))) == 0o666
        with factory.create_client(channel, DuplexClientOptions(access=BufferAccess.OWNER)):
            assert _mode(names.segment_file(response_buffer_name(channel))) == 0o600
        server.stop()  # a server serves on after its client leaves, until stopped
        assert server.wait(10)
    finally:
        server.close()
    assert_none(request_buffer_name(channel))
    assert_none(response_buffer_name(channel))
