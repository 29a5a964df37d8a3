using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;
using ZeroBuffer;
using ZeroBuffer.Extensions.Hosting;

namespace HostedFrameService;

/// <summary>The consumer's frame handler: counts frames and bytes and logs the rates once a second.</summary>
internal sealed partial class FrameRateLogger(ILogger<FrameRateLogger> logger) : IFrameHandler
{
    private long _windowStart = Stopwatch.GetTimestamp();
    private long _frames;
    private long _bytes;

    public ValueTask HandleAsync(Frame frame, ReaderContext context, CancellationToken cancellationToken)
    {
        // frame.Span is the writer's bytes in shared memory: a real service would process them here.
        _frames++;
        _bytes += frame.Size;
        TimeSpan elapsed = Stopwatch.GetElapsedTime(_windowStart);
        if (elapsed >= TimeSpan.FromSeconds(1))
        {
            LogRate(logger, context.Name, _frames / elapsed.TotalSeconds, _bytes / elapsed.TotalSeconds / 1e6, frame.Sequence,
                Encoding.UTF8.GetString(context.Metadata.Span));
            (_windowStart, _frames, _bytes) = (Stopwatch.GetTimestamp(), 0, 0);
        }

        return ValueTask.CompletedTask;
    }

    [LoggerMessage(LogLevel.Information, "{Name}: {Fps:0.0} frames/s, {MegabytesPerSecond:0.0} MB/s (frame {Sequence}, {Metadata})")]
    private static partial void LogRate(ILogger logger, string name, double fps, double megabytesPerSecond, ulong sequence, string metadata);
}
