"""``python -m zerobuffer._tools.peer read|write NAME ... | list | clean NAME|--stale`` (installed: the
console script ``zerobuffer-py``): the Python twin of the C# CLI's ``zerobuffer read`` / ``write`` / ``list`` / ``clean`` commands, used as the
second process in the cross-process and crash tests. Fault points like the CLI's: ``write
--pause-at after-acquire --pause-frame K`` / ``--pause-at mid-metadata``, ``read --pause-at
holding-frame --pause-frame K`` report ``{"event":"paused",...}`` and wait to be killed. Same options (a subset), same ``--json`` events, same exit codes
(0 ok, 3 timeout, 10 + ErrorKind for SDK errors, 130 after SIGTERM/SIGINT).

``publish TOPIC`` and ``subscribe TOPIC --policy P`` are a topic's publisher and subscriber
(``zerobuffer.topics``): frame k of a publisher (from 1) carries the pattern below for sequence k,
whatever number each subscriber sees it under. A publisher already there: exit 28 (TopicAlreadyPublished).

``read`` ends with exit 0 and ``{"event":"end","frames":N,"bytes":B}`` when the writer closed the
stream (every frame read); a crashed writer is exit 16 (WriterDead). ``write`` exits 25
(ReaderClosed) when the reader closed the buffer, 15 (ReaderDead) when it died. ``read`` and
``serve`` take ``--access owner|group|everyone`` (default owner: mode 0600).

Frame pattern: byte i of the frame with sequence s is (i + s) & 0xFF. A frame whose payload is
exactly ``EXIT`` ends ``read``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import sys
import threading
import time
from typing import Any, Callable, Iterator, Optional

from .. import (BufferAccess, BufferConfig, BufferNotFoundError, Frame, Reader, ReaderDeadError, Writer, WriterClosedError,
                 ZeroBufferError, lifecycle)

EXIT_FRAME = b"EXIT"
_RAMP = bytes((i & 0xFF) for i in range(512))


def pattern(size: int, sequence: int) -> bytes:
    """The "sequence" pattern: byte i = (i + sequence) & 0xFF."""
    start = sequence & 0xFF
    if size <= 256:
        return _RAMP[start:start + size]
    window = _RAMP[start:start + 256]
    return (window * (size // 256 + 1))[:size]


class _Output:
    """Events and lines, whole, from any thread (a topic's joins and departures come from its discovery thread)."""

    def __init__(self, json_mode: bool) -> None:
        self.json = json_mode
        self._lock = threading.Lock()

    def event(self, event_name: str, **fields: Any) -> None:
        if self.json:
            fields = {"event": event_name, **fields}
            self._write(json.dumps(fields, ensure_ascii=False))

    def line(self, text: str) -> None:
        if not self.json:
            self._write(text)

    def _write(self, text: str) -> None:
        with self._lock:
            sys.stdout.write(text + "\n")
            sys.stdout.flush()


class _Interrupted(BaseException):
    pass


_stop_requested = False
_interruptible_depth = 0  # > 0 while the main thread sits in a plain sleep or a stdin read, outside the SDK


def _on_signal(signum: int, frame: object) -> None:
    """SIGTERM/SIGINT. Raised at once only outside SDK calls: an exception landing in the middle of
    one (its waits poll in Python bytecode) could leave a lock or gate half-taken, and the buffer
    would not be removed. Otherwise the loops stop at their next check (``_check_stop``)."""
    global _stop_requested
    _stop_requested = True
    if _interruptible_depth:
        raise _Interrupted()


def _check_stop() -> None:
    if _stop_requested:
        raise _Interrupted()


def _interruptible(block: Callable[[], object]) -> None:
    """Runs a wait outside the SDK (a sleep, a stdin read, joining the server thread) during which a
    stop signal may raise at once."""
    global _interruptible_depth
    _check_stop()
    _interruptible_depth += 1
    try:
        block()
    finally:
        _interruptible_depth -= 1


def _interruptible_sleep(seconds: float) -> None:
    _interruptible(lambda: time.sleep(seconds))


def _pause(out: _Output, point: str, sequence: Optional[int]) -> None:
    """Fault injection (``--pause-at``): report the point, then wait to be killed (SIGKILL is the test's crash)."""
    fields: dict[str, Any] = {"point": point}
    if sequence is not None:
        fields["sequence"] = sequence
    out.event("paused", **fields)
    out.line("Paused at %s; waiting to be killed..." % point)
    while True:
        _interruptible_sleep(3600)


class _TimedOut(Exception):
    """No frame within ``--timeout-ms`` (the "timeout" event is out): exit 3."""


def _receive(source: Any, out: _Output, timeout_ms: Optional[int]) -> Iterator[Frame]:
    """The frames of a reader or a subscriber (``source``), until the writer's clean end of stream
    (every frame read: the iteration ends); :class:`_TimedOut` when none arrives within ``timeout_ms``.
    The "metadata" event comes once, as soon as there is metadata and before the frame it came
    with. Waits are cut to 0.1 s so a stop request is seen promptly (_check_stop) and, while
    metadata is still awaited, it is looked for every 100 ms (like the C# command)."""
    metadata_reported = False
    timeout = None if timeout_ms is None else timeout_ms / 1000.0
    waiting_since = time.monotonic()
    while True:
        metadata_reported = metadata_reported or _report_metadata(out, source.get_metadata())
        _check_stop()
        remaining = None if timeout is None else max(0.0, timeout - (time.monotonic() - waiting_since))
        try:
            frame = source.read_frame(0.1 if remaining is None else min(0.1, remaining))
        except WriterClosedError:
            return
        if not frame:
            if timeout is not None and time.monotonic() - waiting_since >= timeout:
                out.event("timeout")
                raise _TimedOut()
            continue
        waiting_since = time.monotonic()
        metadata_reported = metadata_reported or _report_metadata(out, source.get_metadata())
        yield frame


def _report_metadata(out: _Output, metadata: memoryview) -> bool:
    """The "metadata" event (as the C# command's), once there is metadata; whether there was."""
    if not len(metadata):
        return False
    content = bytes(metadata)
    try:
        text: Optional[str] = content.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    out.event("metadata", size=len(content), sha256=hashlib.sha256(content).hexdigest(), text=text)
    return True


def _read(args: argparse.Namespace, out: _Output) -> int:
    with Reader(args.name, BufferConfig(args.metadata_size, args.payload_size, BufferAccess.parse(args.access))) as reader:
        out.event("ready", name=args.name, pid=os.getpid(), metadataSize=reader.config.metadata_block_size,
                  payloadSize=reader.config.payload_block_size)
        out.line("Ready: buffer %s" % args.name)
        frames = total = 0
        for frame in _receive(reader, out, args.timeout_ms):
            if args.pause_at == "holding-frame" and frames + 1 == args.pause_frame:
                out.event("frame", sequence=frame.sequence, size=frame.size)
                _pause(out, "holding-frame", frame.sequence)  # the frame is read and held, never released
            with frame:
                data = frame.data
                if bytes(data) == EXIT_FRAME:
                    out.event("exit-frame", sequence=frame.sequence)
                    out.event("done", frames=frames, bytes=total)
                    return 0
                fields: dict[str, Any] = {"sequence": frame.sequence, "size": frame.size}
                if args.hash:
                    fields["sha256"] = hashlib.sha256(data).hexdigest()
                out.event("frame", **fields)
                out.line("Read frame %d, size: %d" % (frame.sequence, frame.size))
                frames += 1
                total += frame.size
                if args.delay_ms:
                    _interruptible_sleep(args.delay_ms / 1000.0)  # the scenario: a slow reader holding each frame
            if args.count and frames >= args.count:
                out.event("done", frames=frames, bytes=total)
                return 0
        # The end of the stream: the writer closed and every frame it wrote was read.
        out.event("end", frames=frames, bytes=total)
        out.line("End of stream: the writer closed after %d frames, %d bytes." % (frames, total))
        return 0


def _connect(args: argparse.Namespace, out: _Output) -> Writer:
    """Connects; with --wait-for-reader, says it is waiting (once) and waits for the reader (as the C# CLI)."""
    if args.wait_for_reader is None:
        return Writer(args.name)
    try:
        return Writer(args.name)
    except (BufferNotFoundError, ReaderDeadError) as ex:
        out.event("waiting", name=args.name, reason=str(ex))
        out.line("Waiting for the reader of '%s': %s" % (args.name, ex))
        timeout = None if args.wait_for_reader < 0 else args.wait_for_reader / 1000.0
        return Writer.connect(args.name, timeout)


def _write(args: argparse.Namespace, out: _Output) -> int:
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else [args.size]
    with _connect(args, out) as writer:
        if args.write_timeout_ms is not None:
            writer.write_timeout = args.write_timeout_ms / 1000.0
        out.event("connected", name=args.name, pid=os.getpid(), metadataSize=writer.metadata_block_size,
                  payloadSize=writer.ring_size)
        metadata: Optional[bytes] = None
        if args.metadata is not None:
            metadata = args.metadata.encode("utf-8")
        elif args.metadata_file is not None:
            with open(args.metadata_file, "rb") as f:
                metadata = f.read()
        if args.pause_at == "mid-metadata":
            if metadata is None:
                raise ValueError("--pause-at mid-metadata needs --metadata or --metadata-file.")
            half = writer.get_metadata_buffer(len(metadata))
            half[:len(metadata) // 2] = metadata[:len(metadata) // 2]
            _pause(out, "mid-metadata", None)
        if metadata is not None:
            writer.set_metadata(metadata)
            out.event("metadata", size=len(metadata), sha256=hashlib.sha256(metadata).hexdigest())
        total = 0
        for index in range(args.count):
            _check_stop()
            size = sizes[index % len(sizes)]
            sequence = writer.next_sequence
            target = writer.get_frame_buffer(size)
            target[:] = pattern(size, sequence)
            if args.pause_at == "after-acquire" and index + 1 == args.pause_frame:
                target[size // 2:] = b"\xee" * (size - size // 2)  # a half-written frame: never to be seen by the reader
                _pause(out, "after-acquire", sequence)
            fields: dict[str, Any] = {"sequence": sequence, "size": size}
            if args.hash:
                fields["sha256"] = hashlib.sha256(target).hexdigest()
            target.release()
            writer.commit_frame()
            out.event("written", **fields)
            out.line("Wrote frame %d, size: %d" % (sequence, size))
            total += size
            if args.delay_ms:
                _interruptible_sleep(args.delay_ms / 1000.0)
        if args.exit:
            sequence = writer.next_sequence
            writer.write_frame(EXIT_FRAME)
            out.event("exit-frame", sequence=sequence)
        out.event("done", frames=args.count, bytes=total)
        if args.hold:
            out.event("holding")
            _interruptible(sys.stdin.read)  # connected until stdin closes
    return 0


def _subscriber_fields(status: Any, counts: bool) -> dict[str, Any]:
    from ..topics import policy_name
    fields: dict[str, Any] = {"buffer": status.buffer_name, "id": status.id, "policy": policy_name(status.policy)}
    if counts:
        fields.update(delivered=status.frames_delivered, dropped=status.frames_dropped)
    return fields


def _publish(args: argparse.Namespace, out: _Output) -> int:
    """A topic's publisher: ``ready``, ``joined`` / ``left`` as subscribers come and go (from the
    discovery thread), ``metadata``, then ``args.count`` frames (zero-copy, frame k carrying
    ``pattern(size, k)``) and ``done`` with each connected subscriber's counts. A ``block``
    subscriber that does not read holds it back, and a stop signal is seen between frames."""
    from ..topics import Publisher, PublisherOptions
    joins = threading.Condition()
    with Publisher(args.topic, PublisherOptions(discovery_interval=args.discovery_ms / 1000.0)) as publisher:
        reported: set[str] = set()  # joins reported: those the constructor connected are found by the first look below

        def joined(status: Any) -> None:
            with joins:
                if status.buffer_name not in reported:
                    reported.add(status.buffer_name)
                    out.event("joined", **_subscriber_fields(status, counts=False))
                joins.notify_all()

        def left(status: Any, reason: ZeroBufferError) -> None:
            with joins:
                reported.discard(status.buffer_name)
            out.event("left", reason=reason.kind.csharp_name, **_subscriber_fields(status, counts=True))

        publisher.on_subscriber_joined.append(joined)
        publisher.on_subscriber_left.append(left)
        for status in publisher.get_subscribers():
            joined(status)
        out.event("ready", topic=args.topic, pid=os.getpid(), subscribers=len(publisher.get_subscribers()))
        out.line("Publishing topic %s" % args.topic)
        if args.metadata is not None:
            metadata = args.metadata.encode("utf-8")
            publisher.set_metadata(metadata)
            out.event("metadata", size=len(metadata), sha256=hashlib.sha256(metadata).hexdigest())
        while len(publisher.get_subscribers()) < args.subscribers:
            _check_stop()
            with joins:
                joins.wait(0.1)  # a join notifies; the slice bounds how late a stop request is seen
        start = time.monotonic()
        for index in range(1, args.count + 1):
            _check_stop()
            if args.rate:
                due = start + (index - 1) / args.rate
                if due > time.monotonic():
                    _interruptible_sleep(due - time.monotonic())
            target = publisher.get_frame_buffer(args.size)
            target[:] = pattern(args.size, index)
            target.release()
            publisher.commit_frame()
        out.event("done", frames=args.count, bytes=args.count * args.size,
                  subscribers=[_subscriber_fields(status, counts=True) for status in publisher.get_subscribers()])
        out.line("Published %d frames of %d bytes" % (args.count, args.size))
        if args.hold:
            out.event("holding")
            _interruptible(sys.stdin.read)  # the topic stays published until stdin closes
    return 0


def _subscribe(args: argparse.Namespace, out: _Output) -> int:
    """A topic's subscriber: ``ready``, ``metadata`` once, a ``frame`` event per frame with the gap
    before it, then ``done`` after ``--count`` frames, or ``end`` when the publisher ended the topic
    (exit 0); a publisher that crashed is exit 16 (WriterDead). ``--delay-ms`` holds each frame that
    long: a slow subscriber on purpose."""
    from ..topics import Subscriber, try_parse_policy
    policy = try_parse_policy(args.policy)
    assert policy is not None  # argparse allowed only the three names
    config = BufferConfig(args.metadata_size, args.payload_size, BufferAccess.parse(args.access))
    with Subscriber(args.topic, policy, config, args.id) as subscriber:
        out.event("ready", topic=args.topic, name=subscriber.buffer_name, id=subscriber.id, policy=args.policy, pid=os.getpid(),
                  metadataSize=config.metadata_block_size, payloadSize=config.payload_block_size)
        out.line("Ready: subscriber %s" % subscriber.buffer_name)
        def counts() -> dict[str, int]:
            return {"frames": subscriber.frames_read, "missed": subscriber.frames_missed, "skipped": subscriber.frames_skipped}

        for frame in _receive(subscriber, out, args.timeout_ms):
            with frame:
                fields: dict[str, Any] = {"sequence": frame.sequence, "size": frame.size, "gap": subscriber.last_gap}
                if args.hash:
                    fields["sha256"] = hashlib.sha256(frame.data).hexdigest()
                out.event("frame", **fields)
                out.line("Read frame %d, size: %d, gap: %d" % (frame.sequence, frame.size, subscriber.last_gap))
                if args.delay_ms:
                    _interruptible_sleep(args.delay_ms / 1000.0)  # slow on purpose, holding the frame
            if args.count and subscriber.frames_read >= args.count:
                out.event("done", **counts())
                return 0
        out.event("end", **counts())
        out.line("End of topic: the publisher closed after %d frames." % subscriber.frames_read)
        return 0


def _list(args: argparse.Namespace, out: _Output) -> int:
    """Like ``zerobuffer list --json``: one "buffer" event per name, then "done"."""
    buffers = lifecycle.list_buffers()
    for info in buffers:
        out.event("buffer", name=info.name, state=info.state.value, reason=info.reason, readerPid=info.reader_pid,
                  readerAlive=info.reader_alive, writerPid=info.writer_pid, writerAlive=info.writer_alive, lockHeld=info.lock_held,
                  segmentBytes=info.segment_length, metadataSize=info.metadata_size, payloadSize=info.payload_size,
                  resources=lifecycle.resource_list(info.resources))
        out.line("%s  %s  %s" % (info.name, info.state.value, info.reason))
    out.event("done", buffers=len(buffers))
    return 0


def _clean(args: argparse.Namespace, out: _Output) -> int:
    """Like ``zerobuffer clean NAME | --stale``: exit 5 when the named buffer is live (refused)."""
    if (args.name is None) == (not args.stale):
        raise ValueError("Give either a buffer NAME or --stale (not both).")
    results = (lifecycle.clean_stale(args.dry_run, args.grace_ms / 1000.0) if args.stale
               else [lifecycle.clean(args.name, args.dry_run)])
    removed = refused = 0
    for result in results:
        removed += 1 if result.outcome in (lifecycle.CleanupOutcome.REMOVED, lifecycle.CleanupOutcome.WOULD_REMOVE) else 0
        refused += 1 if result.outcome is lifecycle.CleanupOutcome.REFUSED_LIVE else 0
        out.event("cleaned", name=result.name, outcome=result.outcome.value,
                  state=None if result.state_before is None else result.state_before.value,
                  resources=lifecycle.resource_list(result.removed), message=result.message)
        out.line(result.message)
    if args.dry_run:
        # A dry run removed nothing: its count says what it would remove, under another name.
        out.event("done", wouldRemove=removed, refused=refused, dryRun=True)
    else:
        out.event("done", removed=removed, refused=refused)
    if not results:
        out.line("Nothing to clean.")
    elif args.dry_run:
        out.line("Dry run: %d buffer(s) would be removed, nothing was." % removed)
    return 5 if not args.stale and refused > 0 else 0


def _serve(args: argparse.Namespace, out: _Output) -> int:
    """Like ``zerobuffer serve``: an immutable server that echoes, reverses or XORs each request, serving clients
    one after another (and several at once, in sessions) until SIGTERM / Ctrl+C."""
    from .. import duplex
    if args.xor is not None:
        key = args.xor & 0xFF
        table = bytes((b ^ key) for b in range(256))
        transform = lambda data: bytes(data).translate(table)  # noqa: E731
    elif args.reverse:
        transform = lambda data: bytes(data)[::-1]  # noqa: E731
    else:
        transform = bytes
    mode = duplex.ProcessingMode.THREAD_POOL if args.mode == "pool" else duplex.ProcessingMode.SINGLE_THREAD
    options = duplex.DuplexServerOptions(mode=mode, connect_timeout=args.connect_timeout_ms / 1000.0,
                                         access=BufferAccess.parse(args.access))
    if args.max_concurrency:
        options.max_concurrency = args.max_concurrency
    server = duplex.DuplexChannelFactory().create_immutable_server(args.channel, BufferConfig(args.metadata_size, args.payload_size), options)
    handled = [0]
    timed_out = [False]

    def handler(request: Any, response: Any) -> None:
        handled[0] += 1
        if args.log_requests:
            out.event("request", sequence=request.sequence, size=request.size)
        response.write(transform(request.data))

    def on_error(error: BaseException, sequence: int) -> None:
        if isinstance(error, TimeoutError):
            timed_out[0] = True
        kind = error.kind.csharp_name if isinstance(error, ZeroBufferError) else type(error).__name__
        out.event("server-error", sequence=sequence, kind=kind, message=str(error))

    server.on_error.append(on_error)
    try:
        server.start(handler)
        out.event("ready", channel=args.channel, pid=os.getpid(), mode="ThreadPool" if args.mode == "pool" else "SingleThread",
                  payloadSize=BufferConfig(args.metadata_size, args.payload_size).payload_block_size)
        out.line("Serving channel %s" % args.channel)
        _interruptible(server.wait)
    finally:
        server.close()
        out.event("done", requests=handled[0])
    return 3 if timed_out[0] else 0


def main(argv: Optional[list[str]] = None) -> int:
    # Installed, the tool is also the console script zerobuffer-py (argv[0] is then its path, and
    # argparse's default names it); under python -m, argv[0] is this file, which is not what was typed.
    prog = "python -m zerobuffer._tools.peer" if sys.argv[0].endswith(".py") else None
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("--json", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    read = sub.add_parser("read")
    read.add_argument("name")
    read.add_argument("--metadata-size", type=int, default=1024)
    read.add_argument("--payload-size", type=int, default=1024 * 1024)
    read.add_argument("--count", type=int, default=0)
    read.add_argument("--timeout-ms", type=int)
    read.add_argument("--hash", action="store_true")
    read.add_argument("--delay-ms", type=int, default=0)
    read.add_argument("--pause-at", choices=["holding-frame"])
    read.add_argument("--pause-frame", type=int, default=1)
    read.add_argument("--access", choices=["owner", "group", "everyone"], default="owner")
    read.add_argument("--json", action="store_true", dest="json_sub")
    write = sub.add_parser("write")
    write.add_argument("name")
    write.add_argument("--count", type=int, default=10)
    write.add_argument("--size", type=int, default=1024)
    write.add_argument("--sizes")
    write.add_argument("--metadata")
    write.add_argument("--metadata-file")
    write.add_argument("--delay-ms", type=int, default=0)
    write.add_argument("--exit", action="store_true")
    write.add_argument("--hash", action="store_true")
    write.add_argument("--hold", action="store_true")
    write.add_argument("--write-timeout-ms", type=int)
    write.add_argument("--wait-for-reader", type=int, nargs="?", const=-1, default=None,
                       help="wait for the reader, MS milliseconds at most (without MS: until stopped)")
    write.add_argument("--pause-at", choices=["after-acquire", "mid-metadata"])
    write.add_argument("--pause-frame", type=int, default=1)
    write.add_argument("--json", action="store_true", dest="json_sub")
    serve = sub.add_parser("serve")
    serve.add_argument("channel")
    serve.add_argument("--echo", action="store_true")
    serve.add_argument("--reverse", action="store_true")
    serve.add_argument("--xor", type=int)
    serve.add_argument("--mode", choices=["single", "pool"], default="single")
    serve.add_argument("--max-concurrency", type=int, default=0)
    serve.add_argument("--metadata-size", type=int, default=1024)
    serve.add_argument("--payload-size", type=int, default=1024 * 1024)
    serve.add_argument("--connect-timeout-ms", type=int, default=5000)
    serve.add_argument("--log-requests", action="store_true")
    serve.add_argument("--access", choices=["owner", "group", "everyone"], default="owner")
    serve.add_argument("--json", action="store_true", dest="json_sub")
    publish = sub.add_parser("publish")
    publish.add_argument("topic")
    publish.add_argument("--count", type=int, default=10)
    publish.add_argument("--size", type=int, default=1024)
    publish.add_argument("--rate", type=float, default=0.0, help="frames per second (default: as fast as the subscribers allow)")
    publish.add_argument("--metadata")
    publish.add_argument("--subscribers", type=int, default=0,
                         help="wait until this many subscribers are connected before the first frame")
    publish.add_argument("--discovery-ms", type=int, default=100)
    publish.add_argument("--hold", action="store_true")
    publish.add_argument("--json", action="store_true", dest="json_sub")
    subscribe = sub.add_parser("subscribe")
    subscribe.add_argument("topic")
    subscribe.add_argument("--policy", choices=["block", "drop-newest", "latest-only"], required=True)
    subscribe.add_argument("--id")
    subscribe.add_argument("--count", type=int, default=0)
    subscribe.add_argument("--metadata-size", type=int, default=1024)
    subscribe.add_argument("--payload-size", type=int, default=1024 * 1024)
    subscribe.add_argument("--timeout-ms", type=int)
    subscribe.add_argument("--hash", action="store_true")
    subscribe.add_argument("--delay-ms", type=int, default=0)
    subscribe.add_argument("--access", choices=["owner", "group", "everyone"], default="owner")
    subscribe.add_argument("--json", action="store_true", dest="json_sub")
    listing = sub.add_parser("list")
    listing.add_argument("--json", action="store_true", dest="json_sub")
    cleaning = sub.add_parser("clean")
    cleaning.add_argument("name", nargs="?")
    cleaning.add_argument("--stale", action="store_true")
    cleaning.add_argument("--dry-run", action="store_true")
    cleaning.add_argument("--grace-ms", type=int, default=int(lifecycle.DEFAULT_ORPHAN_GRACE_PERIOD * 1000))
    cleaning.add_argument("--json", action="store_true", dest="json_sub")
    args = parser.parse_args(argv)
    out = _Output(args.json or args.json_sub)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    try:
        commands = {"read": _read, "write": _write, "list": _list, "clean": _clean, "serve": _serve, "publish": _publish,
                    "subscribe": _subscribe}
        return commands[args.command](args, out)
    except ZeroBufferError as ex:
        out.event("error", kind=ex.kind.csharp_name, message=str(ex))
        sys.stderr.write("error: %s\n" % ex)
        return 10 + int(ex.kind)
    except _Interrupted:
        return 130
    except _TimedOut:
        return 3
    except ValueError as ex:
        out.event("error", kind="UsageError", message=str(ex))
        sys.stderr.write("error: %s\n" % ex)
        return 2


if __name__ == "__main__":
    sys.exit(main())
