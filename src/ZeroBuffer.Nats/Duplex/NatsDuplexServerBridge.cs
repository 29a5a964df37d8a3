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
/// Requests are forwarded concurrently (up to <see cref="NatsDuplexOptions.MaxConcurrency"/>) and
/// correlated by the local client, so a server in <see cref="ProcessingMode.ThreadPool"/> mode
/// answers them in any order. A request and its response each travel as one NATS message: at most
/// the server's <c>max_payload</c> less 1 KiB (chunking them is not done yet).
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
    private INatsSub<NatsMemoryOwner<byte>>? _requests;
    private Task? _serving;
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

    /// <summary>Connects and subscribes to <c>P.request</c> in the queue group; the local server may start later.</summary>
    /// <exception cref="NatsServerUnavailableException">No NATS server could be reached.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        _maxPayload = await ServerAccess.ConnectAsync(_connection, _channelName, cancellationToken).ConfigureAwait(false);
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
        using NatsMemoryOwner<byte> data = request.Data;
        IDuplexClient? client = null;
        try
        {
            client = Client();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            timeout.CancelAfter(_options.RequestTimeout);
            using Frame response = await client.RequestAsync(data.Memory, timeout.Token).ConfigureAwait(false);
            long room = _maxPayload - ChunkPlan.HeaderReserve;
            if (response.Size > room)
            {
                await FailAsync(request, DuplexWire.TooLarge, typeof(FrameTooLargeException).FullName!,
                    $"The response of {response.Size} bytes is larger than a NATS message can carry here ({room} bytes).").ConfigureAwait(false);
                return;
            }

            // The lease stays held until the reply has been handed to the client (which copies it).
            await request.ReplyAsync(response.Memory, DuplexWire.Response(), serializer: NatsRawSerializer<ReadOnlyMemory<byte>>.Default).ConfigureAwait(false);
            Interlocked.Increment(ref _forwarded);
        }
        catch (DuplexHandlerException failed)
        {
            await FailAsync(request, DuplexWire.HandlerFailed, failed.RemoteType, failed.RemoteMessage).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            await FailAsync(request, DuplexWire.Unavailable, typeof(OperationCanceledException).FullName!, "The duplex server bridge stopped.").ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await FailAsync(request, DuplexWire.Unavailable, typeof(TimeoutException).FullName!,
                $"The local duplex server of channel '{_channelName}' did not answer within {_options.RequestTimeout.TotalMilliseconds:0} ms.").ConfigureAwait(false);
        }
        catch (ZeroBufferException unavailable)
        {
            if (unavailable is ReaderDeadException or WriterDeadException && client is not null)
            {
                DropClient(client); // the server went: the next request connects to the next one
            }

            await FailAsync(request, DuplexWire.Unavailable, unavailable.GetType().FullName!, unavailable.Message).ConfigureAwait(false);
        }
        catch (ObjectDisposedException gone)
        {
            await FailAsync(request, DuplexWire.Unavailable, gone.GetType().FullName!, gone.Message).ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
        }
    }

    private async Task FailAsync(NatsMsg<NatsMemoryOwner<byte>> request, string kind, string type, string message)
    {
        Interlocked.Increment(ref _failed);
#pragma warning disable CA1031 // The requester may be gone; its own timeout tells it.
        try
        {
            await request.ReplyAsync<ReadOnlyMemory<byte>>(DuplexWire.EncodeError(type, message), DuplexWire.ErrorHeaders(kind),
                serializer: NatsRawSerializer<ReadOnlyMemory<byte>>.Default).ConfigureAwait(false);
        }
        catch (Exception error)
        {
            Log.Problem(_logger, _channelName, "an error answer could not be sent", error);
        }
#pragma warning restore CA1031
    }

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
