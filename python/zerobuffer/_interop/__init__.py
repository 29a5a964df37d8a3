"""Bindings to the C library (POSIX semaphores, atomics) and errno handling: the only layer that uses ctypes."""
