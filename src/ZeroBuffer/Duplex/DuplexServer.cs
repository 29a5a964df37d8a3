using Microsoft.Extensions.Logging;

namespace ZeroBuffer.Duplex;

/// <summary>
/// What both server kinds share: the sessions (<see cref="DuplexSession"/>), opened one at a time
/// as clients take them, up to <see cref="DuplexServerOptions.MaxSessions"/>; the handler
/// concurrency of <see cref="ProcessingMode.ThreadPool"/>, across sessions; errors; and the stop.
/// </summary>
internal abstract class DuplexServer : IDuplexServer
{
    private const int NotStarted = 0;
    private const int Running = 1;
    private const int Ended = 2;

    [ThreadStatic]
    private static DuplexServer? t_handling; // the server whose handler runs on this thread

    private readonly ILogger _logger;
    private readonly Lock _stateGate = new(); // guards _state, _sessions, and cancelling/disposing _stop
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<DuplexSession> _sessions = [];
    private int _liveSessions; // sessions whose thread has not ended (guarded by _stateGate)
    private int _state;
    private bool _disposed;
    private SemaphoreSlim? _slots; // ThreadPool mode: a slot per running handler, taken before reading (held request frames are bounded too)

    protected DuplexServer(string channelName, BufferConfig config, DuplexServerOptions? options, ILogger logger)
    {
        ChannelNames.Validate(channelName);
        ArgumentNullException.ThrowIfNull(config);
        options ??= new DuplexServerOptions();
        options.Validate();
        ChannelName = channelName;
        Config = config;
        Options = options;
        _logger = logger;
    }

    public string ChannelName { get; }

    public ProcessingMode Mode => Options.Mode;

    public bool IsRunning => Volatile.Read(ref _state) == Running;

    public Task Completion => _completion.Task;

    internal BufferConfig Config { get; }

    internal DuplexServerOptions Options { get; }

    public event EventHandler<DuplexErrorEventArgs>? OnError;

    /// <summary>Opens session 0 (<c>C_request</c>) and its thread. The handler must be stored first.</summary>
    protected void StartCore()
    {
        lock (_stateGate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_state != NotStarted)
            {
                throw new InvalidOperationException($"The duplex server of channel '{ChannelName}' was already started.");
            }

            var first = new DuplexSession(this, 0, _logger, _stop.Token); // throws when C_request is taken: nothing started
            _slots = Mode == ProcessingMode.ThreadPool ? new SemaphoreSlim(Options.MaxConcurrency, Options.MaxConcurrency) : null;
            _sessions.Add(first);
            _liveSessions = 1;
            _state = Running;
            first.Start();
        }
    }

    /// <summary>Handles one request of <paramref name="session"/>: runs the handler and writes its response. False when the handler gave no answer.</summary>
    internal abstract bool Handle(Frame request, DuplexSession session);

    /// <summary>After a handler on this thread threw: whether it had answered its request before (then no error response is due).</summary>
    internal virtual bool AnsweredOnThisThread => false;

    /// <summary>A client took <paramref name="session"/>: if it was the last free one, open the next (up to MaxSessions).</summary>
    internal void SessionTaken(DuplexSession session)
    {
        DuplexSession? opened = null;
        lock (_stateGate)
        {
            if (_state != Running || _sessions.Count >= Options.MaxSessions || session.Number != _sessions.Count - 1)
            {
                return;
            }

            try
            {
                opened = new DuplexSession(this, _sessions.Count, _logger, _stop.Token);
                _sessions.Add(opened);
                _liveSessions++;
                opened.Start();
            }
#pragma warning disable CA1031 // The next session could not be opened (its name is taken, /dev/shm is full): reported; the open ones serve on.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                opened = null;
                Report(ex, 0, _sessions.Count);
            }
        }

        if (opened is not null)
        {
            DuplexLog.SessionOpened(_logger, ChannelName, opened.Number, opened.RequestBuffer);
        }
    }

    /// <summary>A session's thread ended; once every session has, the server has ended.</summary>
    internal void SessionEnded(DuplexSession session)
    {
        lock (_stateGate)
        {
            if (--_liveSessions > 0)
            {
                return;
            }

            _state = Ended;
        }

        // The last session out: the server is over (normally after Stop; also if no session could go on).
        _stop.Dispose();
        _slots?.Dispose();
        _completion.TrySetResult();
    }

    /// <summary>ThreadPool mode: waits for a free handler slot (shared by every session; at most MaxConcurrency handlers run).</summary>
    internal void TakeSlot(CancellationToken cancellationToken) => _slots?.Wait(cancellationToken);

    internal void ReleaseSlot() => _slots?.Release();

    /// <summary>Marks this thread as running one of this server's handlers (so Stop called there does not wait for itself).</summary>
    internal HandlerScope EnterHandler()
    {
        DuplexServer? outer = t_handling;
        t_handling = this;
        return new HandlerScope(outer);
    }

    public void Stop()
    {
        DuplexSession[] sessions;
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
                    _stop.Cancel(); // wakes every session's read (and any response write waiting for space)
                    break;
            }

            sessions = [.. _sessions];
        }

        if (t_handling == this)
        {
            return; // from inside a handler: the sessions finish once it returns
        }

        foreach (DuplexSession session in sessions)
        {
            session.Join(); // handlers finish, then each session disposes its buffers
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

    /// <summary>Raises <see cref="OnError"/>; a subscriber's failure is logged and ignored.</summary>
    internal void Report(Exception error, ulong sequence, int session)
    {
        DuplexLog.ServerError(_logger, ChannelName, session, sequence, error);
        EventHandler<DuplexErrorEventArgs>? handlers = OnError;
        if (handlers is null)
        {
            return;
        }

        try
        {
            handlers(this, new DuplexErrorEventArgs(error, sequence) { Session = session });
        }
#pragma warning disable CA1031 // A subscriber's failure must not end the session.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            DuplexLog.SubscriberFailed(_logger, ChannelName, ex);
        }
    }

    /// <summary>Restores the thread's handler mark when a handler returns.</summary>
    internal readonly struct HandlerScope(DuplexServer? outer) : IDisposable
    {
        public void Dispose() => t_handling = outer;
    }
}
