using System.Threading.Tasks.Sources;
using ZeroBuffer.Primitives;
using ZeroBuffer.Protocol;
using ZeroBuffer.Waiting;

namespace ZeroBuffer;

// The asynchronous writes: outside the unsafe part of the class, since an await may not sit in an unsafe context.
public sealed partial class Writer : IValueTaskSource, IAsyncWaitEnd
{
    private readonly AsyncPeerWait _asyncWait = new(); // the asynchronous writes' wait loop, reused
    private ManualResetValueTaskSourceCore<bool> _asyncWrite = new() { RunContinuationsAsynchronously = true };
    private int _asyncWaiting; // 1 while an asynchronous write waits for space
    private ReadOnlyMemory<byte> _asyncData; // what the waiting write copies in once there is space

    /// <summary>
    /// Copies <paramref name="data"/> into the ring as one frame, waiting up to
    /// <see cref="WriteTimeout"/> for space without blocking a thread while it sleeps (see
    /// docs/async.md). Completes at once, without allocating, when the space is free.
    /// </summary>
    /// <remarks>
    /// One asynchronous write at a time, and no other write while it waits. Polling, if the
    /// <see cref="WaitStrategy"/> asks for it, runs on the calling thread before the first sleep.
    /// </remarks>
    /// <exception cref="InvalidOperationException">Another asynchronous write of this writer is waiting, or a zero-copy frame is acquired.</exception>
    /// <exception cref="InvalidFrameSizeException"><paramref name="data"/> is empty.</exception>
    /// <exception cref="FrameTooLargeException">The frame can never fit in this ring (or not from the write position).</exception>
    /// <exception cref="BufferFullException">No space within <see cref="WriteTimeout"/> while the reader is alive.</exception>
    /// <exception cref="ReaderDeadException">The reader is gone (<see cref="ReaderClosedException"/> when it closed the buffer).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The writer was disposed (also while waiting).</exception>
    public ValueTask WriteFrameAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        try
        {
            EnterGate();
            bool handedOver = false;
            try
            {
                ThrowIfDisposed();
                if (Volatile.Read(ref _asyncWaiting) != 0)
                {
                    throw new InvalidOperationException($"An asynchronous write to buffer '{Name}' is already waiting; await it first.");
                }

                long required = _ring.Plan(data.Length);
                EnsureReaderAlive(force: false);
                if (_ring.HasSpace(required))
                {
                    data.Span.CopyTo(_ring.Claim(0));
                    _ring.Commit();
                    return default;
                }

                _asyncWaiting = 1;
                handedOver = true;
                return WriteWhenFreeAsync(data, required, Deadline.After(_writeTimeout), cancellationToken); // leaves the gate when it completes
            }
            finally
            {
                if (!handedOver)
                {
                    _writeGate.Exit();
                }
            }
        }
        catch (Exception error)
        {
            return ValueTask.FromException(error);
        }
    }

    /// <summary>Starts the asynchronous wait for space; the caller holds the gate, which the end of the wait (IAsyncWaitEnd.WaitEnded) leaves.</summary>
    private ValueTask WriteWhenFreeAsync(ReadOnlyMemory<byte> data, long required, Deadline deadline, CancellationToken cancellationToken)
    {
        _asyncWrite.Reset();
        short version = _asyncWrite.Version;
        _asyncData = data;
        _requiredSpace = required;
        _cancelWakeup.Arm(cancellationToken);
        _metrics.WaitStarted();
        _asyncWait.Start(this, this, _spaceAvailable, _waitStrategy, deadline, cancellationToken);
        return new ValueTask(this, version);
    }

    bool IAsyncWaitEnd.EndsQuickly => false; // completing the write copies the frame

    void IAsyncWaitEnd.WaitEnded(bool completed, Exception? error)
    {
        _metrics.WaitEnded();
        ReadOnlyMemory<byte> data = _asyncData;
        _asyncData = default;
        try
        {
            if (error is null && !completed)
            {
                error = Full(data.Length);
            }
            else if (error is null)
            {
                // Nothing else wrote meanwhile (one write at a time), so the plan still holds.
                data.Span.CopyTo(_ring.Claim(0));
                _ring.Commit();
            }
        }
        catch (Exception failure)
        {
            error = failure;
        }
        finally
        {
            Volatile.Write(ref _asyncWaiting, 0);
            _writeGate.Exit(); // before the result: its continuation may write again at once
        }

        if (error is null)
        {
            _asyncWrite.SetResult(true);
        }
        else
        {
            _asyncWrite.SetException(error);
        }
    }

    void IValueTaskSource.GetResult(short token) => _asyncWrite.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _asyncWrite.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _asyncWrite.OnCompleted(continuation, state, token, flags);
}
