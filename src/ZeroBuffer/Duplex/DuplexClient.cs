using Microsoft.Extensions.Logging;
using ZeroBuffer.Primitives;
using ZeroBuffer.Protocol;

namespace ZeroBuffer.Duplex;

/// <summary>
/// The client of a duplex channel: takes a free session (<see cref="ChannelNames"/>), writes
/// requests into its request buffer and reads responses from the response buffer it creates,
/// which advertises that it understands error responses (docs/protocol.md §8).
/// </summary>
internal sealed class DuplexClient : IDuplexClient
{
    private static readonly TimeSpan ServerCheckInterval = PeerLiveness.CheckInterval;
    private static readonly TimeSpan MaxConnectPause = TimeSpan.FromMilliseconds(50);

    private readonly Writer _requests;
    private readonly Reader _responses;
    private readonly Lock _sendGate = new(); // one request write at a time; held from AcquireRequestBuffer to Commit/Abort
    private readonly Lock _pendingGate = new(); // guards _pending, _idleCalls and each call's completion
    private readonly Dictionary<ulong, PendingCall> _pending = []; // awaited requests by sequence
    private readonly Stack<PendingCall> _idleCalls = new(); // completed calls, reused: an awaited round trip allocates nothing
    private readonly CancellationTokenSource _receiveStop = new();
    private readonly Lock _receiveGate = new(); // guards starting the receive thread and disposing
    private Thread? _receiveThread; // non-null once RequestAsync/SendAsync was used
    private Exception? _fault;      // why the receive thread ended; fails every later call
    private bool _pendingAcquire;   // a request is acquired (guarded by _sendGate, which stays held until commit/abort)
    private bool _disposed;
    private volatile bool _serverGone; // the response reader reported the server's writer gone: look at the server before each send

    internal DuplexClient(string channelName, DuplexClientOptions? options, ILogger logger)
    {
        ChannelNames.Validate(channelName);
        options ??= new DuplexClientOptions();
        ChannelName = channelName;
        (_requests, Session) = TakeSession(channelName, options, logger);
        try
        {
            // By default the response buffer is shared exactly as widely as the server shared its request buffer.
            string requestBuffer = ChannelNames.Request(channelName, Session);
            BufferConfig responseConfig = options.ResponseConfig ?? new BufferConfig(0, _requests.RingSize)
            {
                Access = FileStatus.OwnerAndMode(ResourceNames.SegmentFile(requestBuffer)).Mode is uint mode ? FileModes.AccessOf(mode) : BufferAccess.Owner,
            };
            _responses = new Reader(ChannelNames.Response(channelName, Session), responseConfig with { AdvertisedFeatures = ZeroBufferLayout.FeatureDuplexErrors }, logger)
            {
                CheckSequenceContinuity = false,
                WaitStrategy = options.WaitStrategy,
            };
        }
        catch
        {
            _requests.Dispose();
            throw;
        }
    }

    public string ChannelName { get; }

    public int Session { get; }

    public bool IsServerConnected => _requests.IsReaderConnected();

    internal long UnmatchedResponses;

    /// <summary>
    /// Connects the request writer of the first free session: 0, 1, … while they are taken, until
    /// one is free or none is open; then waits (a server opens the next session when one is taken,
    /// and renews a session's buffers between clients) up to the connect timeout.
    /// </summary>
    private static (Writer Requests, int Session) TakeSession(string channel, DuplexClientOptions options, ILogger logger)
    {
        Deadline deadline = Deadline.After(options.ConnectTimeout);
        var backoff = new Backoff(MaxConnectPause);
        ZeroBufferException? last = null;
        int taken = 0;
        while (true)
        {
            for (int session = 0; session < ChannelNames.MaxSessions; session++)
            {
                string name = ChannelNames.Request(channel, session);
                try
                {
                    var requests = new Writer(name, logger) { WriteTimeout = options.RequestWriteTimeout, WaitStrategy = options.WaitStrategy };
                    if (requests.Generation <= 1)
                    {
                        return (requests, session); // the session's first client since its buffers were created
                    }

                    // A client left this session and the server has not renewed its buffers yet: its
                    // response writer still points at the last client. Come back once it has.
                    requests.Dispose();
                    last = new WriterAlreadyConnectedException(name, $"Session {session} of channel '{channel}' is being renewed after its last client.");
                    taken = session + 1;
                }
                catch (WriterAlreadyConnectedException ex)
                {
                    last = ex; // another client's session
                    taken = session + 1;
                }
                catch (ZeroBufferException ex) when (ex is BufferNotFoundException or ReaderDeadException)
                {
                    last = ex; // no further session open (or being renewed, or its server gone)
                    break;
                }
            }

            if (!backoff.Pause(deadline, CancellationToken.None))
            {
                string request = ChannelNames.Request(channel);
                throw last switch
                {
                    WriterAlreadyConnectedException => new WriterAlreadyConnectedException(request,
                        $"Every session of channel '{channel}' is taken by another client ({taken} open) and none became free within {options.ConnectTimeout.TotalMilliseconds:0} ms.", last),
                    ReaderDeadException when taken == 0 => new ReaderDeadException(request,
                        $"The server of channel '{channel}' is gone: the reader of its request buffer '{request}' is not alive.", last),
                    _ when taken == 0 => new BufferNotFoundException(request,
                        $"No server is serving channel '{channel}': its request buffer '{request}' does not exist.", last),
                    _ => new WriterAlreadyConnectedException(request,
                        $"Every open session of channel '{channel}' is taken ({taken}) and the server opened no other within {options.ConnectTimeout.TotalMilliseconds:0} ms.", last),
                };
            }
        }
    }

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
            throw new InvalidOperationException($"Channel '{ChannelName}': RequestAsync/SendAsync is in use, its receive thread takes every response; ReceiveResponse cannot be mixed with it.");
        }

        Frame frame;
        try
        {
            frame = _responses.ReadFrame(timeout);
        }
        catch (Exception ex) when (ex is WriterDeadException or WriterClosedException)
        {
            _serverGone = true; // stopped (its response writer closed) or died
            throw;
        }

        if (frame.IsValid && DuplexErrorResponse.IsError(frame.Sequence, out ulong request))
        {
            using (frame)
            {
                throw HandlerFailed(request, frame.Span);
            }
        }

        return frame;
    }

    private DuplexHandlerException HandlerFailed(ulong request, ReadOnlySpan<byte> payload)
    {
        (string type, string message) = DuplexErrorResponse.Decode(payload);
        return new DuplexHandlerException(ChannelNames.Response(ChannelName, Session), request, type, message);
    }

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

    public async Task<DuplexResponse> SendAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken = default)
    {
        using Frame response = await RequestAsync(request, cancellationToken).ConfigureAwait(false);
        return new DuplexResponse(response.Sequence, response.ToArray());
    }

    public ValueTask<Frame> RequestAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<Frame>(cancellationToken);
        }

        if (Volatile.Read(ref _fault) is Exception ended)
        {
            return ValueTask.FromException<Frame>(ended); // the receive thread ended: no response can arrive
        }

        try
        {
            EnsureReceiveThread();
        }
        catch (ObjectDisposedException ex)
        {
            return ValueTask.FromException<Frame>(ex);
        }

        PendingCall call;
        short version;
        try
        {
            lock (_sendGate)
            {
                ulong sequence = _requests.NextSequence;
                lock (_pendingGate)
                {
                    call = _idleCalls.TryPop(out PendingCall? idle) ? idle : new PendingCall(this);
                    version = call.Begin(sequence);
                    _pending[sequence] = call; // before the write: the response may come back at once
                }

                if (cancellationToken.CanBeCanceled)
                {
                    call.Attach(cancellationToken); // before the write too: nothing can complete the call before it is registered
                }

                try
                {
                    _requests.WriteFrame(request.Span, cancellationToken);
                }
                catch
                {
                    Withdraw(call);
                    throw;
                }
            }
        }
#pragma warning disable CA1031 // The write's failure (server gone, ring full, cancelled) is the task's outcome.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return ex is OperationCanceledException && cancellationToken.IsCancellationRequested
                ? ValueTask.FromCanceled<Frame>(cancellationToken)
                : ValueTask.FromException<Frame>(ex);
        }

        if (Volatile.Read(ref _fault) is Exception fault)
        {
            Fail(call, fault); // the receive thread ended after the check above: nothing will answer this request
        }

        return new ValueTask<Frame>(call, version);
    }

    /// <summary>The request of <paramref name="call"/> was not written: the call goes back to the pool unless a cancellation already completed it.</summary>
    private void Withdraw(PendingCall call)
    {
        lock (_pendingGate)
        {
            if (!_pending.Remove(call.Sequence))
            {
                return; // completed by its cancellation: nobody reads it, the collector takes it
            }
        }

        call.Complete(default, null, settle: false);
        Recycle(call);
    }

    /// <summary>Completes <paramref name="call"/> with <paramref name="error"/> if nothing completed it yet.</summary>
    private void Fail(PendingCall call, Exception error)
    {
        lock (_pendingGate)
        {
            if (!_pending.Remove(call.Sequence, out PendingCall? found) || found != call)
            {
                if (found is not null)
                {
                    _pending[call.Sequence] = found; // another call's: put it back
                }

                return;
            }
        }

        call.Complete(default, error);
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
                    if (HasPending() && !_requests.IsReaderConnected())
                    {
                        // The server died before it ever connected its response writer: nothing will
                        // answer. Reported like any other server death on the response side.
                        fault = new WriterDeadException(ChannelNames.Response(ChannelName, Session),
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

            Deliver(frame);
        }

        Volatile.Write(ref _fault, fault);
        List<PendingCall> failed;
        lock (_pendingGate)
        {
            failed = [.. _pending.Values];
            _pending.Clear();
        }

        foreach (PendingCall call in failed)
        {
            call.Complete(default, fault);
        }
    }

    /// <summary>Hands a response to the call awaiting it (the frame is the caller's now), or fails it with the server's error.</summary>
    private void Deliver(Frame frame)
    {
        bool error = DuplexErrorResponse.IsError(frame.Sequence, out ulong request);
        PendingCall? call;
        lock (_pendingGate)
        {
            _ = _pending.Remove(request, out call);
        }

        if (call is null)
        {
            frame.Dispose(); // its request was cancelled: the response is dropped
            Interlocked.Increment(ref UnmatchedResponses);
            return;
        }

        if (error)
        {
            DuplexHandlerException failure = HandlerFailed(request, frame.Span);
            frame.Dispose();
            call.Complete(default, failure);
        }
        else
        {
            call.Complete(frame, null);
        }
    }

    private bool HasPending()
    {
        lock (_pendingGate)
        {
            return _pending.Count > 0;
        }
    }

    /// <summary>Takes a call back once its result was read: the next request reuses it.</summary>
    private void Recycle(PendingCall call)
    {
        lock (_pendingGate)
        {
            _idleCalls.Push(call);
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

    /// <summary>
    /// One awaited request: the value-task source its <see cref="ValueTask{Frame}"/> completes from,
    /// reused once the caller has read the result. Its caller's cancellation registration is dropped
    /// when it completes, so a long-lived token keeps nothing alive.
    /// </summary>
    private sealed class PendingCall(DuplexClient client) : System.Threading.Tasks.Sources.IValueTaskSource<Frame>
    {
        private readonly DuplexClient _client = client;
        private System.Threading.Tasks.Sources.ManualResetValueTaskSourceCore<Frame> _core = new() { RunContinuationsAsynchronously = true };
        private CancellationTokenRegistration _registration;

        internal ulong Sequence { get; private set; }

        internal short Begin(ulong sequence)
        {
            _core.Reset();
            Sequence = sequence;
            return _core.Version;
        }

        /// <summary>Cancels the call when the caller's token fires (if a response has not completed it first).</summary>
        internal void Attach(CancellationToken token) =>
            _registration = token.UnsafeRegister(static (state, token) =>
            {
                var call = (PendingCall)state!;
                call._client.Fail(call, new OperationCanceledException(token));
            }, this);

        /// <param name="response">The response frame, now the caller's.</param>
        /// <param name="error">Or the failure.</param>
        /// <param name="settle">False for a call withdrawn before its request was written: only drop the registration.</param>
        internal void Complete(Frame response, Exception? error, bool settle = true)
        {
            _registration.Dispose(); // waits for a running cancellation callback (which then finds the call completed)
            _registration = default;
            if (!settle)
            {
                return;
            }

            if (error is null)
            {
                _core.SetResult(response);
            }
            else
            {
                _core.SetException(error);
            }
        }

        public Frame GetResult(short token)
        {
            try
            {
                return _core.GetResult(token);
            }
            finally
            {
                _client.Recycle(this);
            }
        }

        public System.Threading.Tasks.Sources.ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, System.Threading.Tasks.Sources.ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }
}
