using Microsoft.Extensions.Logging;

namespace ZeroBuffer.Extensions.Hosting.Internal;

/// <summary>
/// Every log message of the hosted endpoints, source-generated. Information for lifecycle and
/// peers coming and going, Warning for a crashed peer and lost frames, Error for handler
/// failures, Critical for what stops the host. Nothing per frame.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(101, LogLevel.Information, "Hosted reader '{Name}' created buffer '{BufferName}'")]
    internal static partial void ReaderStarted(ILogger logger, string name, string bufferName);

    [LoggerMessage(102, LogLevel.Information, "Hosted reader '{Name}': the writer closed the stream after its last frame ({Frames} frames handled so far)")]
    internal static partial void WriterClosed(ILogger logger, string name, long frames);

    [LoggerMessage(103, LogLevel.Warning, "Hosted reader '{Name}': {Reason} ({Frames} frames handled so far)")]
    internal static partial void WriterDied(ILogger logger, string name, string reason, long frames);

    [LoggerMessage(104, LogLevel.Warning, "Hosted reader '{Name}': frames are missing (expected sequence {Expected}, got {Actual}); reading on")]
    internal static partial void FramesMissing(ILogger logger, string name, ulong expected, ulong actual);

    [LoggerMessage(105, LogLevel.Error, "Hosted reader '{Name}': the frame handler failed on frame {Sequence}")]
    internal static partial void HandlerFailed(ILogger logger, string name, ulong sequence, Exception error);

    [LoggerMessage(106, LogLevel.Information, "Hosted reader '{Name}' stopped after {Frames} frames")]
    internal static partial void ReaderStopped(ILogger logger, string name, long frames);

    [LoggerMessage(111, LogLevel.Information, "Hosted writer '{Name}' is waiting for the reader of buffer '{BufferName}'")]
    internal static partial void WriterWaiting(ILogger logger, string name, string bufferName);

    [LoggerMessage(112, LogLevel.Information, "Hosted writer '{Name}' connected to buffer '{BufferName}' (reader PID {ReaderPid})")]
    internal static partial void WriterConnected(ILogger logger, string name, string bufferName, ulong readerPid);

    [LoggerMessage(113, LogLevel.Information, "Hosted writer '{Name}': the reader closed the buffer")]
    internal static partial void ReaderClosed(ILogger logger, string name);

    [LoggerMessage(114, LogLevel.Warning, "Hosted writer '{Name}': the reader (PID {ReaderPid}) died")]
    internal static partial void ReaderDied(ILogger logger, string name, ulong readerPid);

    [LoggerMessage(121, LogLevel.Information, "Hosted duplex server '{Name}' serves channel '{Channel}' ({Mode})")]
    internal static partial void DuplexStarted(ILogger logger, string name, string channel, string mode);

    [LoggerMessage(122, LogLevel.Information, "Hosted duplex server '{Name}' stopped")]
    internal static partial void DuplexStopped(ILogger logger, string name);

    [LoggerMessage(131, LogLevel.Critical, "Hosted endpoint '{Name}' failed; stopping the host")]
    internal static partial void EndpointFailed(ILogger logger, string name, Exception error);

    [LoggerMessage(132, LogLevel.Warning, "Hosted endpoint '{Name}': {Reason}; stopping the host as configured")]
    internal static partial void StoppingHost(ILogger logger, string name, string reason);

    [LoggerMessage(133, LogLevel.Warning, "Hosted endpoint '{Name}' did not stop within the host's shutdown timeout; disposing it anyway")]
    internal static partial void StopTimedOut(ILogger logger, string name);
}
