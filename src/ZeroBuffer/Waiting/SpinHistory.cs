using System.Diagnostics;

namespace ZeroBuffer.Waiting;

/// <summary>
/// What one endpoint's recent waits say about spinning (<see cref="SpinThenBlockWaitStrategy"/>):
/// after <see cref="LongWaitsBeforeSkipping"/> waits in a row that each lasted longer than the spin
/// budget, a spin could not have found anything, so the next waits sleep at once; the first wait
/// that ends within the budget (found by a sleep's wake-up, so it is still measured while not
/// spinning) brings spinning back. Why: at a fixed rate below the budget's reach (a camera at
/// 30–240 fps, a request every few milliseconds) every spin is wasted, and on a machine with few
/// cores the spinner holds the core its own peer was just woken on — measured as ~50 µs added to
/// every paced round trip (docs/performance.md) — while a yield to let the peer run costs a
/// whole scheduler slice (milliseconds) under EEVDF. One instance per waiting site of an
/// endpoint; touched only by the thread that holds the endpoint's gate.
/// </summary>
internal sealed class SpinHistory
{
    /// <summary>Consecutive long waits after which an endpoint stops spinning.</summary>
    internal const int LongWaitsBeforeSkipping = 4;

    private int _longWaits;

    /// <summary>Whether the next wait should poll as <paramref name="strategy"/> says, or go to sleep at once.</summary>
    internal bool ShouldPoll(WaitStrategy strategy) =>
        strategy is not SpinThenBlockWaitStrategy || _longWaits < LongWaitsBeforeSkipping;

    /// <summary>Records a wait that began at <paramref name="started"/> and ended (found its condition or gave up) at <paramref name="ended"/>.</summary>
    internal void Record(WaitStrategy strategy, long started, long ended)
    {
        if (strategy is not SpinThenBlockWaitStrategy spinning)
        {
            return;
        }

        if (Stopwatch.GetElapsedTime(started, ended) <= spinning.SpinBudget)
        {
            _longWaits = 0;
        }
        else if (_longWaits < LongWaitsBeforeSkipping)
        {
            _longWaits++;
        }
    }

    /// <summary>Whether the endpoint currently sleeps at once (for tests and diagnostics).</summary>
    internal bool SkipsSpinning => _longWaits >= LongWaitsBeforeSkipping;
}
