namespace ZeroBuffer.Primitives;

/// <summary>
/// A mutual-exclusion latch for very short sections that are almost never contended: one
/// compare-and-swap to enter, one release store to leave. Used on the reader's per-frame path,
/// where <see cref="Lock"/> would also look up the current thread's id on every entry. Not
/// reentrant; a mutable struct, so keep it in a field and never copy it.
/// </summary>
internal struct SpinLatch
{
    private int _taken;

    internal void Enter()
    {
        if (Interlocked.CompareExchange(ref _taken, 1, 0) != 0)
        {
            EnterContended();
        }
    }

    internal void Exit() => Volatile.Write(ref _taken, 0);

    private void EnterContended()
    {
        var spinner = new SpinWait();
        do
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }
        while (Volatile.Read(ref _taken) != 0 || Interlocked.CompareExchange(ref _taken, 1, 0) != 0);
    }
}
