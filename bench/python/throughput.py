"""One-way throughput of the Python reader, next to the C# reader, against the same C# writer.

Every row streams frames from the C# bench writer (``ZeroBuffer.Bench peer zb-writer``, the writer
of the cross-process bench's throughput rows, bench/ZeroBuffer.Bench: warm-up, a mark frame, the
measured stretch, an end frame) into one reader, and reports the data frames the reader took per second between the mark
and the end. The readers:

- ``python``: ``Reader.read_frame`` per frame, released after use;
- ``python-batch``: ``Reader.read_frames(256)``, each batch released after use;

Frames below 64 KiB are measured zero-copy (the writer commits without filling, the reader reads
one byte in place): the cost per frame. From 64 KiB on, with a copy in and a copy out: the cost
per byte, as in the C# bench's copy rows.
- ``csharp``: the C# bench reader (``ZeroBuffer.Bench peer zb-reader``), measured in the same run, as the
  baseline the Python figures are compared with (``ratio``).

So the writer is the same program in every row, and only the reader changes.

    python3 bench/python/throughput.py                       # 64 B and 3,110,400 B, 3 s each
    python3 bench/python/throughput.py --sizes 64 --seconds 5 --json

Needs the C# bench built in Release (``dotnet build -c Release bench/ZeroBuffer.Bench``). Run it on a
quiet machine: every row uses two processes, each a core when it can.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "python"))

import zerobuffer  # noqa: E402

BENCH = os.path.join(ROOT, "bench", "ZeroBuffer.Bench", "bin", "Release", "net10.0", "ZeroBuffer.Bench.dll")
END, MARK, HELLO = 1, 2, 3  # the bench's control frames, told apart from data by their length (data: >= 8 bytes)
BATCH = 256


def ring_size(frame_size: int) -> int:
    """The ring of the C# bench's throughput rows: 4 MiB, or room for 4 frames."""
    return max(4 << 20, (4 * (frame_size + 16) + 63) // 64 * 64)


def zero_copy(frame_size: int) -> bool:
    """Small frames are measured zero-copy (the cost per frame); from 64 KiB on, with a copy in and
    a copy out (the cost per byte: what a video pipeline pays), as the C# bench does."""
    return frame_size < 65536


def peer(role: str, name: str, size: int, seconds: float, warmup: float) -> subprocess.Popen:
    # stdin stays open: a bench peer stops when it closes.
    return subprocess.Popen(["dotnet", BENCH, "peer", role, "--name", name, "--size", str(size), "--seconds", str(seconds),
                             "--warmup", str(warmup), "--ring-size", str(ring_size(size)), *(["--zero-copy"] if zero_copy(size) else [])],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def events(process: subprocess.Popen, timeout: float) -> list[dict]:
    process.wait(timeout)  # stdin stays open until then: closing it would stop the peer
    out, err = process.communicate()
    if process.returncode != 0:
        raise RuntimeError("%s exited %d: %s" % (process.args[3], process.returncode, err.strip()[-500:]))
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def wait_ready(process: subprocess.Popen) -> None:
    line = process.stdout.readline()
    if '"ready"' not in line:
        raise RuntimeError("bench peer did not start: %r %s" % (line, process.stderr.read()[-500:]))


def python_row(size: int, seconds: float, warmup: float, batch: bool) -> dict:
    name = "zb-pybench-%s" % uuid.uuid4().hex[:12]
    with zerobuffer.Reader(name, zerobuffer.BufferConfig(0, ring_size(size))) as reader:
        writer = peer("zb-writer", name, size, seconds, warmup)
        try:
            wait_ready(writer)
            frames = 0
            sink = 0
            copy = None if zero_copy(size) else bytearray(size)
            start = end = 0.0
            done = False
            while not done:
                batch_frames = reader.read_frames(BATCH, 30) if batch else reader.read_frame(30)
                if not batch_frames:
                    raise RuntimeError("no frame from the writer within 30 s")
                with batch_frames:
                    for view in (batch_frames if batch else (batch_frames.data,)):
                        length = len(view)
                        if length > HELLO:
                            if copy is None:
                                sink += view[0]  # read in place, as the C# zero-copy reader does
                            else:
                                copy[:] = view  # one copy out, as the C# copy reader does
                            frames += 1
                        elif length == MARK:
                            frames = 0
                            start = time.perf_counter()
                        elif length == END:
                            end = time.perf_counter()
                            done = True
            events(writer, 60)
        finally:
            if writer.poll() is None:
                writer.kill()
                writer.wait()
    return {"reader": "python-batch" if batch else "python", "size": size, "mode": "zero-copy" if zero_copy(size) else "copy", "frames": frames, "seconds": end - start,
            "framesPerSecond": frames / (end - start)}


def csharp_row(size: int, seconds: float, warmup: float) -> dict:
    name = "zb-pybench-%s" % uuid.uuid4().hex[:12]
    reader = peer("zb-reader", name, size, seconds, warmup)
    wait_ready(reader)
    writer = peer("zb-writer", name, size, seconds, warmup)
    wait_ready(writer)
    events(writer, 60)
    summary = next(e for e in events(reader, 60) if e.get("event") == "summary")
    return {"reader": "csharp", "size": size, "mode": "zero-copy" if zero_copy(size) else "copy", "frames": summary["frames"], "seconds": summary["seconds"],
            "framesPerSecond": summary["frames"] / summary["seconds"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="64,3110400", help="comma-separated frame sizes in bytes (at least 8)")
    parser.add_argument("--seconds", type=float, default=3.0, help="measured seconds per row")
    parser.add_argument("--warmup", type=float, default=0.5, help="warm-up seconds per row")
    parser.add_argument("--json", action="store_true", help="one JSON object per row")
    args = parser.parse_args()
    if not os.path.isfile(BENCH):
        print("the C# bench is not built: %s is missing (dotnet build -c Release bench/ZeroBuffer.Bench)" % BENCH, file=sys.stderr)
        return 2
    sizes = [int(s) for s in args.sizes.split(",")]
    if any(s < 8 for s in sizes):
        print("--sizes: every size must be at least 8 bytes (got %s)" % args.sizes, file=sys.stderr)
        return 2
    if not args.json:
        print("%-12s %10s %12s %14s %10s %8s" % ("reader", "size (B)", "frames", "frames/s", "MB/s", "ratio"))
    for size in sizes:
        baseline = csharp_row(size, args.seconds, args.warmup)
        for row in (python_row(size, args.seconds, args.warmup, batch=False), python_row(size, args.seconds, args.warmup, batch=True),
                    baseline):
            row["ratio"] = row["framesPerSecond"] / baseline["framesPerSecond"]
            if args.json:
                print(json.dumps(row), flush=True)
            else:
                print("%-12s %10d %12d %14.0f %10.1f %8.2f" % (row["reader"], size, row["frames"], row["framesPerSecond"],
                                                              row["framesPerSecond"] * size / 1e6, row["ratio"]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
