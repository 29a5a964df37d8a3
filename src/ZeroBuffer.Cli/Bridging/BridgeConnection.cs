using System.Security.Authentication;
using NATS.Client.Core;
using ZeroBuffer.Cli.Events;

namespace ZeroBuffer.Cli.Bridging;

/// <summary>
/// The NATS connection of a bridge command, and everything it reports of it: the first
/// connection made with the command's own capped back-off (a <c>connecting</c> event per failed
/// attempt, with the next delay), then NATS.Net's own reconnections (<c>disconnected</c>,
/// <c>reconnecting</c> per failed attempt, <c>connected</c>). A refusal of the credentials or of
/// TLS is <see cref="NatsNotAuthorizedException"/> (exit 7), never retried.
/// </summary>
internal sealed class BridgeConnection : IAsyncDisposable
{
    private static readonly TimeSpan FirstOpenedEventWait = TimeSpan.FromSeconds(5);

    private readonly NatsConnectionSettings _settings;
    private readonly Output _output;
    private readonly TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _reconnectFailures; // since the connection was last open
    private string? _lastServerNotice; // what the server said last (an -ERR, lame duck mode): the reason of the next disconnection
    private int _disconnects;

    private BridgeConnection(NatsConnection connection, NatsConnectionSettings settings, Output output)
    {
        Connection = connection;
        _settings = settings;
        _output = output;
        connection.ConnectionOpened += OnOpened;
        connection.ConnectionDisconnected += OnDisconnected;
        connection.ReconnectFailed += OnReconnectFailed;
        connection.ServerError += OnServerError;
        connection.LameDuckModeActivated += OnLameDuckMode;
    }

    /// <summary>The client connection the bridge uses.</summary>
    internal NatsConnection Connection { get; }

    /// <summary>The server URLs as they may be shown (password and token masked).</summary>
    internal string DisplayUrl => _settings.DisplayUrl;

    /// <summary>Times the connection was lost after it first opened.</summary>
    internal int Disconnects => Volatile.Read(ref _disconnects);

    /// <summary>
    /// Whether NATS.Net gave up reconnecting for good: with unlimited attempts that happens only
    /// when the server refused the credentials twice in a row (they were revoked or expired).
    /// </summary>
    internal bool GaveUp => Connection.ConnectionState == NatsConnectionState.Failed;

    /// <summary>A connection (not connected yet) for <paramref name="settings"/>.</summary>
    /// <param name="settings">The URLs, credentials, TLS files and back-off.</param>
    /// <param name="clientName">The name the server shows for the connection.</param>
    /// <param name="output">Where the connection's events go.</param>
    /// <exception cref="UsageException">NATS.Net refuses the URL.</exception>
    internal static BridgeConnection Create(NatsConnectionSettings settings, string clientName, Output output)
    {
        NatsConnection connection;
        try
        {
            connection = new NatsConnection(settings.ToNatsOpts(clientName)); // parses the URLs
        }
        catch (Exception error) when (error is UriFormatException or ArgumentException)
        {
            throw new UsageException($"--nats: '{settings.DisplayUrl}' is not a NATS server URL: {error.Message}", error);
        }

        return new BridgeConnection(connection, settings, output);
    }

    /// <summary>
    /// Connects, trying again while no server answers (each failure reported with the delay before
    /// the next attempt) until one does or <paramref name="cancellationToken"/> stops it.
    /// </summary>
    /// <exception cref="NatsNotAuthorizedException">The server refused the credentials, or TLS failed.</exception>
    /// <exception cref="OperationCanceledException">Stopped before a server answered.</exception>
    internal async Task ConnectAsync(CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await Connection.ConnectAsync().AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (NatsException failed)
            {
                if (Refusal(failed) is string refusal)
                {
                    throw new NatsNotAuthorizedException($"The NATS server at {_settings.DisplayUrl} refused this client: {refusal}", failed);
                }

                TimeSpan delay = _settings.Backoff.Next(attempt);
                _output.Emit(new ConnectingEvent(_settings.DisplayUrl, attempt, Reason(failed), (long)delay.TotalMilliseconds));
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }

        // The client says which server it reached in its opened event, raised around the end of ConnectAsync:
        // wait for it (briefly), so "connected" comes before whatever the command reports next.
        try
        {
            await _opened.Task.WaitAsync(FirstOpenedEventWait, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _output.Emit(new ConnectedEvent(_settings.DisplayUrl, Connection.ServerInfo?.Name));
        }
    }

    public async ValueTask DisposeAsync()
    {
        Connection.ConnectionOpened -= OnOpened;
        Connection.ConnectionDisconnected -= OnDisconnected;
        Connection.ReconnectFailed -= OnReconnectFailed;
        Connection.ServerError -= OnServerError;
        Connection.LameDuckModeActivated -= OnLameDuckMode;
        await Connection.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Why the server refused this client for good, or null when trying again may work (nothing listens yet, a network error).</summary>
    private static string? Refusal(Exception failed)
    {
        for (Exception? cause = failed; cause is not null; cause = cause.InnerException)
        {
            switch (cause)
            {
                case NatsServerException { IsAuthError: true } server:
                    return $"{server.Error} (check --creds, --user/--password, --token or the URL's user:password@)";
                case AuthenticationException tls:
                    return $"TLS failed: {tls.Message} (check --tls-ca, --tls-cert/--tls-key and the server's certificate)";
                case NatsConnectionFailedException gaveUp:
                    return gaveUp.Message; // the client stops after the same authentication error twice
            }
        }

        return null;
    }

    /// <summary>The innermost message: the one that says what happened (the outer ones say "can not connect").</summary>
    private static string Reason(Exception failed)
    {
        Exception innermost = failed;
        while (innermost.InnerException is not null)
        {
            innermost = innermost.InnerException;
        }

        return innermost == failed ? failed.Message : $"{failed.Message}: {innermost.Message}";
    }

    private ValueTask OnOpened(object? sender, NatsEventArgs args)
    {
        Volatile.Write(ref _reconnectFailures, 0);
        _output.Emit(new ConnectedEvent(args.Message, Connection.ServerInfo?.Name));
        _opened.TrySetResult();
        return ValueTask.CompletedTask;
    }

    private ValueTask OnDisconnected(object? sender, NatsEventArgs args)
    {
        Interlocked.Increment(ref _disconnects);
        string? notice = Interlocked.Exchange(ref _lastServerNotice, null);
        _output.Emit(new DisconnectedEvent(args.Message, notice ?? "the connection to the server was lost (the server went away, or the network)"));
        return ValueTask.CompletedTask;
    }

    private ValueTask OnServerError(object? sender, NatsServerErrorEventArgs args)
    {
        Volatile.Write(ref _lastServerNotice, $"the server said: {args.Error}");
        return ValueTask.CompletedTask;
    }

    private ValueTask OnLameDuckMode(object? sender, NatsLameDuckModeActivatedEventArgs args)
    {
        Volatile.Write(ref _lastServerNotice, $"the server at {args.Uri} is shutting down (lame duck mode)");
        return ValueTask.CompletedTask;
    }

    private ValueTask OnReconnectFailed(object? sender, NatsEventArgs args)
    {
        int failures = Interlocked.Increment(ref _reconnectFailures);
        _output.Emit(new ReconnectingEvent(args.Message, failures, (long)_settings.Backoff.Nominal(failures).TotalMilliseconds));
        return ValueTask.CompletedTask;
    }
}
