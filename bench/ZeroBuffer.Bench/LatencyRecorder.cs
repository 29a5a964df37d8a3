using System.Diagnostics;
using System.Text.Json;
using HdrHistogram;

namespace ZeroBuffer.Bench;

/// <summary>
/// Round-trip latencies in an HdrHistogram (nanoseconds, 3 significant digits), and the send
/// schedule of a paced run. Paced runs measure against the intended send time, never the
/// actual one: when a reply is late, the sends it delayed are charged the wait too, so the
/// percentiles are free of coordinated omission.
/// </summary>
internal sealed class LatencyRecorder
{
    private static readonly double NanosecondsPerTick = 1e9 / Stopwatch.Frequency;
    // 2 ms: closer than this, spin instead of sleeping. Not Thread.Yield: on a busy machine a yield hands the core
    // to another process for a whole time slice, and the send goes out milliseconds late.
    private static readonly long NearTicks = Stopwatch.Frequency / 500;

    private readonly LongHistogram _histogram = new(3_600_000_000_000L, 3);

    /// <summary>Paced runs: how late each send actually went out (actual − intended), to tell the pacer's own delays from the transport's.</summary>
    private readonly LongHistogram _sendLag = new(3_600_000_000_000L, 3);
    private readonly long _intervalTicks;

    /// <summary>Paced runs that sleep precisely (<see cref="MonotonicSleep"/>) until this close to a send, then spin; 0: the default pacing.</summary>
    private readonly long _preciseSpinTicks;
    private long _scheduleStart;
    private long _sent;

    /// <param name="rate">Round trips per second; 0 = back-to-back (each send right after the previous reply).</param>
    /// <param name="sleepsPrecisely">
    /// Sleep until 100 µs before each send with the kernel's resolution, and spin only that last
    /// stretch, instead of spinning the last 2 ms: for paced senders whose spinning would take a
    /// core the measured path needs (the NATS rows: a server and two clients on 2 cores).
    /// </param>
    internal LatencyRecorder(double rate, bool sleepsPrecisely = false)
    {
        Rate = rate;
        _preciseSpinTicks = sleepsPrecisely ? Stopwatch.Frequency / 10_000 : 0;
        _intervalTicks = rate > 0 ? Math.Max(1, (long)(Stopwatch.Frequency / rate)) : 0;
        _histogram.RecordValue(1); // the first record initialises lazily (allocates): keep it out of the measured loop
        _histogram.Reset();
        _sendLag.RecordValue(1);
        _sendLag.Reset();
    }

    internal double Rate { get; }

    internal long Count => _histogram.TotalCount;

    /// <summary>Starts a new schedule (and forgets what was recorded): the first send is due now.</summary>
    internal void Restart()
    {
        _histogram.Reset();
        _sendLag.Reset();
        _scheduleStart = Stopwatch.GetTimestamp();
        _sent = 0;
    }

    /// <summary>
    /// The reference time of the next send: back-to-back, now; paced, the intended send time,
    /// after waiting for it when it is still ahead (a late send goes at once, charged from its
    /// intended time).
    /// </summary>
    internal long NextSend()
    {
        if (_intervalTicks == 0)
        {
            return Stopwatch.GetTimestamp();
        }

        long due = _scheduleStart + _sent++ * _intervalTicks;
        while (true)
        {
            long remaining = due - Stopwatch.GetTimestamp();
            if (remaining <= 0)
            {
                _sendLag.RecordValue((long)(-remaining * NanosecondsPerTick));
                return due;
            }

            if (_preciseSpinTicks > 0 && remaining > _preciseSpinTicks)
            {
                MonotonicSleep.Until(due - _preciseSpinTicks);
            }
            else if (remaining > NearTicks)
            {
                Thread.Sleep(1);
            }
            else
            {
                Thread.SpinWait(8);
            }
        }
    }

    /// <summary>Records the round trip that started at <paramref name="reference"/> (from <see cref="NextSend"/>) and ended now.</summary>
    internal void Record(long reference) =>
        _histogram.RecordValue(Math.Max(0, (long)((Stopwatch.GetTimestamp() - reference) * NanosecondsPerTick)));

    /// <summary>
    /// Writes <c>"samples"</c>, <c>"rate"</c>, <c>"latencyMicroseconds"</c> {p50,p90,p99,p999,max}
    /// and, for paced runs, <c>"sendLagMicroseconds"</c> (same percentiles).
    /// </summary>
    internal void WriteJson(Utf8JsonWriter writer)
    {
        writer.WriteNumber("samples"u8, _histogram.TotalCount);
        writer.WriteNumber("rate"u8, Rate);
        WritePercentiles(writer, "latencyMicroseconds", _histogram);
        if (_intervalTicks > 0)
        {
            WritePercentiles(writer, "sendLagMicroseconds", _sendLag);
        }
    }

    private static void WritePercentiles(Utf8JsonWriter writer, string name, LongHistogram histogram)
    {
        writer.WriteStartObject(name);
        writer.WriteNumber("p50"u8, Micros(histogram, 50));
        writer.WriteNumber("p90"u8, Micros(histogram, 90));
        writer.WriteNumber("p99"u8, Micros(histogram, 99));
        writer.WriteNumber("p999"u8, Micros(histogram, 99.9));
        writer.WriteNumber("max"u8, histogram.TotalCount == 0 ? 0 : histogram.GetMaxValue() / 1000.0);
        writer.WriteEndObject();
    }

    private static double Micros(LongHistogram histogram, double percentile) =>
        histogram.TotalCount == 0 ? 0 : histogram.GetValueAtPercentile(percentile) / 1000.0;
}
