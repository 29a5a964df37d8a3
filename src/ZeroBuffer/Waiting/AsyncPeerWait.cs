using System.Diagnostics;
using ZeroBuffer.Primitives;

namespace ZeroBuffer.Waiting;

/// <summary>Told once when an <see cref="AsyncPeerWait"/> ends.</summary>
internal interface IAsyncWaitEnd
{
    /// <summary>
    /// Whether <see cref="WaitEnded"/> is quick (bookkeeping and completing a task), so it may run
    /// on the watcher's thread; false when it does real work (a writer copies its frame).
    /// </summary>
    bool EndsQuickly { get; }

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
    /// <summary>
    /// Longest sleep of an asynchronous wait, so the longest time between two looks at the peer:
    /// longer than the blocking waits' 100 ms, because each look of an idle async wait costs a
    /// thread-pool hop; a dead peer is still seen within about 300 ms. docs/async.md.
    /// </summary>
    internal static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(250);

    private IPeerWaiter? _side;
    private IAsyncWaitEnd? _end;
    private NamedSemaphore? _semaphore;
    private Deadline _deadline;
    private WaitStrategy? _strategy;
    private long _started;
    private CancellationToken _cancellationToken;
    private bool _signalled;
    private bool _onWatcher; // a step runs on the watcher's thread
    private (bool Completed, Exception? Error)? _deferredEnd; // an end decided there, delivered from the thread pool

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
        _strategy = strategy;
        _started = Stopwatch.GetTimestamp();
        _cancellationToken = cancellationToken;
        bool? decided;
        try
        {
            decided = PeerWait.Poll(side, strategy, _started, deadline, cancellationToken);
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

    /// <summary>
    /// On the watcher's thread: the next step is a look at the counts (and, after a quiet sleep,
    /// at the peer) and another sleep, a few microseconds, so it runs right here: an idle wait costs
    /// no thread-pool hop, and a frame that arrives costs one (its caller's continuation). An end
    /// that does real work (<see cref="IAsyncWaitEnd.EndsQuickly"/> false) goes to the thread pool.
    /// </summary>
    internal override void Woken(bool signalled)
    {
        _signalled = signalled;
        _onWatcher = true;
        try
        {
            Step();
        }
        finally
        {
            _onWatcher = false;
        }
    }

    /// <summary>On a thread-pool thread: delivers an end decided on the watcher's thread.</summary>
    void IThreadPoolWorkItem.Execute()
    {
        (bool completed, Exception? error) = _deferredEnd!.Value;
        _deferredEnd = null;
        End(completed, error);
    }

    /// <summary>After a sleep: look again, then end or sleep once more.</summary>
    private void Step()
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

            int milliseconds = _deadline.RemainingMilliseconds(Slice);
            Sleep(_semaphore!, milliseconds, coalesce: milliseconds == (int)Slice.TotalMilliseconds);
        }
        catch (Exception error)
        {
            End(false, error);
        }
    }

    private void End(bool completed, Exception? error)
    {
        if (_onWatcher && !_end!.EndsQuickly)
        {
            // Never real work (a frame's copy) on the watcher's thread: it sleeps for every wait of the process.
            _deferredEnd = (completed, error);
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
            return;
        }

        IAsyncWaitEnd end = _end!;
        _side!.Spins.Record(_strategy!, _started, Stopwatch.GetTimestamp());
        _side = null;
        _strategy = null;
        _end = null;
        _semaphore = null;
        _cancellationToken = default;
        end.WaitEnded(completed, error);
    }
}
