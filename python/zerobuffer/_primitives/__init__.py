"""Building blocks over the OS: shared-memory segment, named semaphore, lock file, OFD range locks,
PID liveness, deadline, poll-with-backoff, usage gate, file modes."""
