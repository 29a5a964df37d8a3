using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using ZeroBuffer.Duplex;
using ZeroBuffer.Nats.Internal;
using ZeroBuffer.Nats.Wire;

namespace ZeroBuffer.Nats.Duplex;

/// <summary>
/// The client side of a duplex channel over NATS, on the host where the clients are: a local
/// duplex server of channel <c>C</c> whose handler sends each request to <c>P.request</c> and
/// answers with the reply. Local clients use it as any duplex server: responses are correlated,
/// and a failure on the other host (its handler threw, it did not answer within
/// <see cref="NatsDuplexOptions.RequestTimeout"/>, nobody serves the prefix, a large response
/// stopped coming mid-way) fails that request with a <see cref="DuplexHandlerException"/> saying why.
/// </summary>
/// <remarks>
/// <para>Handlers run in <see cref="ProcessingMode.ThreadPool"/> mode, up to
/// <see cref="NatsDuplexOptions.MaxConcurrency"/> at once, each waiting for its reply on a thread
/// of the bridge's own (not the pool's: the NATS client needs those to deliver the replies).</para>
/// <para>Requests and responses of any size the local channel allows travel with a default server:
/// one larger than a NATS message (<c>max_payload</c> less 1 KiB) is cut by the frame bridge's chunk
/// plan. The request's pieces are published straight from the local request ring; a response in
/// pieces is put back together in a pooled buffer (at most <see cref="NatsDuplexOptions.MaxMessageBytes"/>)
/// and copied into the local response ring when whole. Replies come on one inbox subscription of
/// the bridge (<c>_INBOX.ID.*</c>), one subject per request.</para>
/// </remarks>
public sealed class NatsDuplexClientBridge : IAsyncDisposable
{
    /// <summary>The reply subscription's queue in the client: pieces of up to MaxConcurrency responses in flight.</summary>
    private const int ReplyQueue = 4096;

    private readonly INatsConnection _connection;
    private readonly string _channelName;
    private readonly BufferConfig _requestConfig;
    private readonly NatsDuplexOptions _options;
    private readonly ILoggerFactory? _loggerFactory;
    private readonly string _subject;
    private readonly ConcurrentDictionary<long, HandOffQueue<NatsMsg<NatsMemoryOwner<byte>>>> _pending = new(); // request id → its replies
    private IImmutableDuplexServer? _server;
    private DedicatedThreadScheduler? _handlers;
    private INatsSub<NatsMemoryOwner<byte>>? _replies;
    private Task? _routing;
    private string _replyPrefix = "";
    private long _maxPayload;
    private long _lastRequest;
    private int _disposed;

    /// <summary>Creates the bridge serving local channel <paramref name="channelName"/>; nothing happens until <see cref="StartAsync"/>.</summary>
    /// <param name="connection">The NATS connection (owned by the caller).</param>
    /// <param name="channelName">The local channel the clients connect to.</param>
    /// <param name="requestConfig">The local request buffer's sizes.</param>
    /// <param name="options">The subject prefix, the timeout, the concurrency.</param>
    /// <param name="loggerFactory">Logging of the local server.</param>
    /// <exception cref="ArgumentException">An invalid prefix or option.</exception>
    public NatsDuplexClientBridge(INatsConnection connection, string channelName, BufferConfig requestConfig, NatsDuplexOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentException.ThrowIfNullOrEmpty(channelName);
        ArgumentNullException.ThrowIfNull(requestConfig);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _connection = connection;
        _channelName = channelName;
        _requestConfig = requestConfig;
        _options = options;
        _loggerFactory = loggerFactory;
        _subject = DuplexWire.RequestSubject(options.Subject);
    }

    /// <summary>The local server (for its <see cref="IDuplexServer.OnError"/> and <see cref="IDuplexServer.Completion"/>), once started.</summary>
    public IDuplexServer? Server => _server;

    /// <summary>Connects to NATS, subscribes to its reply inbox, then starts the local server (it creates <c>C_request</c>).</summary>
    /// <exception cref="NatsServerUnavailableException">No NATS server could be reached.</exception>
    /// <exception cref="ReaderAlreadyConnectedException">Another server serves the local channel.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        _maxPayload = await ServerAccess.ConnectAsync(_connection, _channelName, cancellationToken).ConfigureAwait(false);
        _replyPrefix = ReplyInbox.NewPrefix(_connection);
        _replies = await _connection.SubscribeCoreAsync<NatsMemoryOwner<byte>>(_replyPrefix + ".*",
            opts: new NatsSubOpts { ChannelOpts = new NatsSubChannelOpts { Capacity = ReplyQueue, FullMode = BoundedChannelFullMode.DropNewest } },
            cancellationToken: cancellationToken).ConfigureAwait(false);
        _routing = RouteRepliesAsync(_replies);
        _handlers = new DedicatedThreadScheduler(_options.MaxConcurrency, $"zb-nats-duplex {_channelName}");
        _server = new DuplexChannelFactory(_loggerFactory).CreateImmutableServer(_channelName, _requestConfig,
            new DuplexServerOptions { Mode = ProcessingMode.ThreadPool, MaxConcurrency = _options.MaxConcurrency, Scheduler = _handlers });
        _server.Start(Forward);
    }

    /// <summary>Stops the local server (its clients see it stop, as with any server), then the reply subscription.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _server?.Dispose(); // waits for the handlers running
        _handlers?.Dispose();
        await Quietly.DisposeAsync(_replies).ConfigureAwait(false); // completes its channel: the routing ends
        if (_routing is not null)
        {
            await _routing.ConfigureAwait(false);
        }
    }

    /// <summary>One local request: sent (in pieces if it must), answered with the reply (put back together if it came in pieces).</summary>
    private void Forward(Frame request, DuplexResponseWriter response)
    {
        long id = Interlocked.Increment(ref _lastRequest);
        string replyTo = string.Create(CultureInfo.InvariantCulture, $"{_replyPrefix}.{id}");
        var replies = new HandOffQueue<NatsMsg<NatsMemoryOwner<byte>>>();
        _pending[id] = replies;
        long deadline = Stopwatch.GetTimestamp() + (long)(_options.RequestTimeout.TotalSeconds * Stopwatch.Frequency);
        CancellationToken cancellationToken = response.CancellationToken;
        try
        {
            var plan = ChunkPlan.For(CurrentMaxPayload(), maxChunkSize: null);
            ReadOnlyMemory<byte> bytes = request.Memory; // the request stays held in the ring until the handler returns: published from there
            ChunkHeader first = plan.Chunk(request.Size, 0);
            Wait(_connection.PublishAsync(_subject, plan.Slice(bytes, first), DuplexWire.Request(response.Sequence, first), replyTo,
                serializer: NatsRawSerializer<ReadOnlyMemory<byte>>.Default, cancellationToken: cancellationToken));
            if (first.IsChunked)
            {
                string upload = ReadGoAhead(NextReply(replies, deadline, cancellationToken));
                for (int index = 1; index < first.Count; index++)
                {
                    ChunkHeader piece = plan.Chunk(request.Size, index);
                    Wait(_connection.PublishAsync(upload, plan.Slice(bytes, piece), DuplexWire.Piece(piece),
                        serializer: NatsRawSerializer<ReadOnlyMemory<byte>>.Default, cancellationToken: cancellationToken));
                }
            }

            Answer(replies, response, deadline, cancellationToken);
        }
        finally
        {
            _pending.TryRemove(id, out _);
            replies.Complete();
            while (replies.TryTakeLeft(out NatsMsg<NatsMemoryOwner<byte>> late))
            {
                late.Data.Dispose();
            }

            replies.Dispose();
        }
    }

    /// <summary>Writes the response that comes to the request's reply subject: one message, or its pieces once all came.</summary>
    private void Answer(HandOffQueue<NatsMsg<NatsMemoryOwner<byte>>> replies, DuplexResponseWriter response, long deadline, CancellationToken cancellationToken)
    {
        NatsMsg<NatsMemoryOwner<byte>> reply = NextReply(replies, deadline, cancellationToken);
        ChunkAssembly? assembly = null;
        try
        {
            using (NatsMemoryOwner<byte> data = reply.Data)
            {
                ThrowIfNotAResponse(reply, data);
                ChunkHeader first = ReadPiece(reply, data);
                if (!first.IsChunked)
                {
                    response.Write(data.Span);
                    return;
                }

                if (!ChunkAssembly.TryStart(first, _options.MaxMessageBytes, out assembly, out string? problem))
                {
                    throw new FrameTooLargeException(_channelName, $"The response of {first.Length} bytes cannot be taken: {problem}.");
                }

                AddPiece(assembly!, reply, first, data);
            }

            while (!assembly!.IsComplete)
            {
                if (!replies.TryTake(Remaining(deadline), cancellationToken, out NatsMsg<NatsMemoryOwner<byte>> next))
                {
                    if (Remaining(deadline) <= TimeSpan.Zero)
                    {
                        throw new NatsIncompleteMessageException(_channelName, "response", assembly.Length, assembly.Received, assembly.Count, _options.RequestTimeout);
                    }

                    continue; // woke before the deadline without a piece
                }

                using NatsMemoryOwner<byte> data = next.Data;
                ThrowIfNotAResponse(next, data);
                AddPiece(assembly, next, ReadPiece(next, data), data);
            }

            response.Write(assembly.Memory.Span);
        }
        finally
        {
            assembly?.Dispose();
        }
    }

    private void AddPiece(ChunkAssembly assembly, NatsMsg<NatsMemoryOwner<byte>> message, ChunkHeader piece, NatsMemoryOwner<byte> data)
    {
        if (!assembly.TryAdd(piece, data.Span, out string? problem))
        {
            throw new NatsBridgeException(_channelName, $"A piece of the response on '{message.Subject}' does not belong to it: {problem}.");
        }
    }

    /// <summary>The upload subject of the server bridge's go-ahead for a request in pieces.</summary>
    private string ReadGoAhead(NatsMsg<NatsMemoryOwner<byte>> reply)
    {
        using NatsMemoryOwner<byte> data = reply.Data;
        ThrowIfNotAResponse(reply, data);
        return reply.Headers?.TryGetLastValue(DuplexWire.Upload, out string? upload) == true && !string.IsNullOrEmpty(upload)
            ? upload
            : throw new NatsBridgeException(_channelName, $"The server bridge on '{_subject}' answered the first piece of a request without a {DuplexWire.Upload} header.");
    }

    /// <summary>Throws what a reply says went wrong: nobody subscribed, the other side's error, another wire version.</summary>
    private void ThrowIfNotAResponse(NatsMsg<NatsMemoryOwner<byte>> reply, NatsMemoryOwner<byte> data)
    {
        if (reply.HasNoResponders)
        {
            throw new BufferNotFoundException(_channelName, $"No duplex server bridge answers on '{_subject}' (is NatsDuplexServerBridge running on the other host?).");
        }

        if (reply.Headers?.TryGetLastValue(DuplexWire.Error, out string? _) == true)
        {
            (string type, string message) = DuplexWire.DecodeError(data.Span);
            throw new NatsRemoteDuplexException(_channelName, type, message);
        }

        if (!DuplexWire.HasCurrentVersion(reply.Headers, out string? problem))
        {
            throw new NatsBridgeException(_channelName, $"The server bridge on '{_subject}' answered in another wire: {problem}.");
        }
    }

    private ChunkHeader ReadPiece(NatsMsg<NatsMemoryOwner<byte>> reply, NatsMemoryOwner<byte> data) =>
        DuplexWire.TryReadPiece(reply.Headers, data.Length, out ChunkHeader piece, out string? problem)
            ? piece
            : throw new NatsBridgeException(_channelName, $"A malformed response on '{reply.Subject}': {problem}.");

    /// <summary>The next reply to a request; a <see cref="TimeoutException"/> when none comes before the deadline.</summary>
    private NatsMsg<NatsMemoryOwner<byte>> NextReply(HandOffQueue<NatsMsg<NatsMemoryOwner<byte>>> replies, long deadline, CancellationToken cancellationToken)
    {
        while (true)
        {
            TimeSpan remaining = Remaining(deadline);
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException($"No answer on '{_subject}' within {_options.RequestTimeout.TotalMilliseconds:0} ms.");
            }

            if (replies.TryTake(remaining, cancellationToken, out NatsMsg<NatsMemoryOwner<byte>> reply))
            {
                return reply;
            }
        }
    }

    /// <summary>Hands each message of the reply inbox to the request it answers (its subject's last token); a late one is dropped.</summary>
    private async Task RouteRepliesAsync(INatsSub<NatsMemoryOwner<byte>> replies)
    {
        try
        {
            await foreach (NatsMsg<NatsMemoryOwner<byte>> reply in replies.Msgs.ReadAllAsync().ConfigureAwait(false))
            {
                int dot = reply.Subject.LastIndexOf('.');
                if (!long.TryParse(reply.Subject.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out long id)
                    || !_pending.TryGetValue(id, out HandOffQueue<NatsMsg<NatsMemoryOwner<byte>>>? queue) || !queue.TryAdd(reply))
                {
                    reply.Data.Dispose(); // its request is over (answered, failed or timed out)
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private static TimeSpan Remaining(long deadline) =>
        TimeSpan.FromSeconds(Math.Max(0, deadline - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);

    /// <summary>Waits for a publish from the handler's thread (it completes at once while the client's buffer has room).</summary>
    private static void Wait(ValueTask publish)
    {
        if (!publish.IsCompletedSuccessfully)
        {
            publish.AsTask().GetAwaiter().GetResult();
        }
    }

    private long CurrentMaxPayload() => _connection.ServerInfo?.MaxPayload is int maxPayload and > 0 ? maxPayload : _maxPayload;
}
