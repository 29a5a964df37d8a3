using System.Diagnostics;
using ZeroBuffer.Primitives;

namespace ZeroBuffer.Waiting;

/// <summary>Told once when an <see cref="AsyncPeerWait"/> ends.</summary>
internal interface IAsyncWaitEnd
{
    /// <summary>The wait ended: <paramref name="completed"/> true when its condition holds, false at its deadline; or with <paramref name="error"/>.</summary>
    void WaitEnded(bool completed, Exception? error);
}

/// <summary>
/// <see cref="PeerWait.Wait"/> without a thread: the same loop, written as steps that run on the
/// caller's thread (polling and the checks before the first sleep), then on a thread-pool thread
/// after each sleep, which <see cref="SemaphoreWatcher"/> does. One per endpoint, reused, so a wait
/// allocates nothing (no async state machine, no task). One wait at a time.
/// </summary>
internal sealed class AsyncPeerWait : WatchedSleep, IThreadPoolWorkItem
{
    private IPeerWaiter? _side;
    private IAsyncWaitEnd? _end;
    private NamedSemaphore? _semaphore;
    private Deadline _deadline;
    private CancellationToken _cancellationToken;
    private bool _signalled;

    /// <summary>
    /// Starts a wait; <paramref name="end"/> hears how it ended exactly once — before this returns
    /// when it is decided at once, later from a thread-pool thread otherwise.
    /// </summary>
    internal void Start(IPeerWaiter side, IAsyncWaitEnd end, NamedSemaphore semaphore, WaitStrategy strategy, Deadline deadline,
        CancellationToken cancellationToken)
    {
        _side = side;
        _end = end;
        _semaphore = semaphore;
        _deadline = deadline;
        _cancellationToken = cancellationToken;
        bool? decided;
        try
        {
            decided = PeerWait.Poll(side, strategy, deadline, cancellationToken);
        }
        catch (Exception error)
        {
            End(false, error);
            return;
        }

        if (decided is bool outcome)
        {
            End(outcome, null);
            return;
        }

        SleepOrEnd();
    }

    /// <summary>On the watcher's thread: continue on the thread pool.</summary>
    internal override void Woken(bool signalled)
    {
        _signalled = signalled;
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    /// <summary>After a sleep: look again, then end or sleep once more.</summary>
    void IThreadPoolWorkItem.Execute()
    {
        IPeerWaiter side = _side!;
        try
        {
            side.ThrowIfClosed();
            if (side.TryComplete(tokenHeld: false) || (!_signalled && side.CheckPeer(Stopwatch.GetTimestamp(), force: true)))
            {
                End(true, null);
                return;
            }
        }
        catch (Exception error)
        {
            End(false, error);
            return;
        }

        SleepOrEnd();
    }

    private void SleepOrEnd()
    {
        try
        {
            if (PeerWait.BeforeSleep(_side!, _deadline, _cancellationToken) is bool decided)
            {
                End(decided, null);
                return;
            }

            Sleep(_semaphore!, _deadline.NextSliceMilliseconds());
        }
        catch (Exception error)
        {
            End(false, error);
        }
    }

    private void End(bool completed, Exception? error)
    {
        IAsyncWaitEnd end = _end!;
        _side = null;
        _end = null;
        _semaphore = null;
        _cancellationToken = default;
        end.WaitEnded(completed, error);
    }
}
