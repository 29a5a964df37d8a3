using NATS.Client.Core;
using ZeroBuffer.Nats.Diagnostics;

namespace ZeroBuffer.Nats.Internal;

/// <summary>
/// Follows a connection's disconnect and reconnect events for one bridge (the client itself
/// reconnects, with back-off), counts disconnects and hands each change on.
/// </summary>
internal sealed class ConnectionWatcher : IDisposable
{
    private readonly INatsConnection _connection;
    private readonly BridgeCounters _counters;
    private readonly Action<NatsBridgeConnectionEventArgs> _changed;

    internal ConnectionWatcher(INatsConnection connection, BridgeCounters counters, Action<NatsBridgeConnectionEventArgs> changed)
    {
        _connection = connection;
        _counters = counters;
        _changed = changed;
        _connection.ConnectionDisconnected += OnDisconnected;
        _connection.ConnectionOpened += OnOpened;
    }

    public void Dispose()
    {
        _connection.ConnectionDisconnected -= OnDisconnected;
        _connection.ConnectionOpened -= OnOpened;
    }

    private ValueTask OnDisconnected(object? sender, NatsEventArgs args)
    {
        _counters.Disconnect();
        _changed(new NatsBridgeConnectionEventArgs(false, args.Message));
        return ValueTask.CompletedTask;
    }

    private ValueTask OnOpened(object? sender, NatsEventArgs args)
    {
        _changed(new NatsBridgeConnectionEventArgs(true, args.Message));
        return ValueTask.CompletedTask;
    }
}
