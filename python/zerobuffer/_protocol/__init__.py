"""The protocol: layout constants, resource names, extension words, the control block and its
validator, peer liveness, name locks, writer sessions, write plan, release queue, reader resources,
and the buffer census (examine, discover, clean, sweep)."""
