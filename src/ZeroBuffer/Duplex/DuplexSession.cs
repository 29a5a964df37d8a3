using Microsoft.Extensions.Logging;
using ZeroBuffer.Primitives;
using ZeroBuffer.Protocol;

namespace ZeroBuffer.Duplex;

/// <summary>
/// One session of a duplex server (docs/protocol.md §8): the request buffer <c>C_request[.k]</c>,
/// the thread that reads it, and the client it serves, one client after another. For each client
/// the thread connects the response writer at the first request, runs the handlers, and when the
/// client leaves waits for them, disposes the writer and creates the request buffer anew, so the
/// next client starts from a fresh ring. Only this thread touches the request reader and the
/// response writer outside handlers, and it disposes them, each once.
/// </summary>
internal sealed class DuplexSession
{
    private static readonly TimeSpan MaxConnectPause = TimeSpan.FromMilliseconds(50); // nothing signals the creation of a segment
    private static readonly TimeSpan TakenCheckInterval = TimeSpan.FromMilliseconds(20); // a free session's look for a connected client

    private readonly DuplexServer _server;
    private readonly ILogger _logger;
    private readonly Lock _responseGate = new(); // serializes response writes; held from AcquireResponse to Commit/Abort
    private readonly CancellationToken _serverStop;
    private Reader _requests;
    private Writer? _responses;        // the current client's response buffer, connected at its first request
    private bool _clientTakesErrors;   // the current client's response buffer advertises error responses
    private CancellationTokenSource? _client; // cancelled when the current client is found gone (or the server stops)
    private CountdownEvent? _running;  // ThreadPool mode: the current client's running handlers (+1 for the session thread)
    private Thread? _thread;

    internal DuplexSession(DuplexServer server, int number, ILogger logger, CancellationToken serverStop)
    {
        _server = server;
        Number = number;
        _logger = logger;
        _serverStop = serverStop;
        RequestBuffer = ChannelNames.Request(server.ChannelName, number);
        ResponseBuffer = ChannelNames.Response(server.ChannelName, number);
        _requests = CreateRequests(); // the caller sees a name that is taken, or anything else that fails
    }

    /// <summary>k: 0 for <c>C_request</c>/<c>C_response</c>, k for <c>C_request.k</c>/<c>C_response.k</c>.</summary>
    internal int Number { get; }

    internal string RequestBuffer { get; }

    internal string ResponseBuffer { get; }

    /// <summary>Cancelled when the current client is found gone or the server stops (handlers run only while a client is served).</summary>
    internal CancellationToken ClientToken => _client?.Token ?? _serverStop;

    internal void Start()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = $"duplex {_server.ChannelName} session {Number}" };
        _thread.Start();
    }

    /// <summary>Waits for the session's thread (it ends once the server's stop token is cancelled).</summary>
    internal void Join()
    {
        if (_thread is { } thread && thread != Thread.CurrentThread)
        {
            thread.Join();
        }
    }

    private Reader CreateRequests() =>
        new(RequestBuffer, _server.Config, _logger) { WaitStrategy = _server.Options.WaitStrategy };

    private void Run()
    {
        try
        {
            while (!_serverStop.IsCancellationRequested)
            {
                ServeClient();
                if (_serverStop.IsCancellationRequested)
                {
                    break;
                }

                // The next client gets a fresh request ring: no counts, numbers or metadata of the last one.
                _requests.Dispose();
                _requests = CreateRequests();
            }
        }
#pragma warning disable CA1031 // The session's end: whatever ended it is reported, never thrown on this thread.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _server.Report(ex, 0, Number); // the request buffer could not be created anew
        }
        finally
        {
            _requests.Dispose();
            DuplexLog.SessionEnded(_logger, _server.ChannelName, Number);
            _server.SessionEnded(this);
        }
    }

    /// <summary>Serves one client, from its first request until it leaves, its response buffer vanishes, or the server stops.</summary>
    private void ServeClient()
    {
        _client = CancellationTokenSource.CreateLinkedTokenSource(_serverStop);
        _running = _server.Options.Mode == ProcessingMode.ThreadPool ? new CountdownEvent(1) : null;
        CancellationToken client = _client.Token;
        try
        {
            Serve(client);
        }
        catch (OperationCanceledException) when (client.IsCancellationRequested)
        {
            // The server stops, or a handler found the client gone (already reported).
        }
        catch (Exception ex) when (ex is WriterDeadException or WriterClosedException)
        {
            DuplexLog.ClientLeft(_logger, _server.ChannelName, Number); // closed its request writer, or died
        }
#pragma warning disable CA1031 // A client's session ends badly (response buffer never appeared, corruption): reported, the next client is served.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _server.Report(ex, 0, Number);
        }
        finally
        {
            if (_running is { } running)
            {
                running.Signal(); // the session thread's own count
                running.Wait();
                running.Dispose();
                _running = null;
            }

            _responses?.Dispose();
            _responses = null;
            _client.Dispose();
            _client = null;
        }
    }

    private void Serve(CancellationToken client)
    {
        bool first = true;
        bool announced = false; // SessionTaken was called for this client
        while (true)
        {
            Frame request;
            if (announced)
            {
                request = _requests.ReadFrame(Timeout.InfiniteTimeSpan, client);
            }
            else if (!_requests.TryReadFrame(TakenCheckInterval, out request, client))
            {
                // Nothing signals a writer's connection: a free session looks for one a few times a
                // second, so a client that connects and waits before its first request still gets
                // the next session opened for the client after it.
                if (_requests.IsWriterConnected())
                {
                    announced = true;
                    _server.SessionTaken(this);
                }

                continue;
            }

            if (!request.IsValid)
            {
                continue;
            }

            // ThreadPool mode: a handler slot (shared by the sessions) once a request is there, so an
            // idle session holds none; each session holds at most one request frame beyond the handlers'.
            try
            {
                _server.TakeSlot(client);
            }
            catch
            {
                request.Dispose();
                throw;
            }

            if (first)
            {
                first = false;
                try
                {
                    _responses = ConnectResponses(client);
                    _clientTakesErrors = _responses.ReaderAdvertises(ZeroBufferLayout.FeatureDuplexErrors);
                }
                catch
                {
                    request.Dispose();
                    _server.ReleaseSlot();
                    throw;
                }

                if (!announced)
                {
                    announced = true;
                    _server.SessionTaken(this); // a client holds this session: make sure another one is free
                }

                ReportMetadata(request.Sequence);
            }

            if (_running is null)
            {
                HandleAndRelease(request);
            }
            else
            {
                Dispatch(request);
            }
        }
    }

    private void ReportMetadata(ulong firstSequence)
    {
        if (_server.Options.MetadataHandler is not DuplexMetadataHandler handler)
        {
            return;
        }

        try
        {
            handler(_requests.GetMetadata());
        }
#pragma warning disable CA1031 // A failing metadata handler is reported like a failing request handler.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _server.Report(ex, firstSequence, Number);
        }
    }

    /// <summary>Connects to the client's response buffer, which a client creates right after connecting to the request buffer.</summary>
    private Writer ConnectResponses(CancellationToken client)
    {
        Deadline deadline = Deadline.After(_server.Options.ConnectTimeout);
        var backoff = new Backoff(MaxConnectPause);
        while (true)
        {
            ZeroBufferException? missing;
            try
            {
                return new Writer(ResponseBuffer, _logger) { WriteTimeout = _server.Options.ResponseWriteTimeout, WaitStrategy = _server.Options.WaitStrategy };
            }
            catch (BufferNotFoundException ex)
            {
                missing = ex; // not created yet
            }
            catch (ReaderDeadException ex)
            {
                missing = ex; // a previous client's leftover, about to be replaced
            }

            if (!backoff.Pause(deadline, client))
            {
                throw new TimeoutException(
                    $"The client of channel '{_server.ChannelName}' (session {Number}) sent a request but its response buffer '{ResponseBuffer}' " +
                    $"was not ready within {_server.Options.ConnectTimeout}.",
                    missing);
            }
        }
    }

    private void Dispatch(Frame request)
    {
        _running!.AddCount();
        var item = new WorkItem(this, request);
        try
        {
            _ = Task.Factory.StartNew(static s => ((WorkItem)s!).Run(), item, CancellationToken.None,
                TaskCreationOptions.DenyChildAttach, _server.Options.Scheduler ?? TaskScheduler.Default);
        }
        catch
        {
            request.Dispose();
            _server.ReleaseSlot();
            _running.Signal();
            throw;
        }
    }

    /// <summary>
    /// Runs the handler for <paramref name="request"/> and gives the frame back. A failure is reported
    /// through OnError and, to a client that understands it, answered with an error response (§8).
    /// </summary>
    private void HandleAndRelease(Frame request)
    {
        ulong sequence = request.Sequence;
        using DuplexServer.HandlerScope scope = _server.EnterHandler();
        try
        {
            if (!_server.Handle(request, this) && !_client!.IsCancellationRequested)
            {
                var unanswered = new InvalidOperationException($"The handler of channel '{_server.ChannelName}' returned without answering request {sequence}.");
                _server.Report(unanswered, sequence, Number);
                AnswerWithError(sequence, DuplexErrorResponse.NoResponse, unanswered.Message, _server.Options.ResponseWriteTimeout);
            }
        }
        catch (OperationCanceledException) when (_client!.IsCancellationRequested)
        {
            // Stopping, or the client is gone: a response waiting for space is abandoned.
        }
        catch (ReaderDeadException ex)
        {
            // The client's response buffer is gone: no later response can be delivered either.
            _server.Report(ex, sequence, Number);
            CancelClient();
        }
#pragma warning disable CA1031 // A handler's failure is reported, and answered; the session keeps serving.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _server.Report(ex, sequence, Number);
            if (!_server.AnsweredOnThisThread)
            {
                // A full ring that did not drain for the response will not take the error either: do not wait again.
                TimeSpan wait = ex is BufferFullException ? TimeSpan.Zero : _server.Options.ResponseWriteTimeout;
                AnswerWithError(sequence, ex.GetType().FullName ?? ex.GetType().Name, ex.Message, wait);
            }
        }
        finally
        {
            request.Dispose();
        }
    }

    /// <summary>Sends the error response to <paramref name="sequence"/>, when the client understands it; a failure to send is only logged.</summary>
    private void AnswerWithError(ulong sequence, string type, string message, TimeSpan wait)
    {
        if (!_clientTakesErrors || _responses is not Writer responses)
        {
            return;
        }

        try
        {
            byte[] payload = DuplexErrorResponse.Encode(type, message, Math.Max(1, responses.MaxFrameSizeAnywhere));
            lock (_responseGate)
            {
                if (!responses.TryWriteFrame(payload, DuplexErrorResponse.Sequence(sequence), wait, _client!.Token))
                {
                    DuplexLog.ErrorResponseDropped(_logger, _server.ChannelName, sequence, "the response ring stayed full");
                }
            }
        }
        catch (ReaderDeadException)
        {
            CancelClient();
        }
#pragma warning disable CA1031 // The error response is a courtesy: its own failure must not end the session.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            DuplexLog.ErrorResponseDropped(_logger, _server.ChannelName, sequence, ex.Message);
        }
    }

    private void CancelClient()
    {
        try
        {
            _client?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The session already moved on.
        }
    }

    /// <summary>Writes a response carrying <paramref name="sequence"/>; response writes are serialized.</summary>
    internal void WriteResponse(ReadOnlySpan<byte> payload, ulong sequence)
    {
        lock (_responseGate)
        {
            _responses!.WriteFrame(payload, sequence, _client!.Token);
        }
    }

    /// <summary>Takes the response lock and acquires ring space; <see cref="CommitResponse"/> or <see cref="AbortResponse"/> releases the lock.</summary>
    internal Span<byte> AcquireResponse(int size, ulong sequence)
    {
        _responseGate.Enter();
        try
        {
            return _responses!.GetFrameBuffer(size, sequence, _client!.Token);
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

    /// <summary>One request handed to the scheduler in ThreadPool mode.</summary>
    private sealed class WorkItem(DuplexSession session, Frame request)
    {
        internal void Run()
        {
            CountdownEvent running = session._running!;
            try
            {
                session.HandleAndRelease(request);
            }
            finally
            {
                session._server.ReleaseSlot();
                running.Signal();
            }
        }
    }
}
