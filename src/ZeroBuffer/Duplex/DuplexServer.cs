using Microsoft.Extensions.Logging;
using ZeroBuffer.Primitives;

namespace ZeroBuffer.Duplex;

/// <summary>
/// The session loop shared by both server kinds: one thread owns the request reader and the
/// response writer from <see cref="StartCore"/> to the end of the session and disposes both, once,
/// in its <c>finally</c>. <see cref="Stop"/> only cancels and joins, so it never races the loop.
/// </summary>
internal abstract class DuplexServer : IDuplexServer
{
    private const int NotStarted = 0;
    private const int Running = 1;
    private const int Ended = 2;

    [ThreadStatic]
    private static DuplexServer? t_handling; // the server whose handler runs on this thread

    private readonly BufferConfig _config;
    private readonly ILogger _logger;
    private readonly Lock _stateGate = new(); // guards _state, _worker and cancelling/disposing _stop
    private readonly CancellationTokenSource _stop = new(); // cancelled by Stop, or by a handler that found the client gone
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _responseGate = new(); // serializes response writes; held from AcquireResponse to Commit/Abort
    private int _state;
    private Thread? _worker;
    private Reader? _requests;  // created by Start; from then on used and disposed only by the worker (and handlers it waits for)
    private Writer? _responses; // connected, used and disposed by the worker (and handlers it waits for)
    private bool _disposed;

    // ThreadPool mode: a slot per running handler (taken before reading, so held request frames are bounded too)
    // and a count of running handlers the worker waits for before disposing.
    private SemaphoreSlim? _slots;
    private CountdownEvent? _running;

    protected DuplexServer(string channelName, BufferConfig config, DuplexServerOptions? options, ILogger logger)
    {
        ChannelNames.Validate(channelName);
        ArgumentNullException.ThrowIfNull(config);
        options ??= new DuplexServerOptions();
        options.Validate();
        ChannelName = channelName;
        _config = config;
        Options = options;
        _logger = logger;
    }

    public string ChannelName { get; }

    public ProcessingMode Mode => Options.Mode;

    public bool IsRunning => Volatile.Read(ref _state) == Running;

    public Task Completion => _completion.Task;

    protected DuplexServerOptions Options { get; }

    public event EventHandler<DuplexErrorEventArgs>? OnError;

    /// <summary>Creates the request buffer and the server's thread. The handler must be stored first.</summary>
    protected void StartCore()
    {
        lock (_stateGate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_state != NotStarted)
            {
                throw new InvalidOperationException($"The duplex server of channel '{ChannelName}' was already started; a server serves one session.");
            }

            _requests = new Reader(ChannelNames.Request(ChannelName), _config, _logger) { WaitStrategy = Options.WaitStrategy };
            if (Mode == ProcessingMode.ThreadPool)
            {
                _slots = new SemaphoreSlim(Options.MaxConcurrency, Options.MaxConcurrency);
                _running = new CountdownEvent(1);
            }

            _state = Running;
            _worker = new Thread(Run) { IsBackground = true, Name = $"duplex server {ChannelName}" };
            _worker.Start();
        }
    }

    /// <summary>Handles one request: runs the handler and writes its response. Exceptions are reported by the caller.</summary>
    protected abstract void Handle(Frame request);

    public void Stop()
    {
        Thread? worker;
        lock (_stateGate)
        {
            switch (_state)
            {
                case NotStarted:
                    _state = Ended;
                    _stop.Dispose();
                    _completion.TrySetResult();
                    return;
                case Running:
                    _stop.Cancel(); // wakes the worker's read (and any response write waiting for space)
                    break;
            }

            worker = _worker;
        }

        if (worker is not null && worker != Thread.CurrentThread && t_handling != this)
        {
            worker.Join(); // handlers finish, then the worker disposes everything
        }
    }

    public void Dispose()
    {
        lock (_stateGate)
        {
            _disposed = true;
        }

        Stop();
    }

    private void Run()
    {
        Reader requests = _requests!;
        CancellationToken stop = _stop.Token;
        try
        {
            Serve(requests, stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stop(), or a handler that found the client gone (already reported).
        }
        catch (Exception ex) when (ex is WriterDeadException or WriterClosedException)
        {
            DuplexLog.ClientLeft(_logger, ChannelName); // closed its request writer, or died
        }
#pragma warning disable CA1031 // The session's end: whatever ended it is reported, never thrown on this thread.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Report(ex, 0);
        }
        finally
        {
            WaitForHandlers();
            _responses?.Dispose();
            requests.Dispose();
            lock (_stateGate)
            {
                _state = Ended;
                _stop.Dispose();
            }

            DuplexLog.SessionEnded(_logger, ChannelName);
            _completion.TrySetResult();
        }
    }

    private void Serve(Reader requests, CancellationToken stop)
    {
        bool first = true;
        while (true)
        {
            _slots?.Wait(stop);
            Frame request;
            try
            {
                request = requests.ReadFrame(Timeout.InfiniteTimeSpan, stop);
            }
            catch
            {
                _slots?.Release();
                throw;
            }

            if (!request.IsValid)
            {
                _slots?.Release();
                continue;
            }

            if (first)
            {
                first = false;
                try
                {
                    _responses = ConnectResponses(stop);
                }
                catch
                {
                    request.Dispose();
                    _slots?.Release();
                    throw;
                }

                ReportMetadata(requests, request.Sequence);
            }

            if (_slots is null)
            {
                HandleAndRelease(request);
            }
            else
            {
                Dispatch(request);
            }
        }
    }

    private void ReportMetadata(Reader requests, ulong firstSequence)
    {
        if (Options.MetadataHandler is not DuplexMetadataHandler handler)
        {
            return;
        }

        try
        {
            handler(requests.GetMetadata());
        }
#pragma warning disable CA1031 // A failing metadata handler is reported like a failing request handler.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Report(ex, firstSequence);
        }
    }

    /// <summary>Connects to the client's response buffer, which a client creates right after connecting to the request buffer.</summary>
    private Writer ConnectResponses(CancellationToken stop)
    {
        string name = ChannelNames.Response(ChannelName);
        Deadline deadline = Deadline.After(Options.ConnectTimeout);
        var backoff = new Backoff(MaxConnectPause); // nothing signals the creation of a segment
        while (true)
        {
            ZeroBufferException? missing;
            try
            {
                return new Writer(name, _logger) { WriteTimeout = Options.ResponseWriteTimeout, WaitStrategy = Options.WaitStrategy };
            }
            catch (BufferNotFoundException ex)
            {
                missing = ex; // not created yet
            }
            catch (ReaderDeadException ex)
            {
                missing = ex; // a previous client's leftover, about to be replaced
            }

            if (!backoff.Pause(deadline, stop))
            {
                throw new TimeoutException(
                    $"The client of channel '{ChannelName}' sent a request but its response buffer '{name}' was not ready within {Options.ConnectTimeout}.",
                    missing);
            }
        }
    }

    /// <summary>The longest pause between two attempts to connect the response writer.</summary>
    private static readonly TimeSpan MaxConnectPause = TimeSpan.FromMilliseconds(50);

    private void Dispatch(Frame request)
    {
        _running!.AddCount();
        var item = new WorkItem(this, request);
        try
        {
            _ = Task.Factory.StartNew(static s => ((WorkItem)s!).Run(), item, CancellationToken.None,
                TaskCreationOptions.DenyChildAttach, Options.Scheduler ?? TaskScheduler.Default);
        }
        catch
        {
            request.Dispose();
            _slots!.Release();
            _running.Signal();
            throw;
        }
    }

    /// <summary>Runs the handler for <paramref name="request"/>, reports what fails, and gives the frame back.</summary>
    private void HandleAndRelease(Frame request)
    {
        DuplexServer? outer = t_handling;
        t_handling = this;
        try
        {
            Handle(request);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Stopping: a response waiting for space is abandoned.
        }
        catch (ReaderDeadException ex)
        {
            // The client's response buffer is gone: no later response can be delivered either.
            Report(ex, request.Sequence);
            _stop.Cancel();
        }
#pragma warning disable CA1031 // A handler's failure is reported through OnError; the server keeps serving.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Report(ex, request.Sequence);
        }
        finally
        {
            t_handling = outer;
            request.Dispose();
        }
    }

    private void WaitForHandlers()
    {
        if (_running is null)
        {
            return;
        }

        _running.Signal(); // the worker's own count
        _running.Wait();
        _running.Dispose();
        _slots!.Dispose();
    }

    /// <summary>Writes a response carrying <paramref name="sequence"/>; response writes are serialized.</summary>
    internal void WriteResponse(ReadOnlySpan<byte> payload, ulong sequence)
    {
        lock (_responseGate)
        {
            _responses!.WriteFrame(payload, sequence, _stop.Token);
        }
    }

    /// <summary>Takes the response lock and acquires ring space; <see cref="CommitResponse"/> or <see cref="AbortResponse"/> releases the lock.</summary>
    internal Span<byte> AcquireResponse(int size, ulong sequence)
    {
        _responseGate.Enter();
        try
        {
            return _responses!.GetFrameBuffer(size, sequence, _stop.Token);
        }
        catch
        {
            _responseGate.Exit();
            throw;
        }
    }

    internal void CommitResponse()
    {
        try
        {
            _responses!.CommitFrame();
        }
        finally
        {
            _responseGate.Exit();
        }
    }

    internal void AbortResponse()
    {
        try
        {
            _responses!.AbortFrame();
        }
        finally
        {
            _responseGate.Exit();
        }
    }

    private void Report(Exception error, ulong sequence)
    {
        DuplexLog.ServerError(_logger, ChannelName, sequence, error);
        EventHandler<DuplexErrorEventArgs>? handlers = OnError;
        if (handlers is null)
        {
            return;
        }

        try
        {
            handlers(this, new DuplexErrorEventArgs(error, sequence));
        }
#pragma warning disable CA1031 // A subscriber's failure must not end the session.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            DuplexLog.SubscriberFailed(_logger, ChannelName, ex);
        }
    }

    /// <summary>One request handed to the scheduler in ThreadPool mode.</summary>
    private sealed class WorkItem(DuplexServer server, Frame request)
    {
        internal void Run()
        {
            try
            {
                server.HandleAndRelease(request);
            }
            finally
            {
                server._slots!.Release();
                server._running!.Signal();
            }
        }
    }
}
