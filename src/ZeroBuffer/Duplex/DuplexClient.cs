using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using ZeroBuffer.Primitives;
using ZeroBuffer.Protocol;

namespace ZeroBuffer.Duplex;

/// <summary>
/// The <see cref="IDuplexClient"/>. Sends are serialized by <see cref="_sendGate"/>. Correlated
/// receives run on one receive thread (started by the first <see cref="SendAsync"/>) that hands
/// each response to the pending request with its sequence number.
/// </summary>
internal sealed class DuplexClient : IDuplexClient
{
    /// <summary>How often the receive thread, while requests are pending, checks that the server is still there: the liveness cadence.</summary>
    private static readonly TimeSpan ServerCheckInterval = PeerLiveness.CheckInterval;

    private readonly Writer _requests;
    private readonly Reader _responses;
    private readonly Lock _sendGate = new(); // one request write at a time; held from AcquireRequestBuffer to Commit/Abort
    private readonly ConcurrentDictionary<ulong, PendingResponse> _pending = new(); // SendAsync requests awaiting their response, by sequence
    private readonly CancellationTokenSource _receiveStop = new();
    private readonly Lock _receiveGate = new(); // guards starting the receive thread and disposing
    private Thread? _receiveThread; // non-null once SendAsync was used
    private Exception? _fault;      // why the receive thread ended; fails every later SendAsync
    private bool _pendingAcquire;   // a request is acquired (guarded by _sendGate, which stays held until commit/abort)
    private bool _disposed;
    private volatile bool _serverGone; // the response reader reported the server's writer gone: look at the server before each send

    internal DuplexClient(string channelName, DuplexClientOptions? options, ILogger logger)
    {
        ChannelNames.Validate(channelName);
        options ??= new DuplexClientOptions();
        ChannelName = channelName;
        _requests = new Writer(ChannelNames.Request(channelName), logger) { WriteTimeout = options.RequestWriteTimeout, WaitStrategy = options.WaitStrategy };
        try
        {
            // By default the response buffer is shared exactly as widely as the server shared its request buffer.
            BufferConfig responseConfig = options.ResponseConfig ?? new BufferConfig(0, _requests.RingSize)
            {
                Access = FileStatus.OwnerAndMode(ResourceNames.SegmentFile(ChannelNames.Request(channelName))).Mode is uint mode
                    ? FileModes.AccessOf(mode)
                    : BufferAccess.Owner,
            };
            _responses = new Reader(ChannelNames.Response(channelName), responseConfig, logger) { CheckSequenceContinuity = false, WaitStrategy = options.WaitStrategy };
        }
        catch
        {
            _requests.Dispose();
            throw;
        }
    }

    public string ChannelName { get; }

    public bool IsServerConnected => _requests.IsReaderConnected();

    /// <summary>Responses the receive thread dropped because no pending request had their sequence (cancelled ones).</summary>
    internal long UnmatchedResponses;

    public ulong SendRequest(ReadOnlySpan<byte> request)
    {
        lock (_sendGate)
        {
            ThrowIfServerGone();
            ulong sequence = _requests.NextSequence;
            _requests.WriteFrame(request);
            return sequence;
        }
    }

    public Span<byte> AcquireRequestBuffer(int size, out ulong sequence)
    {
        _sendGate.Enter();
        try
        {
            if (_sendGate.IsHeldByCurrentThread && _pendingAcquire)
            {
                throw new InvalidOperationException($"A request of channel '{ChannelName}' is already acquired; call CommitRequest or AbortRequest first.");
            }

            ThrowIfServerGone();
            Span<byte> buffer = _requests.GetFrameBuffer(size, out sequence);
            _pendingAcquire = true;
            return buffer; // the gate stays held until CommitRequest/AbortRequest
        }
        catch
        {
            _sendGate.Exit();
            throw;
        }
    }

    public void CommitRequest() => EndAcquire(commit: true);

    public void AbortRequest() => EndAcquire(commit: false);

    private void EndAcquire(bool commit)
    {
        if (!_sendGate.IsHeldByCurrentThread || !_pendingAcquire)
        {
            throw new InvalidOperationException($"No request of channel '{ChannelName}' is acquired on this thread; call AcquireRequestBuffer first.");
        }

        try
        {
            _pendingAcquire = false;
            if (commit)
            {
                _requests.CommitFrame();
            }
            else
            {
                _requests.AbortFrame();
            }
        }
        finally
        {
            _sendGate.Exit();
        }
    }

    public Frame ReceiveResponse(TimeSpan timeout)
    {
        if (Volatile.Read(ref _receiveThread) is not null)
        {
            throw new InvalidOperationException($"Channel '{ChannelName}': SendAsync is in use, its receive thread takes every response; ReceiveResponse cannot be mixed with it.");
        }

        try
        {
            return _responses.ReadFrame(timeout);
        }
        catch (Exception ex) when (ex is WriterDeadException or WriterClosedException)
        {
            _serverGone = true; // stopped (its response writer closed) or died
            throw;
        }
    }

    /// <summary>
    /// Once the server's response writer was reported gone, a send looks at the server process
    /// itself (one liveness probe), so it fails at once instead of within the writer's next
    /// 100 ms check.
    /// </summary>
    private void ThrowIfServerGone()
    {
        if (_serverGone)
        {
            _requests.ThrowIfReaderGone(); // also gives up our writer claim, so a restarted server can recreate the buffer
        }
    }

    public void SetMetadata(ReadOnlySpan<byte> metadata)
    {
        lock (_sendGate)
        {
            _requests.SetMetadata(metadata);
        }
    }

    public Task<DuplexResponse> SendAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<DuplexResponse>(cancellationToken);
        }

        if (Volatile.Read(ref _fault) is Exception ended)
        {
            return Task.FromException<DuplexResponse>(ended); // the receive thread ended: no response can arrive
        }

        try
        {
            EnsureReceiveThread();
        }
        catch (ObjectDisposedException ex)
        {
            return Task.FromException<DuplexResponse>(ex);
        }

        var pending = new PendingResponse();
        ulong sequence;
        try
        {
            lock (_sendGate)
            {
                sequence = _requests.NextSequence;
                _pending[sequence] = pending; // before the write: the response may come back at once
                try
                {
                    _requests.WriteFrame(request.Span, cancellationToken);
                }
                catch
                {
                    _pending.TryRemove(sequence, out _);
                    throw;
                }
            }
        }
#pragma warning disable CA1031 // The write's failure (server gone, ring full, cancelled) is the task's outcome.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return ex is OperationCanceledException && cancellationToken.IsCancellationRequested
                ? Task.FromCanceled<DuplexResponse>(cancellationToken)
                : Task.FromException<DuplexResponse>(ex);
        }

        if (Volatile.Read(ref _fault) is Exception fault)
        {
            // The receive thread ended after the check above: nothing will complete this request.
            if (_pending.TryRemove(new KeyValuePair<ulong, PendingResponse>(sequence, pending)))
            {
                pending.TrySetException(fault);
            }
        }
        else if (cancellationToken.CanBeCanceled)
        {
            pending.Attach(cancellationToken.UnsafeRegister(static (state, token) =>
            {
                var (client, seq, p) = ((DuplexClient, ulong, PendingResponse))state!;
                if (client._pending.TryRemove(new KeyValuePair<ulong, PendingResponse>(seq, p)))
                {
                    p.TrySetCanceled(token);
                }
            }, (this, sequence, pending)));
        }

        return pending.Task;
    }

    private void EnsureReceiveThread()
    {
        if (Volatile.Read(ref _receiveThread) is not null)
        {
            return;
        }

        lock (_receiveGate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_receiveThread is null)
            {
                var thread = new Thread(ReceiveLoop) { IsBackground = true, Name = $"duplex client {ChannelName}" };
                thread.Start();
                Volatile.Write(ref _receiveThread, thread);
            }
        }
    }

    /// <summary>The receive thread: reads every response and completes the request with its sequence, until the server or the client goes.</summary>
    private void ReceiveLoop()
    {
        CancellationToken stop = _receiveStop.Token;
        Exception fault;
        while (true)
        {
            Frame frame;
            try
            {
                if (!_responses.TryReadFrame(ServerCheckInterval, out frame, stop))
                {
                    if (!_pending.IsEmpty && !_requests.IsReaderConnected())
                    {
                        // The server died before it ever connected its response writer: nothing will
                        // answer. Reported like any other server death on the response side.
                        fault = new WriterDeadException(ChannelNames.Response(ChannelName),
                            $"The server of channel '{ChannelName}' is gone (its request reader is not alive); pending requests will not be answered.");
                        break;
                    }

                    continue;
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                fault = new ObjectDisposedException(nameof(DuplexClient), $"The client of channel '{ChannelName}' was disposed.");
                break;
            }
#pragma warning disable CA1031 // Whatever ends the receive thread (server gone, corruption) fails every pending request.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                fault = ex;
                break;
            }

            using (frame)
            {
                if (_pending.TryRemove(frame.Sequence, out PendingResponse? pending))
                {
                    pending.Finish();
                    pending.TrySetResult(new DuplexResponse(frame.Sequence, frame.ToArray()));
                }
                else
                {
                    Interlocked.Increment(ref UnmatchedResponses);
                }
            }
        }

        Volatile.Write(ref _fault, fault);
        foreach (ulong sequence in _pending.Keys)
        {
            if (_pending.TryRemove(sequence, out PendingResponse? pending))
            {
                pending.Finish();
                pending.TrySetException(fault);
            }
        }
    }

    public void Dispose()
    {
        Thread? receiveThread;
        lock (_receiveGate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            receiveThread = _receiveThread;
        }

        _receiveStop.Cancel();
        receiveThread?.Join(); // fails pending requests, then stops touching the response reader
        _requests.Dispose();   // the server sees the client leave
        _responses.Dispose();  // removes the response buffer
        _receiveStop.Dispose();
    }

    /// <summary>A request sent with SendAsync, waiting for its response.</summary>
    private sealed class PendingResponse() : TaskCompletionSource<DuplexResponse>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        private readonly Lock _gate = new();
        private CancellationTokenRegistration _registration; // guarded by _gate
        private bool _finished; // guarded by _gate: the response (or failure) was taken

        /// <summary>Keeps the caller's cancellation registration, or drops it at once when the request already finished.</summary>
        internal void Attach(CancellationTokenRegistration registration)
        {
            bool finished;
            lock (_gate)
            {
                finished = _finished;
                if (!finished)
                {
                    _registration = registration;
                }
            }

            if (finished)
            {
                registration.Dispose();
            }
        }

        /// <summary>Marks the request finished and unregisters from the caller's token (so a long-lived token keeps nothing alive).</summary>
        internal void Finish()
        {
            CancellationTokenRegistration registration;
            lock (_gate)
            {
                _finished = true;
                registration = _registration;
                _registration = default;
            }

            registration.Dispose();
        }
    }
}
