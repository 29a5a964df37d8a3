"""What one endpoint's recent waits say about spinning (the C# ``SpinHistory``)."""

from __future__ import annotations

from .wait import SpinThenBlockWaitStrategy, WaitStrategy

LONG_WAITS_BEFORE_SKIPPING = 4
"""Consecutive waits longer than the spin budget after which an endpoint stops spinning."""


class SpinHistory:
    """After :data:`LONG_WAITS_BEFORE_SKIPPING` waits in a row that each lasted longer than the
    spin budget of a :class:`SpinThenBlockWaitStrategy`, a spin could not have found anything, so
    the next waits sleep at once; the first wait that ends within the budget (still timed while
    not spinning) brings spinning back. At a fixed rate slower than the budget (a camera) every
    spin is wasted and holds a core the peer may need. One per waiting site of an endpoint, used
    by the thread holding the endpoint's gate."""

    __slots__ = ("_long_waits",)

    def __init__(self) -> None:
        self._long_waits = 0

    def should_poll(self, strategy: WaitStrategy) -> bool:
        """Whether the next wait polls as ``strategy`` says, or sleeps at once."""
        return not isinstance(strategy, SpinThenBlockWaitStrategy) or self._long_waits < LONG_WAITS_BEFORE_SKIPPING

    def record(self, strategy: WaitStrategy, waited: float) -> None:
        """Records a wait of ``waited`` seconds (it found its condition or gave up)."""
        if not isinstance(strategy, SpinThenBlockWaitStrategy):
            return
        if waited <= strategy.spin_budget:
            self._long_waits = 0
        elif self._long_waits < LONG_WAITS_BEFORE_SKIPPING:
            self._long_waits += 1

    @property
    def skips_spinning(self) -> bool:
        """Whether the endpoint currently sleeps at once."""
        return self._long_waits >= LONG_WAITS_BEFORE_SKIPPING
