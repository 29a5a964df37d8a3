"""Safe building blocks over the OS: segment, semaphore, lock file, liveness, deadline."""
