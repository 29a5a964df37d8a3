namespace ZeroBuffer;

/// <summary>
/// Polls for a bounded time, then sleeps on the semaphore. A peer that answers within the spin
/// budget is noticed without a kernel wake-up (sub-microsecond instead of tens of µs); an idle
/// endpoint spins once per wait for at most the budget and then costs nothing. The default.
/// </summary>
/// <remarks>
/// <para>Polls only pause the processor, never yield it: under Linux's EEVDF scheduler a
/// <see cref="Thread.Yield"/> moves the spinner behind every other runnable task for a whole
/// slice, and a peer's frame found "while spinning" then waited up to 1.7 ms (measured, issue 18).
/// The budget bounds what a spin can take from a peer sharing the core.</para>
/// <para>Each endpoint also learns from its waits: after 4 waits in a row whose whole spin found
/// nothing (traffic at a fixed rate slower than the budget, such as a camera), it stops spinning
/// and sleeps at once, since a spin could not have found anything and would only hold a core the
/// peer may need. A wait that ends within the budget brings spinning back; while sleeping at once
/// the endpoint still spins in a probe wait now and then (after 8 waits, then 16, … at most every
/// 256), so traffic that speeds up is caught spinning again within a few waits.</para>
/// </remarks>
public sealed class SpinThenBlockWaitStrategy : WaitStrategy
{
    /// <summary>
    /// The default spin budget, 50 µs: longer than a small-frame round trip on the machine
    /// measured in docs/performance.md, shorter than a futex wake-up is worth saving for.
    /// </summary>
    public static readonly TimeSpan DefaultSpinBudget = TimeSpan.FromMicroseconds(50);

    /// <summary>Creates the strategy with a spin budget.</summary>
    /// <param name="spinBudget">How long to poll before sleeping, at most 1 s; zero sleeps at once (but, unlike <see cref="BlockingWaitStrategy"/>, leaves the tokens of frames found already committed to be drained in bulk).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="spinBudget"/> is negative or above 1 s.</exception>
    public SpinThenBlockWaitStrategy(TimeSpan spinBudget)
    {
        if (spinBudget < TimeSpan.Zero || spinBudget > TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(spinBudget), spinBudget,
                $"The spin budget must be between 0 and 1 s (got {spinBudget}); for unbounded spinning use WaitStrategy.BusySpin.");
        }

        SpinBudget = spinBudget;
    }

    /// <summary>How long a wait polls before it sleeps.</summary>
    public TimeSpan SpinBudget { get; }

    /// <summary>True (after a processor pause) while within the budget; false once it is spent.</summary>
    public override bool Idle(int attempt, TimeSpan waited)
    {
        if (waited >= SpinBudget)
        {
            return false;
        }

        Thread.SpinWait(1);

        return true;
    }

    /// <summary>The <see cref="SpinBudget"/>: this strategy stops spinning for an endpoint whose spins do not pay.</summary>
    public override TimeSpan? AdaptiveSpinBudget => SpinBudget;

    /// <inheritdoc/>
    public override string ToString() => SpinBudget == DefaultSpinBudget
        ? "spin-then-block"
        : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"spin-then-block:{(long)SpinBudget.TotalMicroseconds}us");
}
