namespace ZeroBuffer.Primitives;

/// <summary>
/// Lets <c>Dispose</c> on one thread wait for a blocking call on another thread to leave before
/// shared memory is unmapped: the call enters the gate, Dispose closes it, wakes the caller and
/// waits until it has left. Without it, a reader stopped from another thread would touch
/// unmapped memory when its wait returns.
/// </summary>
internal sealed class UsageGate
{
    private const int ClosedFlag = 1 << 30;
    private int _state; // users inside, plus ClosedFlag once closed

    internal bool IsClosed => (Volatile.Read(ref _state) & ClosedFlag) != 0;

    /// <summary>Enters; false once the gate is closed.</summary>
    internal bool TryEnter()
    {
        while (true)
        {
            int state = Volatile.Read(ref _state);
            if ((state & ClosedFlag) != 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _state, state + 1, state) == state)
            {
                return true;
            }
        }
    }

    internal void Exit() => Interlocked.Decrement(ref _state);

    /// <summary>Closes the gate; false if it was already closed. Then waits, calling <paramref name="wake"/>, until no user is inside.</summary>
    internal bool Close(Action wake)
    {
        if ((Interlocked.Or(ref _state, ClosedFlag) & ClosedFlag) != 0)
        {
            return false;
        }

        var spinner = new SpinWait();
        while ((Volatile.Read(ref _state) & ~ClosedFlag) != 0)
        {
            wake();
            spinner.SpinOnce(sleep1Threshold: 20);
        }

        return true;
    }
}
