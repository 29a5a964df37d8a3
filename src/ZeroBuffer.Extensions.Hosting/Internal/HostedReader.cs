using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZeroBuffer.Extensions.Hosting.Health;

namespace ZeroBuffer.Extensions.Hosting.Internal;

/// <summary>
/// A hosted reader: creates its buffer when the host starts, hands every frame to the
/// application's <see cref="IFrameHandler"/> until the host stops, outlives its writers as
/// configured, and removes the buffer on stop.
/// </summary>
internal sealed class HostedReader(string name, Func<IServiceProvider, IFrameHandler> handlerFactory, IServiceProvider services)
    : HostedEndpoint(name, services)
{
    private ZeroBufferReaderOptions _options = new();
    private Reader? _reader;
    private IFrameHandler? _handler;
    private ReaderContext? _context;
    private volatile PeerPresence _lastWriter = PeerPresence.None; // as the read loop last saw it
    private long _frames;
    private long _handlerErrors;

    protected override string Role => "Reader";

    protected override void Open(IServiceProvider handlerServices)
    {
        _options = Services.GetRequiredService<IOptionsMonitor<ZeroBufferReaderOptions>>().Get(Name);
        _handler = handlerFactory(handlerServices); // before the buffer exists: a DI error leaves nothing behind
        string bufferName = _options.EffectiveBufferName(Name);
        var reader = new Reader(bufferName, _options.ToBufferConfig(), LoggerFactory.CreateLogger<Reader>())
        {
            WaitStrategy = _options.ParseWaitStrategy(),
            BatchReleases = _options.BatchReleases,
        };
        _reader = reader;
        if (_options.Prefault)
        {
            reader.Prefault();
        }

        _context = new ReaderContext(Name, bufferName);
        Log.ReaderStarted(Logger, Name, bufferName);
    }

    protected override async Task RunAsync(CancellationToken stopping)
    {
        Reader reader = _reader!;
        bool departureLogged = false; // a gone writer is reported on every read until the next one comes: log it once
        while (!stopping.IsCancellationRequested)
        {
            Frame frame;
            try
            {
                frame = await reader.ReadFrameAsync(stopping).ConfigureAwait(false);
            }
            catch (Exception gone) when (gone is WriterClosedException or WriterDeadException)
            {
                if (!departureLogged && WriterLeft(gone))
                {
                    return;
                }

                departureLogged = true;
                continue;
            }
            catch (SequenceError gap)
            {
                // The frame stays for the next read, which accepts it: report the loss and go on.
                Log.FramesMissing(Logger, Name, gap.Expected, gap.Actual);
                continue;
            }

            departureLogged = false;
            _lastWriter = PeerPresence.Connected;
            if (!await HandleAsync(reader, frame, stopping).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    /// <summary>Logs the writer's departure and applies the policy; true when the host is to stop.</summary>
    private bool WriterLeft(Exception gone)
    {
        bool died = gone is WriterDeadException;
        _lastWriter = died ? PeerPresence.Died : PeerPresence.Closed;
        long frames = Interlocked.Read(ref _frames);
        if (died)
        {
            Log.WriterDied(Logger, Name, gone.Message, frames); // the library's message names the PID; its stack says nothing
        }
        else
        {
            Log.WriterClosed(Logger, Name, frames);
        }

        if ((died ? _options.WhenWriterDies : _options.WhenWriterCloses) != PeerGoneBehavior.StopHost)
        {
            return false;
        }

        StopHost(died ? "the writer died" : "the writer closed the stream");
        return true;
    }

    /// <summary>Runs the handler on one frame and releases it; false when the reader is to stop.</summary>
    private async ValueTask<bool> HandleAsync(Reader reader, Frame frame, CancellationToken stopping)
    {
        try
        {
            if (_context!.Metadata.IsEmpty)
            {
                ReadOnlySpan<byte> metadata = reader.GetMetadata();
                if (!metadata.IsEmpty)
                {
                    _context.Metadata = metadata.ToArray(); // written once per buffer: one copy, kept
                }
            }

            await _handler!.HandleAsync(frame, _context, stopping).ConfigureAwait(false);
            Interlocked.Increment(ref _frames);
            return true;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return false;
        }
#pragma warning disable CA1031 // A handler may throw anything; the policy decides, and the error is logged either way.
        catch (Exception error)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _handlerErrors);
            Log.HandlerFailed(Logger, Name, frame.Sequence, error);
            if (_options.OnHandlerError == HandlerErrorBehavior.StopHost)
            {
                Fail(error);
                return false;
            }

            return true;
        }
        finally
        {
            frame.Dispose();
        }
    }

    protected override ValueTask CloseAsync()
    {
        if (_reader is Reader reader)
        {
            reader.Dispose(); // wakes a read in progress; removes the buffer
            Log.ReaderStopped(Logger, Name, Interlocked.Read(ref _frames));
        }

        return ValueTask.CompletedTask;
    }

    protected override HealthCheckResult CheckRunning(HealthStatus failureStatus)
    {
        Reader reader = _reader!;
        BufferStatus status = reader.GetStatus();
        PeerPresence seen = _lastWriter;
        PeerPresence writer = reader.IsWriterConnected() ? PeerPresence.Connected
            : status.WriterPid != 0 || seen == PeerPresence.Died ? PeerPresence.Died // a PID left behind: it did not close
            : seen == PeerPresence.None ? PeerPresence.None
            : PeerPresence.Closed;
        var view = new PeerView(Role, "writer", Name, reader.Name, writer, status, status.WriterPid, Interlocked.Read(ref _frames), _options.DegradedUtilization);
        return EndpointHealth.Evaluate(view, failureStatus, KeyValuePair.Create<string, object>("handlerErrors", Interlocked.Read(ref _handlerErrors)));
    }
}
