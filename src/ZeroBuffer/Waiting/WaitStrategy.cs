namespace ZeroBuffer;

/// <summary>
/// What a <see cref="Reader"/> or <see cref="Writer"/> does while it waits for its peer (a frame
/// to read, or ring space to write into): poll the shared control block while spinning or
/// yielding, or sleep on the buffer's semaphore. Choose per endpoint with
/// <see cref="Reader.WaitStrategy"/>, <see cref="Writer.WaitStrategy"/> or the duplex options.
/// </summary>
/// <remarks>
/// <para>The choice changes only how the local side waits: the writer posts one semaphore token
/// per frame and the reader one per release whatever the strategy, so a peer of another
/// implementation (C++, Python, upstream C#) works with any of them. A side that finds its
/// condition by polling leaves the peer's token behind; such stale tokens are drained before
/// the side next sleeps, and are harmless because a token is only a hint to look again.</para>
/// <para>Strategies are stateless and may be shared by any number of endpoints and threads.
/// Whatever the strategy, a dead peer is still reported within about a second and a timeout or
/// cancellation still ends the wait.</para>
/// <para>Trade-off: <see cref="Blocking"/> costs no CPU while waiting but every wake-up goes
/// through the kernel (tens of µs on a VM); <see cref="BusySpin"/> answers in well under a
/// microsecond but burns a core for as long as it waits; <see cref="SpinThenBlock"/> (the
/// default) spins briefly, so back-to-back traffic never sleeps, then sleeps like
/// <see cref="Blocking"/>, so an idle endpoint costs nothing.</para>
/// </remarks>
/// <example>
/// <code>
/// using var reader = new Reader("ticks", new BufferConfig(0, 1 &lt;&lt; 20)) { WaitStrategy = WaitStrategy.BusySpin };
/// using var writer = new Writer("ticks") { WaitStrategy = new SpinThenBlockWaitStrategy(TimeSpan.FromMicroseconds(200)) };
/// </code>
/// </example>
public abstract class WaitStrategy
{
    /// <summary>Sleep on the semaphore at once: no CPU while waiting, kernel wake-up latency.</summary>
    public static WaitStrategy Blocking { get; } = new BlockingWaitStrategy();

    /// <summary>Poll without ever sleeping: lowest latency, one core busy while waiting.</summary>
    public static WaitStrategy BusySpin { get; } = new BusySpinWaitStrategy();

    /// <summary>Spin for <see cref="SpinThenBlockWaitStrategy.DefaultSpinBudget"/>, then sleep on the semaphore. The default.</summary>
    public static WaitStrategy SpinThenBlock { get; } = new SpinThenBlockWaitStrategy(SpinThenBlockWaitStrategy.DefaultSpinBudget);

    /// <summary>The strategy of a new endpoint: <see cref="SpinThenBlock"/>.</summary>
    public static WaitStrategy Default => SpinThenBlock;

    /// <summary>
    /// Called each time the waiter checked its condition and found it unmet. Either idle briefly
    /// (spin, yield) and return true, after which the waiter checks again; or return false, after
    /// which the waiter sleeps on its semaphore for the rest of this wait, in liveness slices.
    /// </summary>
    /// <param name="attempt">How many times this wait has called <see cref="Idle"/> before (0 the first time).</param>
    /// <param name="waited">Time since this wait started.</param>
    /// <returns>True to poll again; false to sleep on the semaphore.</returns>
    public abstract bool Idle(int attempt, TimeSpan waited);

    /// <summary>
    /// The spin budget an endpoint judges its waits against, to stop spinning when spinning does
    /// not pay: after 4 waits in a row whose spin found nothing the endpoint sleeps at once, with a
    /// probe spin after 8, 16, … at most 256 waits, until a wait ends within this budget again.
    /// <see cref="SpinThenBlockWaitStrategy"/> returns its <see cref="SpinThenBlockWaitStrategy.SpinBudget"/>;
    /// null (the default, and <see cref="Blocking"/> and <see cref="BusySpin"/>) polls exactly as
    /// <see cref="Idle"/> says on every wait. A strategy that wraps another (to observe or tune its
    /// waits) returns the wrapped one's, so the endpoint keeps learning.
    /// </summary>
    public virtual TimeSpan? AdaptiveSpinBudget => null;

    /// <summary>
    /// Whether a reader takes one sem-w token for every frame, also for a frame it finds already
    /// committed (protocol §4 to the letter). Only <see cref="BlockingWaitStrategy"/> does: a
    /// polling reader leaves the tokens of frames it found by polling and drains them in bulk
    /// before it sleeps (and every 65,536 frames), which spares the semaphore's cache line a trip
    /// between the cores per frame. Either way the writer's peer sees the same posts.
    /// </summary>
    internal virtual bool TakesTokenPerFrame => false;

    /// <summary>
    /// Parses a strategy as the command-line tool spells it (and as <see cref="object.ToString"/>
    /// prints it): <c>blocking</c>, <c>spin-then-block</c>, <c>spin-then-block:200us</c> (a spin
    /// budget in microseconds), <c>busy-spin</c>.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    /// <exception cref="ArgumentException">Not one of those forms.</exception>
    public static WaitStrategy Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        const string budgetPrefix = "spin-then-block:";
        if (name.StartsWith(budgetPrefix, StringComparison.Ordinal) && name.EndsWith("us", StringComparison.Ordinal)
            && long.TryParse(name.AsSpan(budgetPrefix.Length, name.Length - budgetPrefix.Length - 2), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out long microseconds)
            && microseconds <= 1_000_000)
        {
            return new SpinThenBlockWaitStrategy(TimeSpan.FromMicroseconds(microseconds));
        }

        return name switch
        {
            "blocking" => Blocking,
            "spin-then-block" => SpinThenBlock,
            "busy-spin" => BusySpin,
            _ => throw new ArgumentException(
                $"Unknown wait strategy '{name}': use blocking, spin-then-block, spin-then-block:<microseconds>us (at most 1000000) or busy-spin.", nameof(name)),
        };
    }
}
