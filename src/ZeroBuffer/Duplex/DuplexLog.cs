using Microsoft.Extensions.Logging;

namespace ZeroBuffer.Duplex;

/// <summary>Log messages of the duplex layer (source-generated; per request only failures).</summary>
internal static partial class DuplexLog
{
    [LoggerMessage(101, LogLevel.Information, "Duplex channel '{Channel}' session {Session}: the client left")]
    internal static partial void ClientLeft(ILogger logger, string channel, int session);

    [LoggerMessage(102, LogLevel.Information, "Duplex channel '{Channel}' session {Session}: ended")]
    internal static partial void SessionEnded(ILogger logger, string channel, int session);

    [LoggerMessage(103, LogLevel.Warning, "Duplex channel '{Channel}' session {Session}: error (request {Sequence})")]
    internal static partial void ServerError(ILogger logger, string channel, int session, ulong sequence, Exception error);

    [LoggerMessage(104, LogLevel.Warning, "Duplex channel '{Channel}': an OnError subscriber threw")]
    internal static partial void SubscriberFailed(ILogger logger, string channel, Exception error);

    [LoggerMessage(105, LogLevel.Information, "Duplex channel '{Channel}': session {Session} opened ({RequestBuffer}) for the next client")]
    internal static partial void SessionOpened(ILogger logger, string channel, int session, string requestBuffer);

    [LoggerMessage(106, LogLevel.Warning, "Duplex channel '{Channel}': the error response to request {Sequence} was not sent: {Reason}")]
    internal static partial void ErrorResponseDropped(ILogger logger, string channel, ulong sequence, string reason);
}
