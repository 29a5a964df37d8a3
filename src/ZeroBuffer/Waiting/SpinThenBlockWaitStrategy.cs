namespace ZeroBuffer;

/// <summary>
/// Polls for a bounded time, then sleeps on the semaphore. A peer that answers within the spin
/// budget is noticed without a kernel wake-up (sub-microsecond instead of tens of µs); an idle
/// endpoint spins once per wait for at most the budget and then costs nothing. The default.
/// </summary>
/// <remarks>
/// The first polls only pause the processor; after <see cref="PauseOnlyAttempts"/> of them each
/// poll also yields the core (<see cref="Thread.Yield"/>), so on a machine with few cores the
/// spinner does not starve the peer it is waiting for.
/// </remarks>
public sealed class SpinThenBlockWaitStrategy : WaitStrategy
{
    /// <summary>
    /// The default spin budget, 50 µs: longer than a small-frame round trip on the machine
    /// measured in docs/performance.md, shorter than a futex wake-up is worth saving for.
    /// </summary>
    public static readonly TimeSpan DefaultSpinBudget = TimeSpan.FromMicroseconds(50);

    /// <summary>Polls that only pause the processor before polls start yielding.</summary>
    public const int PauseOnlyAttempts = 100;

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

    /// <summary>True (after a pause or a yield) while within the budget; false once it is spent.</summary>
    public override bool Idle(int attempt, TimeSpan waited)
    {
        if (waited >= SpinBudget)
        {
            return false;
        }

        if (attempt < PauseOnlyAttempts)
        {
            Thread.SpinWait(1);
        }
        else
        {
            Thread.Yield();
        }

        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => SpinBudget == DefaultSpinBudget
        ? "spin-then-block"
        : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"spin-then-block:{(long)SpinBudget.TotalMicroseconds}us");
}
