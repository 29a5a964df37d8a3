using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.Core;
using ZeroBuffer.Duplex;
using ZeroBuffer.Nats.Internal;
using ZeroBuffer.Nats.Wire;

namespace ZeroBuffer.Nats.Duplex;

/// <summary>
/// The server side of a duplex channel over NATS, on the host where the duplex server runs: takes
/// the requests published on <c>P.request</c> and sends each to the local server through a local
/// duplex client, then answers the NATS request with the response, or with the error the server
/// reported (docs/bridge.md, "Duplex over NATS").
/// </summary>
/// <remarks>
/// <para>Requests are forwarded concurrently (up to <see cref="NatsDuplexOptions.MaxConcurrency"/>) and
/// correlated by the local client, so a server in <see cref="ProcessingMode.ThreadPool"/> mode
/// answers them in any order.</para>
/// <para>A request larger than one NATS message comes in pieces: this bridge answers its first
/// piece with a subject of its own (<c>Zb-Upload</c>), takes the others there, puts them together
/// in a pooled buffer (at most <see cref="NatsDuplexOptions.MaxMessageBytes"/>, within
/// <see cref="NatsDuplexOptions.RequestTimeout"/>, or the caller is told it came incomplete), and
/// sends the whole to the local server. A response larger than one NATS message goes back in
/// pieces, published straight from the local response ring.</para>
/// </remarks>
public sealed class NatsDuplexServerBridge : IAsyncDisposable
{
    private readonly INatsConnection _connection;
    private readonly string _channelName;
    private readonly NatsDuplexOptions _options;
    private readonly ILogger _logger;
    private readonly DuplexChannelFactory _factory;
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _clientGate = new();
    private readonly List<Task> _inFlight = [];
    private readonly ConcurrentDictionary<long, Channel<NatsMsg<NatsMemoryOwner<byte>>>> _uploads = new(); // upload id → the pieces coming for it
    private INatsSub<NatsMemoryOwner<byte>>? _requests;
    private INatsSub<NatsMemoryOwner<byte>>? _pieces;
    private Task? _serving;
    private Task? _routing;
    private string _uploadPrefix = "";
    private long _lastUpload;
    private IDuplexClient? _client;
    private long _maxPayload;
    private long _forwarded;
    private long _failed;
    private int _disposed;

    /// <summary>Creates the bridge for local channel <paramref name="channelName"/>; nothing happens until <see cref="StartAsync"/>.</summary>
    /// <exception cref="ArgumentException">An invalid prefix, channel name or option.</exception>
    public NatsDuplexServerBridge(INatsConnection connection, string channelName, NatsDuplexOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentException.ThrowIfNullOrEmpty(channelName);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _connection = connection;
        _channelName = channelName;
        _options = options;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<NatsDuplexServerBridge>();
        _factory = new DuplexChannelFactory(loggerFactory);
        _slots = new SemaphoreSlim(options.MaxConcurrency);
    }

    /// <summary>Requests answered with a response.</summary>
    public long RequestsForwarded => Interlocked.Read(ref _forwarded);

    /// <summary>Requests answered with an error.</summary>
    public long RequestsFailed => Interlocked.Read(ref _failed);

    /// <summary>
    /// Tests of a crash mid-response only: awaited before each piece of a response in pieces is
    /// published, with the piece's index (a test peer blocks there and is killed).
    /// </summary>
    internal Func<int, Task>? BeforeResponsePiece { get; set; }

    /// <summary>Connects and subscribes to <c>P.request</c> in the queue group; the local server may start later.</summary>
    /// <exception cref="NatsServerUnavailableException">No NATS server could be reached.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        _maxPayload = await ServerAccess.ConnectAsync(_connection, _channelName, cancellationToken).ConfigureAwait(false);
        _uploadPrefix = ReplyInbox.NewPrefix(_connection);
        _pieces = await _connection.SubscribeCoreAsync<NatsMemoryOwner<byte>>(_uploadPrefix + ".*", cancellationToken: cancellationToken).ConfigureAwait(false);
        _routing = RoutePiecesAsync(_pieces);
        _requests = await _connection.SubscribeCoreAsync<NatsMemoryOwner<byte>>(DuplexWire.RequestSubject(_options.Subject), _options.QueueGroup,
            cancellationToken: cancellationToken).ConfigureAwait(false);
        _serving = ServeAsync(_requests);
    }

    /// <summary>Stops taking requests, answers the ones in progress (or tells their callers the bridge stopped), and closes the local client.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await Quietly.DisposeAsync(_requests).ConfigureAwait(false);

        if (_serving is not null)
        {
            await _serving.ConfigureAwait(false);
        }

        Task[] running;
        lock (_inFlight)
        {
            running = [.. _inFlight];
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(running).ConfigureAwait(false);
        await Quietly.DisposeAsync(_pieces).ConfigureAwait(false);
        if (_routing is not null)
        {
            await _routing.ConfigureAwait(false);
        }

        lock (_clientGate)
        {
            _client?.Dispose();
            _client = null;
        }

        _stopping.Dispose();
        _slots.Dispose();
    }

    private async Task ServeAsync(INatsSub<NatsMemoryOwner<byte>> requests)
    {
        try
        {
            await foreach (NatsMsg<NatsMemoryOwner<byte>> request in requests.Msgs.ReadAllAsync().ConfigureAwait(false))
            {
                await _slots.WaitAsync().ConfigureAwait(false);
                Task handling = AnswerAsync(request);
                lock (_inFlight)
                {
                    _inFlight.Add(handling);
                    _inFlight.RemoveAll(t => t.IsCompleted);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task AnswerAsync(NatsMsg<NatsMemoryOwner<byte>> request)
    {
        await Task.Yield(); // off the subscription's loop: requests are answered concurrently
        NatsMemoryOwner<byte> first = request.Data;
        bool firstHeld = true; // the first piece's buffer is disposed once, as soon as it is not needed
        ChunkAssembly? assembly = null;
        IDuplexClient? client = null;
        string? replyTo = request.ReplyTo;
        try
        {
            if (replyTo is null)
            {
                return; // nobody to answer: not a request of a client bridge
            }

            if (!DuplexWire.HasCurrentVersion(request.Headers, out string? problem)
                || !DuplexWire.TryReadPiece(request.Headers, first.Length, out ChunkHeader piece, out problem))
            {
                await FailAsync(replyTo, DuplexWire.Unavailable, typeof(NatsBridgeException).FullName!, $"The server bridge on '{_options.Subject}' cannot read the request: {problem}.").ConfigureAwait(false);
                return;
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            timeout.CancelAfter(_options.RequestTimeout);
            ReadOnlyMemory<byte> bytes = first.Memory;
            if (piece.IsChunked)
            {
                if (!ChunkAssembly.TryStart(piece, _options.MaxMessageBytes, out assembly, out problem))
                {
                    await FailAsync(replyTo, DuplexWire.TooLarge, typeof(FrameTooLargeException).FullName!, $"The request of {piece.Length} bytes cannot be taken: {problem}.").ConfigureAwait(false);
                    return;
                }

                _ = assembly!.TryAdd(piece, first.Span, out _);
                first.Dispose();
                firstHeld = false;
                bytes = await ReceiveRestAsync(replyTo, assembly, timeout.Token).ConfigureAwait(false);
            }

            client = Client();
            using Frame response = await client.RequestAsync(bytes, timeout.Token).ConfigureAwait(false);
            await SendResponseAsync(replyTo, response).ConfigureAwait(false); // the lease stays held until every piece was handed to the client (which copies it)
            Interlocked.Increment(ref _forwarded);
        }
        catch (NatsIncompleteMessageException incomplete)
        {
            await FailAsync(replyTo!, DuplexWire.Incomplete, incomplete.GetType().FullName!, incomplete.Message).ConfigureAwait(false);
        }
        catch (DuplexHandlerException failed)
        {
            await FailAsync(replyTo!, DuplexWire.HandlerFailed, failed.RemoteType, failed.RemoteMessage).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            await FailAsync(replyTo!, DuplexWire.Unavailable, typeof(OperationCanceledException).FullName!, "The duplex server bridge stopped.").ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await FailAsync(replyTo!, DuplexWire.Unavailable, typeof(TimeoutException).FullName!,
                $"The local duplex server of channel '{_channelName}' did not answer within {_options.RequestTimeout.TotalMilliseconds:0} ms.").ConfigureAwait(false);
        }
        catch (ZeroBufferException unavailable)
        {
            if (unavailable is ReaderDeadException or WriterDeadException && client is not null)
            {
                DropClient(client); // the server went: the next request connects to the next one
            }

            await FailAsync(replyTo!, DuplexWire.Unavailable, unavailable.GetType().FullName!, unavailable.Message).ConfigureAwait(false);
        }
        catch (ObjectDisposedException gone)
        {
            await FailAsync(replyTo!, DuplexWire.Unavailable, gone.GetType().FullName!, gone.Message).ConfigureAwait(false);
        }
        finally
        {
            if (firstHeld)
            {
                first.Dispose();
            }

            assembly?.Dispose();
            _slots.Release();
        }
    }

    /// <summary>
    /// Tells the client where to send the other pieces of its request (<c>Zb-Upload</c>), and puts
    /// them together as they come; an upload cut short is a <see cref="NatsIncompleteMessageException"/>.
    /// </summary>
    private async Task<ReadOnlyMemory<byte>> ReceiveRestAsync(string replyTo, ChunkAssembly assembly, CancellationToken cancellationToken)
    {
        long id = Interlocked.Increment(ref _lastUpload);
        var pieces = Channel.CreateUnbounded<NatsMsg<NatsMemoryOwner<byte>>>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        _uploads[id] = pieces;
        try
        {
            await _connection.PublishAsync(replyTo, ReadOnlyMemory<byte>.Empty, DuplexWire.GoAhead(string.Create(CultureInfo.InvariantCulture, $"{_uploadPrefix}.{id}")),
                serializer: NatsRawSerializer<ReadOnlyMemory<byte>>.Default, cancellationToken: cancellationToken).ConfigureAwait(false);
            while (!assembly.IsComplete)
            {
                NatsMsg<NatsMemoryOwner<byte>> message;
                try
                {
                    message = await pieces.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!_stopping.IsCancellationRequested)
                {
                    throw new NatsIncompleteMessageException(_channelName, "request", assembly.Length, assembly.Received, assembly.Count, _options.RequestTimeout);
                }

                using NatsMemoryOwner<byte> data = message.Data;
                if (!DuplexWire.TryReadPiece(message.Headers, data.Length, out ChunkHeader piece, out string? problem) || !assembly.TryAdd(piece, data.Span, out problem))
                {
                    throw new NatsBridgeException(_channelName, $"A piece of a request does not belong to it: {problem}.");
                }
            }

            return assembly.Memory;
        }
        finally
        {
            _uploads.TryRemove(id, out _);
            pieces.Writer.TryComplete();
            while (pieces.Reader.TryRead(out NatsMsg<NatsMemoryOwner<byte>> late))
            {
                late.Data.Dispose();
            }
        }
    }

    /// <summary>The response to the client's reply subject: one message, or its pieces.</summary>
    private async Task SendResponseAsync(string replyTo, Frame response)
    {
        var plan = ChunkPlan.For(CurrentMaxPayload(), maxChunkSize: null);
        ReadOnlyMemory<byte> bytes = response.Memory;
        int count = plan.CountFor(response.Size);
        for (int index = 0; index < count; index++)
        {
            ChunkHeader piece = plan.Chunk(response.Size, index);
            if (BeforeResponsePiece is { } pause && piece.IsChunked)
            {
                await pause(index).ConfigureAwait(false);
            }

            await _connection.PublishAsync(replyTo, plan.Slice(bytes, piece), DuplexWire.Piece(piece),
                serializer: NatsRawSerializer<ReadOnlyMemory<byte>>.Default).ConfigureAwait(false);
        }
    }

    private async Task FailAsync(string replyTo, string kind, string type, string message)
    {
        Interlocked.Increment(ref _failed);
#pragma warning disable CA1031 // The requester may be gone; its own timeout tells it.
        try
        {
            await _connection.PublishAsync<ReadOnlyMemory<byte>>(replyTo, DuplexWire.EncodeError(type, message), DuplexWire.ErrorHeaders(kind),
                serializer: NatsRawSerializer<ReadOnlyMemory<byte>>.Default).ConfigureAwait(false);
        }
        catch (Exception error)
        {
            Log.Problem(_logger, _channelName, "an error answer could not be sent", error);
        }
#pragma warning restore CA1031
    }

    /// <summary>Hands each piece sent to the upload inbox to the request it belongs to (its subject's last token); a late one is dropped.</summary>
    private async Task RoutePiecesAsync(INatsSub<NatsMemoryOwner<byte>> pieces)
    {
        try
        {
            await foreach (NatsMsg<NatsMemoryOwner<byte>> piece in pieces.Msgs.ReadAllAsync().ConfigureAwait(false))
            {
                int dot = piece.Subject.LastIndexOf('.');
                if (!long.TryParse(piece.Subject.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out long id)
                    || !_uploads.TryGetValue(id, out Channel<NatsMsg<NatsMemoryOwner<byte>>>? upload) || !upload.Writer.TryWrite(piece))
                {
                    piece.Data.Dispose(); // its upload is over (complete, or given up)
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private long CurrentMaxPayload() => _connection.ServerInfo?.MaxPayload is int maxPayload and > 0 ? maxPayload : _maxPayload;

    /// <summary>The local client, connected on first use (and again after the local server went).</summary>
    private IDuplexClient Client()
    {
        lock (_clientGate)
        {
            ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
            return _client ??= _factory.CreateClient(_channelName, new DuplexClientOptions { ConnectTimeout = _options.LocalConnectTimeout });
        }
    }

    private void DropClient(IDuplexClient client)
    {
        lock (_clientGate)
        {
            if (ReferenceEquals(_client, client))
            {
                _client = null;
            }
        }

        client.Dispose();
    }
}
