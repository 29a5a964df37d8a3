namespace ZeroBuffer.Bench;

/// <summary>
/// A wait strategy that waits exactly as another one does and remembers how the last wait ended:
/// the library's public extension point (<see cref="WaitStrategy.Idle"/>), so the wake-up path of
/// every paced round trip is observed, not guessed from its duration (except a read that skipped
/// spinning: the library then never calls <see cref="WaitStrategy.Idle"/>, and a read that took
/// more than 20 µs without polling is counted as slept). A reader calls
/// <see cref="WaitStrategy.Idle"/> only after its first look found no frame, and sleeps on its
/// semaphore once <see cref="WaitStrategy.Idle"/> returns false. One reader, one thread.
/// </summary>
internal sealed class WakePathRecorder : WaitStrategy
{
    private readonly WaitStrategy _inner;

    // A read that neither polled nor found its frame within this long slept at once: the reader
    // skipped spinning (SpinHistory, for an endpoint whose spins do not pay), so Idle was never called.
    private static readonly long SleptAtOnceTicks = System.Diagnostics.Stopwatch.Frequency / 50_000; // 20 µs

    // Set by the waiting thread during a read, read by the same thread after it: no synchronisation needed.
    private bool _polled;
    private bool _slept;
    private long _readStarted;

    private WakePathRecorder(WaitStrategy inner) => _inner = inner;

    /// <summary>How the read since the last <see cref="Reset"/> found its frame.</summary>
    internal WakePath Last => _slept ? WakePath.Slept
        : _polled ? WakePath.Spin
        : System.Diagnostics.Stopwatch.GetTimestamp() - _readStarted > SleptAtOnceTicks ? WakePath.Slept
        : WakePath.Ready;

    /// <summary>
    /// A recorder around <paramref name="inner"/>, or null for <see cref="BlockingWaitStrategy"/>:
    /// a blocking reader takes one semaphore token per frame, which the library decides from the
    /// strategy's type (an internal property), so a wrapper would change how it waits.
    /// </summary>
    internal static WakePathRecorder? For(WaitStrategy inner) => inner is BlockingWaitStrategy ? null : new WakePathRecorder(inner);

    /// <summary>Installs a recorder on <paramref name="reader"/> when its strategy allows one (see <see cref="For"/>).</summary>
    internal static WakePathRecorder? Install(Reader reader)
    {
        WakePathRecorder? recorder = For(reader.WaitStrategy);
        if (recorder is not null)
        {
            reader.WaitStrategy = recorder;
        }

        return recorder;
    }

    /// <summary>Forgets the last read; call right before the next one.</summary>
    internal void Reset()
    {
        _polled = false;
        _slept = false;
        _readStarted = System.Diagnostics.Stopwatch.GetTimestamp();
    }

    /// <inheritdoc/>
    public override bool Idle(int attempt, TimeSpan waited)
    {
        _polled = true;
        if (_inner.Idle(attempt, waited))
        {
            return true;
        }

        _slept = true;
        return false;
    }

    /// <summary>The wrapped strategy's, so the reader learns from its waits as it would without the recorder.</summary>
    public override TimeSpan? AdaptiveSpinBudget => _inner.AdaptiveSpinBudget;

    /// <inheritdoc/>
    public override string ToString() => _inner.ToString() ?? nameof(WakePathRecorder);
}
