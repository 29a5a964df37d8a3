using System.Diagnostics;
using ZeroBuffer.Cli.Events;

namespace ZeroBuffer.Cli.Bridging;

/// <summary>
/// The <c>progress</c> events of <c>bridge export</c>/<c>import</c>: the totals, and the rates over
/// the interval since the previous event, from the counts and the clock (nothing estimated).
/// </summary>
internal sealed class ThroughputMeter
{
    private long _frames;
    private long _bytes;
    private long _since = Stopwatch.GetTimestamp();

    /// <summary>A tick for <see cref="RunningBridge.WaitAsync"/>: emits the <c>progress</c> event of the totals <paramref name="totals"/> reads, when frames passed.</summary>
    internal static Action Reporter(Output output, Func<(long Frames, long Bytes)> totals)
    {
        var meter = new ThroughputMeter();
        return () =>
        {
            (long frames, long bytes) = totals();
            if (meter.Sample(frames, bytes) is BridgeProgressEvent progress)
            {
                output.Emit(progress);
            }
        };
    }

    /// <summary>The event for the totals now, or null when no frame passed since the previous one (an idle bridge says nothing).</summary>
    internal BridgeProgressEvent? Sample(long frames, long bytes)
    {
        if (frames == _frames)
        {
            return null;
        }

        long now = Stopwatch.GetTimestamp();
        double seconds = Stopwatch.GetElapsedTime(_since, now).TotalSeconds;
        var progress = new BridgeProgressEvent(frames, bytes, Math.Round(seconds * 1000, 1),
            Math.Round((frames - _frames) / seconds, 2), Math.Round((bytes - _bytes) / seconds / 1_000_000, 3));
        (_frames, _bytes, _since) = (frames, bytes, now);
        return progress;
    }
}
