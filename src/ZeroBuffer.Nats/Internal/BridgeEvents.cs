using Microsoft.Extensions.Logging;

namespace ZeroBuffer.Nats.Internal;

/// <summary>
/// How a bridge raises its events: logged first, then handed to the subscribers, whose
/// exceptions are logged and never reach the bridge's loop.
/// </summary>
internal sealed class BridgeEvents(object sender, ILogger logger, string bufferName)
{
    internal void Raise<T>(EventHandler<T>? handler, T args)
    {
#pragma warning disable CA1031 // A subscriber's exception must not stop the bridge; it is logged.
        try
        {
            handler?.Invoke(sender, args);
        }
        catch (Exception error)
        {
            Log.Problem(logger, bufferName, "an event handler threw", error);
        }
#pragma warning restore CA1031
    }

    /// <summary>A problem the bridge rides out: logged as a warning and raised.</summary>
    internal void Problem(EventHandler<NatsBridgeErrorEventArgs>? handler, string what, Exception? error)
    {
        Log.Problem(logger, bufferName, what, error);
        Raise(handler, new NatsBridgeErrorEventArgs(what, error));
    }

    internal void ConnectionChanged(EventHandler<NatsBridgeConnectionEventArgs>? handler, NatsBridgeConnectionEventArgs change)
    {
        if (change.IsConnected)
        {
            Log.Connected(logger, bufferName, change.Message);
        }
        else
        {
            Log.Disconnected(logger, bufferName, change.Message);
        }

        Raise(handler, change);
    }
}
