using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZeroBuffer.Extensions.Hosting.Health;

namespace ZeroBuffer.Extensions.Hosting.Internal;

/// <summary>
/// A hosted writer: connects in the background once a reader has created the buffer (either may
/// start first), hands the connected <see cref="ZeroBuffer.Writer"/> to application code through
/// <see cref="IZeroBufferWriterAccessor"/>, and connects again when its reader goes, as configured.
/// </summary>
internal sealed class HostedWriter(string name, IServiceProvider services) : HostedEndpoint(name, services), IZeroBufferWriterAccessor
{
    /// <summary>
    /// How often an idle writer looks at its reader: the library's own liveness cadence, so a
    /// reader's death is noticed as soon as a writer that is writing would notice it.
    /// </summary>
    private static readonly TimeSpan ReaderCheckInterval = TimeSpan.FromMilliseconds(100);

    private readonly Lock _gate = new();
    private TaskCompletionSource<Writer> _connected = NewConnection();
    private ZeroBufferWriterOptions? _options;
    private Writer? _writer;
    private volatile PeerPresence _lastReader = PeerPresence.None; // while no writer is connected

    protected override string Role => "Writer";

    public string BufferName => Options.EffectiveBufferName(Name);

    public Writer? Writer => Volatile.Read(ref _writer);

    public ValueTask<Writer> GetWriterAsync(CancellationToken cancellationToken = default)
    {
        if (Writer is Writer connected)
        {
            return new ValueTask<Writer>(connected);
        }

        Task<Writer> next;
        lock (_gate)
        {
            next = _connected.Task;
        }

        return new ValueTask<Writer>(next.WaitAsync(cancellationToken));
    }

    /// <summary>The options, read once: on start, or earlier when application code asks for <see cref="BufferName"/>.</summary>
    private ZeroBufferWriterOptions Options => _options ??= Services.GetRequiredService<IOptionsMonitor<ZeroBufferWriterOptions>>().Get(Name);

    protected override void Open(IServiceProvider handlerServices) => Log.WriterWaiting(Logger, Name, BufferName);

    protected override async Task RunAsync(CancellationToken stopping)
    {
        WaitStrategy waitStrategy = Options.ParseWaitStrategy();
        ILogger writerLogger = LoggerFactory.CreateLogger<Writer>();
        try
        {
            while (true)
            {
                Writer writer = await Writer.ConnectAsync(BufferName, Timeout.InfiniteTimeSpan, writerLogger, stopping).ConfigureAwait(false);
                writer.WriteTimeout = Options.WriteTimeout;
                writer.WaitStrategy = waitStrategy;
                ulong readerPid = writer.GetStatus().ReaderPid;
                Log.WriterConnected(Logger, Name, BufferName, readerPid);
                PeerPresence gone;
                try
                {
                    Publish(writer);
                    gone = await WatchReaderAsync(writer, stopping).ConfigureAwait(false);

                    // Before the writer is withdrawn: a health check in between reads _lastReader, and
                    // must see the reader that died, not "no reader has connected yet" (seen once in CI).
                    _lastReader = gone;
                }
                finally
                {
                    Withdraw(null);
                    writer.Dispose(); // waits for a write in progress on another thread to leave
                }

                if (gone == PeerPresence.Died)
                {
                    Log.ReaderDied(Logger, Name, readerPid);
                }
                else
                {
                    Log.ReaderClosed(Logger, Name);
                }

                if (Options.WhenReaderGone == PeerGoneBehavior.StopHost)
                {
                    StopHost(gone == PeerPresence.Died ? "the reader died" : "the reader closed the buffer");
                    return;
                }
            }
        }
        catch (Exception error) when (!stopping.IsCancellationRequested)
        {
            Withdraw(error); // waiters see what ended the endpoint
            throw;
        }
    }

    /// <summary>Waits until the reader is gone; says how it went.</summary>
    private static async Task<PeerPresence> WatchReaderAsync(Writer writer, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(ReaderCheckInterval);
        while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
        {
            if (!writer.IsReaderConnected())
            {
                // A reader that closes clears its PID first; a crashed one leaves it.
                return writer.GetStatus().ReaderPid == 0 ? PeerPresence.Closed : PeerPresence.Died;
            }
        }

        return PeerPresence.Closed;
    }

    private void Publish(Writer writer)
    {
        lock (_gate)
        {
            Volatile.Write(ref _writer, writer);
            _connected.TrySetResult(writer);
        }
    }

    /// <summary>Takes the writer back; with <paramref name="end"/>, waiters now and later get that error instead of the next writer.</summary>
    private void Withdraw(Exception? end)
    {
        lock (_gate)
        {
            Volatile.Write(ref _writer, null);
            if (_connected.Task.IsCompletedSuccessfully)
            {
                _connected = NewConnection();
            }

            if (end is not null)
            {
                _connected.TrySetException(end); // a failure set first stays: it says more than "stopped"
            }
        }
    }

    private static TaskCompletionSource<Writer> NewConnection() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override ValueTask CloseAsync()
    {
        Withdraw(new ObjectDisposedException(nameof(IZeroBufferWriterAccessor), $"The hosted writer '{Name}' has stopped."));
        return ValueTask.CompletedTask;
    }

    protected override HealthCheckResult CheckRunning(HealthStatus failureStatus)
    {
        PeerView view = new(Role, "reader", Name, BufferName, _lastReader, null, 0, 0, Options.DegradedUtilization);
        if (Writer is Writer writer)
        {
            try
            {
                BufferStatus status = writer.GetStatus();
                PeerPresence reader = writer.IsReaderConnected() ? PeerPresence.Connected
                    : status.ReaderPid != 0 ? PeerPresence.Died
                    : PeerPresence.Closed;
                view = view with { Peer = reader, Status = status, PeerPid = status.ReaderPid, Frames = (long)writer.FramesWritten };
            }
            catch (ObjectDisposedException)
            {
                // Its reader just went and the endpoint is reconnecting: report the view without a writer.
            }
        }

        return EndpointHealth.Evaluate(view, failureStatus);
    }
}
