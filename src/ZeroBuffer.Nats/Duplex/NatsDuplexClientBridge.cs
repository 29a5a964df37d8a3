using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using ZeroBuffer.Duplex;
using ZeroBuffer.Nats.Internal;
using ZeroBuffer.Nats.Wire;

namespace ZeroBuffer.Nats.Duplex;

/// <summary>
/// The client side of a duplex channel over NATS, on the host where the clients are: a local
/// duplex server of channel <c>C</c> whose handler sends each request as a NATS request to
/// <c>P.request</c> and answers with the reply. Local clients use it as any duplex server:
/// responses are correlated, and a failure on the other host (its handler threw, it did not answer
/// within <see cref="NatsDuplexOptions.RequestTimeout"/>, nobody serves the prefix) fails that
/// request at once with a <see cref="DuplexHandlerException"/> saying why.
/// </summary>
/// <remarks>
/// Handlers run in <see cref="ProcessingMode.ThreadPool"/> mode, up to
/// <see cref="NatsDuplexOptions.MaxConcurrency"/> at once, each waiting on a pool thread for its
/// reply. A request and its response each travel as one NATS message: at most the server's
/// <c>max_payload</c> less 1 KiB.
/// </remarks>
public sealed class NatsDuplexClientBridge : IAsyncDisposable
{
    private readonly INatsConnection _connection;
    private readonly string _channelName;
    private readonly BufferConfig _requestConfig;
    private readonly NatsDuplexOptions _options;
    private readonly ILoggerFactory? _loggerFactory;
    private readonly string _subject;
    private IImmutableDuplexServer? _server;
    private long _maxPayload;

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

    /// <summary>Connects to NATS, then starts the local server (it creates <c>C_request</c>).</summary>
    /// <exception cref="NatsServerUnavailableException">No NATS server could be reached.</exception>
    /// <exception cref="ReaderAlreadyConnectedException">Another server serves the local channel.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        _maxPayload = await ServerAccess.ConnectAsync(_connection, _channelName, cancellationToken).ConfigureAwait(false);
        _server = new DuplexChannelFactory(_loggerFactory).CreateImmutableServer(_channelName, _requestConfig,
            new DuplexServerOptions { Mode = ProcessingMode.ThreadPool, MaxConcurrency = _options.MaxConcurrency });
        _server.Start(Forward);
    }

    /// <summary>Stops the local server (its clients see it stop, as with any server).</summary>
    public ValueTask DisposeAsync()
    {
        _server?.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Forward(Frame request, DuplexResponseWriter response)
    {
        long room = _maxPayload - ChunkPlan.HeaderReserve;
        if (request.Size > room)
        {
            throw new FrameTooLargeException(_channelName, $"The request of {request.Size} bytes is larger than a NATS message can carry ({room} bytes).");
        }

        NatsMsg<NatsMemoryOwner<byte>> reply;
        try
        {
            // The request frame stays held until the reply came: the client copies it while connected, or once reconnected.
            reply = _connection.RequestAsync<ReadOnlyMemory<byte>, NatsMemoryOwner<byte>>(_subject, request.Memory, DuplexWire.Request(response.Sequence),
                    requestSerializer: NatsRawSerializer<ReadOnlyMemory<byte>>.Default, replySerializer: NatsRawSerializer<NatsMemoryOwner<byte>>.Default,
                    replyOpts: new NatsSubOpts { Timeout = _options.RequestTimeout }, cancellationToken: response.CancellationToken)
                .AsTask().GetAwaiter().GetResult();
        }
        catch (NatsNoRespondersException nobody)
        {
            throw NoServer(nobody);
        }
        catch (NatsNoReplyException silent)
        {
            throw new TimeoutException($"No answer on '{_subject}' within {_options.RequestTimeout.TotalMilliseconds:0} ms.", silent);
        }

        using NatsMemoryOwner<byte> data = reply.Data;
        if (reply.HasNoResponders)
        {
            throw NoServer(null);
        }

        if (reply.Headers?.TryGetLastValue(DuplexWire.Error, out string? _) == true)
        {
            (string type, string message) = DuplexWire.DecodeError(data.Span);
            throw new NatsRemoteDuplexException(_channelName, type, message);
        }

        response.Write(data.Span);
    }

    private BufferNotFoundException NoServer(Exception? cause) =>
        new(_channelName, $"No duplex server bridge answers on '{_subject}' (is NatsDuplexServerBridge running on the other host?).", cause);
}
