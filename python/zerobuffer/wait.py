"""How a :class:`~zerobuffer.Reader` or :class:`~zerobuffer.Writer` waits for its peer (a frame to
read, or ring space to write into): poll the shared control block, or sleep on the buffer's
semaphore. The Python twin of C#'s ``ZeroBuffer.WaitStrategy`` family.

The choice changes only how the local side waits: the writer posts one semaphore token per
frame and the reader one per release whatever the strategy, so a peer of another
implementation (C#, C++, upstream Python) works with any of them. A side that finds its
condition by polling leaves the peer's token behind; such stale tokens are drained before the
side next sleeps, and are harmless because a token is only a hint to look again.

Strategies are stateless and may be shared by any number of endpoints and threads. Whatever
the strategy, a dead peer is still reported within about a second and a timeout still ends the
wait.

Trade-off: :attr:`WaitStrategy.BLOCKING` costs no CPU while waiting but every wake-up goes
through the kernel (tens of µs); :attr:`WaitStrategy.BUSY_SPIN` notices the peer within one poll
but keeps a core busy for as long as it waits; :attr:`WaitStrategy.SPIN_THEN_BLOCK` (the
default) polls briefly, so back-to-back traffic never sleeps, then sleeps like blocking.

Python cannot issue the processor's pause instruction: a poll here is a plain re-check of the
control block (about a microsecond each). Spinning in a thread of a process whose other threads
need the GIL delays them by up to the interpreter's switch interval (5 ms); the spinning
strategies are meant for a peer in another process.

Example::

    reader = Reader("ticks", BufferConfig(0, 1 << 20), wait_strategy=WaitStrategy.BUSY_SPIN)
    writer = Writer("ticks", wait_strategy=SpinThenBlockWaitStrategy(200e-6))
"""

from __future__ import annotations

import abc
import math
from typing import ClassVar, Optional

__all__ = ["BlockingWaitStrategy", "BusySpinWaitStrategy", "SpinThenBlockWaitStrategy", "WaitStrategy", "parse"]


class WaitStrategy(abc.ABC):
    """What an endpoint does each time it checked its condition and found it unmet. Subclass
    and implement :meth:`idle` for a custom policy."""

    BLOCKING: ClassVar["WaitStrategy"]
    """Sleep on the semaphore at once: no CPU while waiting, kernel wake-up latency."""
    BUSY_SPIN: ClassVar["WaitStrategy"]
    """Poll without ever sleeping: lowest latency, one core busy while waiting."""
    SPIN_THEN_BLOCK: ClassVar["WaitStrategy"]
    """Poll for :attr:`SpinThenBlockWaitStrategy.DEFAULT_SPIN_BUDGET` (50 µs), then sleep on the semaphore."""
    DEFAULT: ClassVar["WaitStrategy"]
    """The strategy of a new endpoint: :attr:`SPIN_THEN_BLOCK`."""

    __slots__ = ()

    @abc.abstractmethod
    def idle(self, attempt: int, waited: float) -> bool:
        """Either idle briefly and return True, after which the waiter checks again; or return
        False, after which the waiter sleeps on its semaphore for the rest of this wait (in
        liveness slices).

        :param attempt: how many times this wait called ``idle`` before (0 the first time).
        :param waited: seconds since this wait started.
        """

    @property
    def adaptive_spin_budget(self) -> Optional[float]:
        """Seconds: the spin budget an endpoint judges its waits against, to stop spinning when
        spinning does not pay (after 4 waits in a row whose spin found nothing it sleeps at once,
        with a probe spin after 8, 16, ... at most 256 waits, until a wait ends within this budget
        again). Spin-then-block returns its budget; None (the default) polls exactly as
        :meth:`idle` says on every wait. A strategy that wraps another returns the wrapped one's."""
        return None

    @property
    def _takes_token_per_frame(self) -> bool:
        """Whether a reader takes one sem-w token for every frame, also for a frame it finds
        already committed (protocol §4 to the letter). Only the blocking strategy does: a
        polling reader leaves the tokens of frames it found by polling and drains them in bulk
        before it sleeps (and every 65,536 frames)."""
        return False

    @staticmethod
    def parse(name: str) -> "WaitStrategy":
        """A strategy as the command-line tool spells it (and as ``str()`` prints it):
        ``blocking``, ``spin-then-block``, ``spin-then-block:200us`` (a spin budget in whole
        microseconds, at most 1000000), ``busy-spin``. :class:`TypeError` for a non-string,
        :class:`ValueError` naming the text for anything else."""
        if not isinstance(name, str):
            raise TypeError("A wait strategy name must be a string, got %r." % (name,))
        strategy = _BY_NAME.get(name)
        if strategy is not None:
            return strategy
        if name.startswith(_BUDGET_PREFIX) and name.endswith("us"):
            digits = name[len(_BUDGET_PREFIX):-2]
            if digits and digits.isascii() and digits.isdigit() and int(digits) <= 1_000_000:
                return SpinThenBlockWaitStrategy(int(digits) / 1e6)
        raise ValueError("Unknown wait strategy %r: use blocking, spin-then-block, spin-then-block:<microseconds>us "
                         "(at most 1000000) or busy-spin." % (name,))


class BlockingWaitStrategy(WaitStrategy):
    """Sleeps on the buffer's semaphore as soon as the condition is unmet. No CPU is spent while
    waiting; each wake-up pays the kernel's futex round trip. For endpoints that mostly wait."""

    __slots__ = ()

    def idle(self, attempt: int, waited: float) -> bool:
        """Always False: sleep at once."""
        return False

    @property
    def _takes_token_per_frame(self) -> bool:
        return True

    def __repr__(self) -> str:
        return "blocking"


class BusySpinWaitStrategy(WaitStrategy):
    """Polls the control block until the condition is met, never sleeping. The lowest latency,
    at the price of one core at 100 % for as long as the endpoint waits, including while its
    peer is idle. Only when the endpoint has a core of its own."""

    __slots__ = ()

    def idle(self, attempt: int, waited: float) -> bool:
        """True: poll again at once (Python has no processor pause to issue)."""
        return True

    def __repr__(self) -> str:
        return "busy-spin"


class SpinThenBlockWaitStrategy(WaitStrategy):
    """Polls for a bounded time, then sleeps on the semaphore. A peer that answers within the
    spin budget is noticed without a kernel wake-up; an idle endpoint spins once per wait for at
    most the budget and then costs nothing. The default.

    Polls never yield the core: under Linux's EEVDF scheduler ``sched_yield`` puts the spinner
    behind every other runnable task for a whole slice (a frame found "while spinning" then
    waited milliseconds); the budget bounds what a spin takes from a peer sharing the core. Each
    endpoint also stops spinning after 4 spins in a row that found nothing, probing now and then,
    and spins again after the first wait that ends within the budget (``SpinHistory``).
    """

    DEFAULT_SPIN_BUDGET: ClassVar[float] = 50e-6
    """Seconds: 50 µs, as in C# (longer than a small-frame round trip, shorter than a futex
    wake-up is worth saving for)."""
    MAX_SPIN_BUDGET: ClassVar[float] = 1.0
    """The largest budget accepted; for unbounded spinning use :attr:`WaitStrategy.BUSY_SPIN`."""
    __slots__ = ("_spin_budget",)

    def __init__(self, spin_budget: float = DEFAULT_SPIN_BUDGET) -> None:
        """:param spin_budget: seconds to poll before sleeping, at most 1; 0 sleeps at once (but,
        unlike blocking, leaves the tokens of frames found already committed to be drained in
        bulk). :class:`ValueError` when negative, NaN or above 1 s."""
        if isinstance(spin_budget, bool) or not isinstance(spin_budget, (int, float)):
            raise TypeError("spin_budget must be a number of seconds, got %r" % (spin_budget,))
        if math.isnan(spin_budget) or spin_budget < 0 or spin_budget > self.MAX_SPIN_BUDGET:
            raise ValueError("The spin budget must be between 0 and 1 s (got %r s); for unbounded spinning use "
                             "WaitStrategy.BUSY_SPIN." % (spin_budget,))
        self._spin_budget = float(spin_budget)

    @property
    def spin_budget(self) -> float:
        """Seconds a wait polls before it sleeps."""
        return self._spin_budget

    @property
    def adaptive_spin_budget(self) -> Optional[float]:
        """The :attr:`spin_budget`: this strategy stops spinning for an endpoint whose spins do not pay."""
        return self._spin_budget

    def idle(self, attempt: int, waited: float) -> bool:
        """True while within the budget (poll again at once); False once it is spent."""
        return waited < self._spin_budget

    def __repr__(self) -> str:
        if self._spin_budget == self.DEFAULT_SPIN_BUDGET:
            return "spin-then-block"
        # Whole microseconds, truncated as C# does; parse() reads it back.
        return "%s%dus" % (_BUDGET_PREFIX, int(round(self._spin_budget * 1e6, 6)))


WaitStrategy.BLOCKING = BlockingWaitStrategy()
WaitStrategy.BUSY_SPIN = BusySpinWaitStrategy()
WaitStrategy.SPIN_THEN_BLOCK = SpinThenBlockWaitStrategy()
WaitStrategy.DEFAULT = WaitStrategy.SPIN_THEN_BLOCK

_BUDGET_PREFIX = "spin-then-block:"
_BY_NAME = {
    "blocking": WaitStrategy.BLOCKING,
    "spin-then-block": WaitStrategy.SPIN_THEN_BLOCK,
    "busy-spin": WaitStrategy.BUSY_SPIN,
}

parse = WaitStrategy.parse
"""Module-level alias of :meth:`WaitStrategy.parse`."""


def _require(strategy: object) -> WaitStrategy:
    """The value of a ``wait_strategy`` setter: a :class:`WaitStrategy`, else :class:`TypeError`."""
    if not isinstance(strategy, WaitStrategy):
        raise TypeError("wait_strategy must be a WaitStrategy (e.g. WaitStrategy.BLOCKING or WaitStrategy.parse(name)), got %r"
                        % (strategy,))
    return strategy
