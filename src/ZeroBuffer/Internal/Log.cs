using Microsoft.Extensions.Logging;

namespace ZeroBuffer;

/// <summary>
/// Every log message of the library, source-generated (no allocation when disabled). Policy:
/// Warning for recovered stale resources, Information for lifecycle, Debug for errors reported
/// to the caller, nothing per frame.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Reader created buffer '{Name}' (metadata {MetadataSize} B, ring {PayloadSize} B)")]
    internal static partial void ReaderCreated(ILogger logger, string name, long metadataSize, long payloadSize);

    [LoggerMessage(2, LogLevel.Information, "Reader closed buffer '{Name}'")]
    internal static partial void ReaderClosed(ILogger logger, string name);

    [LoggerMessage(3, LogLevel.Information, "Writer connected to buffer '{Name}' (ring {PayloadSize} B, reader PID {ReaderPid})")]
    internal static partial void WriterConnected(ILogger logger, string name, ulong payloadSize, ulong readerPid);

    [LoggerMessage(4, LogLevel.Information, "Writer disconnected from buffer '{Name}' after {Frames} frames")]
    internal static partial void WriterDisconnected(ILogger logger, string name, ulong frames);

    [LoggerMessage(5, LogLevel.Warning, "Removed stale buffer '{Name}' (reader PID {ReaderPid}, writer PID {WriterPid} not alive)")]
    internal static partial void RemovedStaleBuffer(ILogger logger, string name, ulong readerPid, ulong writerPid);

    [LoggerMessage(6, LogLevel.Warning, "Removed orphaned semaphore '{Semaphore}' of buffer '{Name}'")]
    internal static partial void RemovedOrphanSemaphore(ILogger logger, string name, string semaphore);

    [LoggerMessage(7, LogLevel.Debug, "Stale sweep skipped buffer '{Name}': {Reason}")]
    internal static partial void SweepSkipped(ILogger logger, string name, string reason);

    [LoggerMessage(8, LogLevel.Debug, "Writer of buffer '{Name}' is gone (PID {WriterPid})")]
    internal static partial void WriterGone(ILogger logger, string name, ulong writerPid);

    [LoggerMessage(9, LogLevel.Debug, "Reader of buffer '{Name}' is gone (PID {ReaderPid})")]
    internal static partial void ReaderGone(ILogger logger, string name, ulong readerPid);

    [LoggerMessage(10, LogLevel.Debug, "Buffer '{Name}': {Message}")]
    internal static partial void ReportedError(ILogger logger, string name, string message);

    [LoggerMessage(11, LogLevel.Debug, "Buffer '{Name}': new writer connection detected, sequence restarts at 1")]
    internal static partial void WriterRestarted(ILogger logger, string name);

    [LoggerMessage(12, LogLevel.Warning, "Buffer '{Name}': finished the commit of a previous writer that died in the middle of it (written count now {Count})")]
    internal static partial void FinishedInterruptedCommit(ILogger logger, string name, ulong count);

    [LoggerMessage(13, LogLevel.Debug, "Writer of buffer '{Name}' closed the stream (generation {Generation})")]
    internal static partial void WriterClosedStream(ILogger logger, string name, uint generation);
}
