using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;
using ZeroBuffer.Primitives;
using ZeroBuffer.Waiting;

namespace ZeroBuffer;

// The asynchronous reads: outside the unsafe part of the class, since an await may not sit in an unsafe context.
public sealed partial class Reader : IValueTaskSource<Frame>, IAsyncWaitEnd
{
    private readonly AsyncPeerWait _asyncWait = new(); // the asynchronous reads' wait loop, reused
    private ManualResetValueTaskSourceCore<Frame> _asyncRead = new() { RunContinuationsAsynchronously = true };
    private int _asyncWaiting; // 1 while an asynchronous read waits

    /// <summary>
    /// Waits for the next frame without blocking a thread while it sleeps (see docs/async.md):
    /// completes with the frame, or with <see cref="Frame.Invalid"/> when none arrives within
    /// <paramref name="timeout"/>. A committed frame completes it at once, without allocating.
    /// </summary>
    /// <remarks>
    /// One asynchronous read at a time. The frame is valid across awaits until disposed; use
    /// <see cref="Frame.Memory"/> to hold its bytes across an await. Polling, if the
    /// <see cref="WaitStrategy"/> asks for it, runs on the calling thread before the first sleep.
    /// </remarks>
    /// <exception cref="InvalidOperationException">Another asynchronous read of this reader is in progress.</exception>
    /// <inheritdoc cref="ReadFrame" path="/exception"/>
    public ValueTask<Frame> ReadFrameAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, $"The timeout must be zero or positive, or infinite (got {timeout}).");
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<Frame>(cancellationToken);
        }

        try
        {
            EnterGate();
            bool handedOver = false;
            try
            {
                if (TryTakeFrame(out Frame frame))
                {
                    return new ValueTask<Frame>(frame);
                }

                BeginAsyncWait();
                handedOver = true;
                return WaitForFrameAsync(Deadline.After(timeout), cancellationToken); // leaves the gate when it completes
            }
            finally
            {
                if (!handedOver)
                {
                    _readGate.Exit();
                }
            }
        }
        catch (Exception error) when (error is not InvalidOperationException || error is ObjectDisposedException)
        {
            return ValueTask.FromException<Frame>(error);
        }
    }

    /// <summary>Waits for the next frame, as long as it takes (until the end of the stream, the writer's death or cancellation).</summary>
    /// <inheritdoc cref="ReadFrameAsync(TimeSpan, CancellationToken)" path="/remarks"/>
    /// <inheritdoc cref="ReadFrameAsync(TimeSpan, CancellationToken)" path="/exception"/>
    public ValueTask<Frame> ReadFrameAsync(CancellationToken cancellationToken = default) =>
        ReadFrameAsync(Timeout.InfiniteTimeSpan, cancellationToken);

    /// <summary>
    /// Every frame, as it comes: the enumeration ends normally at the writer's clean end of the
    /// stream (<see cref="WriterClosedException"/> is not thrown), and throws
    /// <see cref="WriterDeadException"/> when the writer crashed, after every frame it committed.
    /// </summary>
    /// <remarks>
    /// Each frame holds its ring space until the consumer disposes it, in any order (space returns
    /// in ring order). One enumeration at a time, and no other read while it runs. A new writer
    /// after the end is read by a new enumeration.
    /// </remarks>
    /// <example>
    /// <code>
    /// await foreach (Frame frame in reader.ReadAllAsync(stopping))
    /// {
    ///     using (frame) await ProcessAsync(frame.Memory, stopping);
    /// }
    /// </code>
    /// </example>
    public async IAsyncEnumerable<Frame> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Frame frame;
            try
            {
                frame = await ReadFrameAsync(Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
            }
            catch (WriterClosedException)
            {
                yield break;
            }

            yield return frame;
        }
    }

    /// <summary>Starts the asynchronous wait for a frame; the caller holds the gate, which the end of the wait (IAsyncWaitEnd.WaitEnded) leaves.</summary>
    private ValueTask<Frame> WaitForFrameAsync(Deadline deadline, CancellationToken cancellationToken)
    {
        _asyncRead.Reset();
        short version = _asyncRead.Version;
        _metrics.WaitStarted();
        _cancelWakeup.Arm(cancellationToken);
        _asyncWait.Start(this, this, _resources.DataAvailable, _waitStrategy, deadline, cancellationToken);
        return new ValueTask<Frame>(this, version);
    }

    bool IAsyncWaitEnd.EndsQuickly => true; // completing the read is bookkeeping; the caller's continuation is queued

    void IAsyncWaitEnd.WaitEnded(bool completed, Exception? error)
    {
        Frame frame = completed ? TakeWaitedFrame() : Frame.Invalid;
        _metrics.WaitEnded();
        SetIdle(false);
        Volatile.Write(ref _asyncWaiting, 0);
        _readGate.Exit(); // before the result: its continuation may read again at once
        if (error is null)
        {
            _asyncRead.SetResult(frame);
        }
        else
        {
            _asyncRead.SetException(error);
        }
    }

    Frame IValueTaskSource<Frame>.GetResult(short token) => _asyncRead.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<Frame>.GetStatus(short token) => _asyncRead.GetStatus(token);

    void IValueTaskSource<Frame>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _asyncRead.OnCompleted(continuation, state, token, flags);

    private void BeginAsyncWait()
    {
        if (Interlocked.Exchange(ref _asyncWaiting, 1) != 0)
        {
            throw new InvalidOperationException($"An asynchronous read of buffer '{Name}' is already in progress; await it first.");
        }
    }
}
