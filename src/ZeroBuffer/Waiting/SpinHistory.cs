using System.Diagnostics;

namespace ZeroBuffer.Waiting;

/// <summary>
/// What one endpoint's recent waits say about spinning, for a strategy with an
/// <see cref="WaitStrategy.AdaptiveSpinBudget"/> (<see cref="SpinThenBlockWaitStrategy"/>, and wrappers of it):
/// after <see cref="LongWaitsBeforeSkipping"/> waits in a row whose whole spin found nothing, the
/// next waits sleep at once. Why: at a fixed rate slower than the budget's reach (a camera at
/// 30–240 fps, a request every few milliseconds) every spin is wasted, and on a machine with few
/// cores the spinner holds a core its own peer may have just been woken on.
/// </summary>
/// <remarks>
/// <para>Coming back: a wait that ends within the budget, polled or not, shows that a spin would
/// have caught it, and brings spinning back at once. A wait that slept and ended later proves
/// nothing (its length includes the kernel's wake-up, tens of microseconds on a VM, more than the
/// budget itself when the machine is busy: counted as long, it kept an endpoint in fast traffic
/// sleeping after a stall, at a third of its throughput). So while skipping, every so many waits
/// is a probe that polls as usual: the first after <see cref="FirstProbeAfter"/> skipped waits,
/// then after twice as many each time up to <see cref="LastProbeAfter"/>, and back to the first
/// spacing whenever spinning comes back. A paced endpoint then spins in one wait of 256; a
/// stream that a stall pushed into skipping spins again within 8 waits.</para>
/// <para>One instance per waiting site of an endpoint; used only by the thread that holds the
/// endpoint's gate.</para>
/// </remarks>
internal sealed class SpinHistory
{
    /// <summary>Consecutive polled waits whose spin found nothing, after which an endpoint sleeps at once.</summary>
    internal const int LongWaitsBeforeSkipping = 4;

    /// <summary>Skipped waits before the first probe.</summary>
    internal const int FirstProbeAfter = 8;

    /// <summary>The longest spacing of probes, in skipped waits.</summary>
    internal const int LastProbeAfter = 256;

    private int _longWaits;
    private int _skippedWaits;
    private int _probeAfter = FirstProbeAfter;
    private bool _lastPolled = true;

    /// <summary>Whether the next wait polls as <paramref name="strategy"/> says (a probe, while skipping), or sleeps at once.</summary>
    internal bool ShouldPoll(WaitStrategy strategy)
    {
        if (strategy.AdaptiveSpinBudget is null || _longWaits < LongWaitsBeforeSkipping)
        {
            return _lastPolled = true;
        }

        if (++_skippedWaits < _probeAfter)
        {
            return _lastPolled = false;
        }

        _skippedWaits = 0;
        _probeAfter = Math.Min(_probeAfter * 2, LastProbeAfter);
        return _lastPolled = true;
    }

    /// <summary>
    /// Records the wait <see cref="ShouldPoll"/> was last asked about: it began at
    /// <paramref name="started"/> and ended (found its condition or gave up) at <paramref name="ended"/>.
    /// </summary>
    internal void Record(WaitStrategy strategy, long started, long ended)
    {
        if (strategy.AdaptiveSpinBudget is not TimeSpan budget)
        {
            return;
        }

        if (Stopwatch.GetElapsedTime(started, ended) <= budget)
        {
            _longWaits = 0;
            _skippedWaits = 0;
            _probeAfter = FirstProbeAfter;
        }
        else if (_lastPolled && _longWaits < LongWaitsBeforeSkipping)
        {
            _longWaits++;
        }
    }

    /// <summary>Whether the endpoint currently sleeps at once, probes aside (for tests and diagnostics).</summary>
    internal bool SkipsSpinning => _longWaits >= LongWaitsBeforeSkipping;
}
