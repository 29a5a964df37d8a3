"""What one endpoint's recent waits say about spinning (the C# ``SpinHistory``)."""

from __future__ import annotations

from .wait import WaitStrategy

LONG_WAITS_BEFORE_SKIPPING = 4
"""Consecutive polled waits whose spin found nothing, after which an endpoint sleeps at once."""

FIRST_PROBE_AFTER = 8
"""Skipped waits before the first probe."""

LAST_PROBE_AFTER = 256
"""The longest spacing of probes, in skipped waits."""


class SpinHistory:
    """For a strategy with an ``adaptive_spin_budget`` (spin-then-block, and wrappers of it): after
    :data:`LONG_WAITS_BEFORE_SKIPPING` polled waits in a row whose whole spin found nothing, the next waits sleep at once: at a fixed rate
    slower than the budget (a camera) every spin is wasted and holds a core the peer may need.

    A wait that ends within the budget, polled or not, brings spinning back at once. A wait that
    slept and ended later proves nothing (its length includes the kernel's wake-up), so while
    skipping every so many waits is a probe that polls: after 8 skipped waits, then twice as many
    each time up to 256, and back to 8 whenever spinning comes back. One per waiting site of an
    endpoint, used by the thread holding the endpoint's gate."""

    __slots__ = ("_long_waits", "_skipped_waits", "_probe_after", "_last_polled")

    def __init__(self) -> None:
        self._long_waits = 0
        self._skipped_waits = 0
        self._probe_after = FIRST_PROBE_AFTER
        self._last_polled = True

    def should_poll(self, strategy: WaitStrategy) -> bool:
        """Whether the next wait polls as ``strategy`` says (a probe, while skipping), or sleeps at once."""
        if strategy.adaptive_spin_budget is None or self._long_waits < LONG_WAITS_BEFORE_SKIPPING:
            self._last_polled = True
            return True
        self._skipped_waits += 1
        if self._skipped_waits < self._probe_after:
            self._last_polled = False
            return False
        self._skipped_waits = 0
        self._probe_after = min(self._probe_after * 2, LAST_PROBE_AFTER)
        self._last_polled = True
        return True

    def record(self, strategy: WaitStrategy, waited: float) -> None:
        """Records the wait :meth:`should_poll` was last asked about: ``waited`` seconds until it found
        its condition or gave up."""
        budget = strategy.adaptive_spin_budget
        if budget is None:
            return
        if waited <= budget:
            self._long_waits = 0
            self._skipped_waits = 0
            self._probe_after = FIRST_PROBE_AFTER
        elif self._last_polled and self._long_waits < LONG_WAITS_BEFORE_SKIPPING:
            self._long_waits += 1

    @property
    def skips_spinning(self) -> bool:
        """Whether the endpoint currently sleeps at once, probes aside."""
        return self._long_waits >= LONG_WAITS_BEFORE_SKIPPING
