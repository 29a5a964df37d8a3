using Microsoft.Extensions.Logging;

namespace ZeroBuffer.Nats.Internal;

/// <summary>The bridge's log messages (nothing is logged per frame).</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Exporter of buffer '{Buffer}' started: session {Session}, subject prefix '{Subject}', {Mode} mode, chunks of {ChunkSize} bytes")]
    internal static partial void ExporterStarted(ILogger logger, string buffer, string session, string subject, BridgeMode mode, int chunkSize);

    [LoggerMessage(2, LogLevel.Information, "Exporter of buffer '{Buffer}' stopped after {Frames} frames (last sequence {Last})")]
    internal static partial void ExporterStopped(ILogger logger, string buffer, long frames, ulong last);

    [LoggerMessage(3, LogLevel.Information, "Importer of buffer '{Buffer}' started: subject prefix '{Subject}', {Mode} mode")]
    internal static partial void ImporterStarted(ILogger logger, string buffer, string subject, BridgeMode mode);

    [LoggerMessage(4, LogLevel.Information, "Importer of buffer '{Buffer}' stopped after {Frames} frames")]
    internal static partial void ImporterStopped(ILogger logger, string buffer, long frames);

    [LoggerMessage(5, LogLevel.Warning, "NATS bridge of buffer '{Buffer}': {Gap}")]
    internal static partial void Gap(ILogger logger, string buffer, NatsGapEventArgs gap);

    [LoggerMessage(6, LogLevel.Warning, "NATS bridge of buffer '{Buffer}' lost its connection: {Message}")]
    internal static partial void Disconnected(ILogger logger, string buffer, string message);

    [LoggerMessage(7, LogLevel.Information, "NATS bridge of buffer '{Buffer}' is connected: {Message}")]
    internal static partial void Connected(ILogger logger, string buffer, string message);

    [LoggerMessage(8, LogLevel.Warning, "NATS bridge of buffer '{Buffer}': {What}")]
    internal static partial void Problem(ILogger logger, string buffer, string what, Exception? exception);

    [LoggerMessage(9, LogLevel.Information, "Importer of buffer '{Buffer}': the exporter's stream ended ({Reason}, last sequence {Last} of session {Session})")]
    internal static partial void StreamEnded(ILogger logger, string buffer, EndReason reason, ulong last, string session);

    [LoggerMessage(10, LogLevel.Warning, "Importer of buffer '{Buffer}' is dropping messages: its queue holds {Budget} bytes already (the local ring is full, or a burst came); the frames will be reported as lost")]
    internal static partial void SlowConsumer(ILogger logger, string buffer, long budget);

    [LoggerMessage(11, LogLevel.Warning, "Importer of buffer '{Buffer}': stream sequence {Next} never came within {Patience} ms; going on from {Resumed} (frames missing are reported by sequence)")]
    internal static partial void HoleGivenUp(ILogger logger, string buffer, ulong next, long patience, ulong resumed);
}
