namespace ZeroBuffer;

/// <summary>
/// Sleeps on the buffer's semaphore as soon as the condition is unmet. No CPU is spent while
/// waiting; each wake-up pays the kernel's futex round trip (about 50 µs on the 2-vCPU VM of
/// docs/performance.md). For endpoints that mostly wait: low-rate streams, many idle buffers.
/// </summary>
public sealed class BlockingWaitStrategy : WaitStrategy
{
    /// <summary>Always false: sleep at once.</summary>
    public override bool Idle(int attempt, TimeSpan waited) => false;

    /// <inheritdoc/>
    internal override bool TakesTokenPerFrame => true;

    /// <inheritdoc/>
    public override string ToString() => "blocking";
}
