using Microsoft.Extensions.Logging;

namespace ZeroBuffer.Duplex;

/// <summary>Log messages of the duplex layer (source-generated; nothing per request above Debug).</summary>
internal static partial class DuplexLog
{
    [LoggerMessage(101, LogLevel.Information, "Duplex channel '{Channel}': the client left")]
    internal static partial void ClientLeft(ILogger logger, string channel);

    [LoggerMessage(102, LogLevel.Information, "Duplex channel '{Channel}': server session ended")]
    internal static partial void SessionEnded(ILogger logger, string channel);

    [LoggerMessage(103, LogLevel.Debug, "Duplex channel '{Channel}': error (request {Sequence})")]
    internal static partial void ServerError(ILogger logger, string channel, ulong sequence, Exception error);

    [LoggerMessage(104, LogLevel.Warning, "Duplex channel '{Channel}': an OnError subscriber threw")]
    internal static partial void SubscriberFailed(ILogger logger, string channel, Exception error);
}
