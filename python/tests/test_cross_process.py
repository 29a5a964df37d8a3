"""CrossProcessTests: reader and writer in two OS processes, this test process and the Python
peer tool (``python -m zerobuffer._tools.peer``). Frames, metadata and typed errors must cross
the process boundary intact. The same cases run against the C# CLI in interop/."""

from . import cross_process_cases as cases
from .support import PeerProcess


def test_cross_process_reader_writer_exchange():
    cases.peer_writes_this_process_reads(PeerProcess.python, "xp-exchange")
    cases.this_process_writes_peer_reads(PeerProcess.python, "xp-exchange-rev")


def test_cross_process_metadata_sharing():
    cases.metadata_sharing(PeerProcess.python, "xp-meta")


def test_cross_process_error_detection():
    cases.error_detection(PeerProcess.python, "xp-err")
