using Microsoft.Extensions.Logging;

namespace ZeroBuffer.Topics;

/// <summary>Log messages of topics (source-generated; nothing per frame).</summary>
internal static partial class TopicLog
{
    [LoggerMessage(201, LogLevel.Information, "Topic '{Topic}': subscriber '{Buffer}' joined ({Policy})")]
    internal static partial void Joined(ILogger logger, string topic, string buffer, DeliveryPolicy policy);

    [LoggerMessage(202, LogLevel.Information, "Topic '{Topic}': subscriber '{Buffer}' left after {Delivered} frames ({Dropped} dropped): {Reason}")]
    internal static partial void Left(ILogger logger, string topic, string buffer, ulong delivered, ulong dropped, string reason);

    [LoggerMessage(203, LogLevel.Debug, "Topic '{Topic}': subscriber buffer '{Buffer}' not connected yet: {Reason}")]
    internal static partial void NotConnected(ILogger logger, string topic, string buffer, string reason);

    [LoggerMessage(204, LogLevel.Warning, "Topic '{Topic}': looking for subscribers failed")]
    internal static partial void DiscoveryFailed(ILogger logger, string topic, Exception error);

    [LoggerMessage(205, LogLevel.Warning, "Topic '{Topic}': a frame of {Size} B can never fit the ring of subscriber '{Buffer}'; it misses such frames")]
    internal static partial void FrameNeverFits(ILogger logger, string topic, string buffer, int size);

    [LoggerMessage(208, LogLevel.Warning, "Topic '{Topic}': the metadata ({Size} B) does not fit the metadata block of subscriber '{Buffer}', which gets frames without it: {Reason}")]
    internal static partial void MetadataDoesNotFit(ILogger logger, string topic, string buffer, int size, string reason);

    [LoggerMessage(207, LogLevel.Warning, "Removed the lock file of topic '{Topic}': its publisher is gone")]
    internal static partial void RemovedAbandonedLock(ILogger logger, string topic);

    [LoggerMessage(206, LogLevel.Warning, "Topic '{Topic}': a SubscriberJoined or SubscriberLeft handler threw")]
    internal static partial void HandlerFailed(ILogger logger, string topic, Exception error);
}
