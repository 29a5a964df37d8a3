"""``python -m zerobuffer._tools.peer read|write NAME ...``: the Python twin of the C# CLI's
``zerobuffer read`` / ``zerobuffer write`` commands, used as the second process in the
cross-process tests. Same options (a subset), same ``--json`` events, same exit codes
(0 ok, 3 timeout, 10 + ErrorKind for SDK errors, 130 after SIGTERM/SIGINT).

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
import time
from typing import Any, Optional

from .. import BufferConfig, Reader, Writer, ZeroBufferError

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
    def __init__(self, json_mode: bool) -> None:
        self.json = json_mode

    def event(self, event_name: str, **fields: Any) -> None:
        if self.json:
            fields = {"event": event_name, **fields}
            sys.stdout.write(json.dumps(fields, ensure_ascii=False) + "\n")
            sys.stdout.flush()

    def line(self, text: str) -> None:
        if not self.json:
            sys.stdout.write(text + "\n")
            sys.stdout.flush()


class _Interrupted(BaseException):
    pass


def _on_signal(signum: int, frame: object) -> None:
    raise _Interrupted()


def _read(args: argparse.Namespace, out: _Output) -> int:
    with Reader(args.name, BufferConfig(args.metadata_size, args.payload_size)) as reader:
        out.event("ready", name=args.name, pid=os.getpid(), metadataSize=reader.config.metadata_block_size,
                  payloadSize=reader.config.payload_block_size)
        out.line("Ready: buffer %s" % args.name)
        metadata_reported = False
        frames = total = 0
        timeout = None if args.timeout_ms is None else args.timeout_ms / 1000.0
        waiting_since = time.monotonic()
        while True:
            if not metadata_reported:
                metadata = reader.get_metadata()
                if len(metadata):
                    metadata_reported = True
                    content = bytes(metadata)
                    try:
                        text: Optional[str] = content.decode("utf-8")
                    except UnicodeDecodeError:
                        text = None
                    out.event("metadata", size=len(content), sha256=hashlib.sha256(content).hexdigest(), text=text)
            remaining = None if timeout is None else max(0.0, timeout - (time.monotonic() - waiting_since))
            # While metadata is still awaited, look for it every 100 ms (like the C# command).
            wait = remaining if metadata_reported else (0.1 if remaining is None else min(0.1, remaining))
            frame = reader.read_frame(wait)
            if not frame:
                if timeout is not None and time.monotonic() - waiting_since >= timeout:
                    out.event("timeout")
                    return 3
                continue
            waiting_since = time.monotonic()
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
                    time.sleep(args.delay_ms / 1000.0)  # the scenario: a slow reader holding each frame
            if args.count and frames >= args.count:
                out.event("done", frames=frames, bytes=total)
                return 0


def _write(args: argparse.Namespace, out: _Output) -> int:
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else [args.size]
    with Writer(args.name) as writer:
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
        if metadata is not None:
            writer.set_metadata(metadata)
            out.event("metadata", size=len(metadata), sha256=hashlib.sha256(metadata).hexdigest())
        total = 0
        for index in range(args.count):
            size = sizes[index % len(sizes)]
            sequence = writer.next_sequence
            target = writer.get_frame_buffer(size)
            target[:] = pattern(size, sequence)
            fields: dict[str, Any] = {"sequence": sequence, "size": size}
            if args.hash:
                fields["sha256"] = hashlib.sha256(target).hexdigest()
            target.release()
            writer.commit_frame()
            out.event("written", **fields)
            out.line("Wrote frame %d, size: %d" % (sequence, size))
            total += size
            if args.delay_ms:
                time.sleep(args.delay_ms / 1000.0)
        if args.exit:
            sequence = writer.next_sequence
            writer.write_frame(EXIT_FRAME)
            out.event("exit-frame", sequence=sequence)
        out.event("done", frames=args.count, bytes=total)
        if args.hold:
            out.event("holding")
            sys.stdin.read()  # connected until stdin closes
    return 0


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m zerobuffer._tools.peer")
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
    write.add_argument("--json", action="store_true", dest="json_sub")
    args = parser.parse_args(argv)
    out = _Output(args.json or args.json_sub)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    try:
        return _read(args, out) if args.command == "read" else _write(args, out)
    except ZeroBufferError as ex:
        out.event("error", kind=ex.kind.csharp_name, message=str(ex))
        sys.stderr.write("error: %s\n" % ex)
        return 10 + int(ex.kind)
    except _Interrupted:
        return 130
    except ValueError as ex:
        out.event("error", kind="UsageError", message=str(ex))
        sys.stderr.write("error: %s\n" % ex)
        return 2


if __name__ == "__main__":
    sys.exit(main())
