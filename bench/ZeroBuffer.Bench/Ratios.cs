namespace ZeroBuffer.Bench;

/// <summary>
/// Puts every ZeroBuffer figure next to its baseline from the same run. Throughput rows: frames/s
/// over the Unix socket's at the same size (<c>unixSocket.framesPerSecond</c>), GB/s over
/// streaming memcpy (<c>memcpyStreaming.gigabytesPerSecond</c>). Latency rows: each percentile
/// over the same percentile of the semaphore ping-pong with the same pacing and rate
/// (<c>semaphore.p50</c> …; a paced row over the paced semaphore row of its rate, see
/// <see cref="PacedBaselines"/>), of the Unix-socket ping-pong with the same size, pacing and rate
/// (<c>unixSocket.p50</c> …) and of the busy-poll ping-pong (<c>busyPoll.p50</c> …). The duplex row also over the raw two-buffer
/// ping-pong of the same size and strategy (<c>rawPingPong.p50</c> …). Fan-out rows: the mean time
/// of one publish over n streaming copies of the frame (<c>memcpyStreaming.publishMicroseconds</c>,
/// see <see cref="FanOutBaseline"/>). A baseline that was not run gives null ratios.
/// </summary>
internal static class Ratios
{
    internal const string UnixSocket = "unixSocket";
    internal const string MemcpyStreaming = "memcpyStreaming";
    internal const string Semaphore = "semaphore";
    internal const string BusyPoll = "busyPoll";
    internal const string RawPingPong = "rawPingPong";

    internal static void Compute(IReadOnlyList<BenchResult> results)
    {
        NatsRatios.Compute(results);
        BenchResult? streaming = Find(results, r => r.Case.Kind == CaseKind.Bandwidth && r.Mode == "streaming");
        BenchResult? busyPoll = Find(results, r => r.Case.Transport == Transports.BusyPoll);
        foreach (BenchResult row in results)
        {
            if (row.Case.Transport is not (Transports.ZeroBuffer or Transports.Duplex or Transports.Topic) || row.Error is not null)
            {
                continue;
            }

            if (row.Case.Kind == CaseKind.FanOut && row.FanOut is not null)
            {
                row.Ratios[MemcpyStreaming] = new()
                {
                    ["publishMicroseconds"] = Divide(row.FanOut.MeanMicroseconds, FanOutBaseline(row, streaming?.GigabytesPerSecond)),
                };
            }
            else if (row.Case.Kind == CaseKind.Throughput)
            {
                BenchResult? socket = Find(results, r =>
                    r.Case.Kind == CaseKind.Throughput && r.Case.Transport == Transports.UnixSocket && r.FrameSize == row.FrameSize);
                row.Ratios[UnixSocket] = new() { ["framesPerSecond"] = Divide(row.FramesPerSecond, socket?.FramesPerSecond) };
                row.Ratios[MemcpyStreaming] = new() { ["gigabytesPerSecond"] = Divide(row.GigabytesPerSecond, streaming?.GigabytesPerSecond) };
            }
            else if (row.Case.Kind == CaseKind.Latency && row.Latency is not null)
            {
                row.Ratios[Semaphore] = PerPercentile(row.Latency, PacedBaselines.Semaphore(results, row)?.Latency);
                row.Ratios[BusyPoll] = PerPercentile(row.Latency, busyPoll?.Latency);
                row.Ratios[UnixSocket] = PerPercentile(row.Latency, PacedBaselines.UnixSocket(results, row)?.Latency);
                if (row.Case.Transport == Transports.Duplex)
                {
                    string rawId = DuplexRoundTrip.RawRowId(row.Case.Strategy ?? StrategyNames.Default);
                    row.Ratios[RawPingPong] = PerPercentile(row.Latency, Find(results, r => r.Id == rawId)?.Latency);
                }
            }
        }
    }

    /// <summary>
    /// What n streaming copies of a fan-out row's frame take, µs: the publisher fills the frame
    /// once and copies it once into each further subscriber's ring, n frame-sized passes over
    /// memory, against one streaming memcpy of the frame per subscriber. At 64 B the per-frame
    /// work dominates and the ratio is large; it is reported anyway.
    /// </summary>
    internal static double? FanOutBaseline(BenchResult row, double? streamingGigabytesPerSecond) =>
        streamingGigabytesPerSecond is double g && g > 0 && row.FanOut is { } f ? f.Subscribers * row.FrameSize / (g * 1e9) * 1e6 : null;

    private static Dictionary<string, double?> PerPercentile(LatencyFigures figures, LatencyFigures? baseline)
    {
        var ratios = new Dictionary<string, double?>();
        for (int i = 0; i < LatencyFigures.Names.Length; i++)
        {
            ratios[LatencyFigures.Names[i]] = Divide(figures[i], baseline?[i]);
        }

        return ratios;
    }

    private static BenchResult? Find(IReadOnlyList<BenchResult> results, Func<BenchResult, bool> match) =>
        results.FirstOrDefault(r => r.Error is null && match(r));

    private static double? Divide(double? value, double? baseline) =>
        value is double v && baseline is double b && b > 0 ? v / b : null;
}
