using System.Diagnostics;
using System.Text.Json;

namespace ZeroBuffer.Bench;

/// <summary>
/// Where each paced round trip of a window spent its time, hop by hop, from the timestamps the
/// pinger takes and the echo carries back (<see cref="HopStamps"/>). Samples are kept one by one
/// in arrays sized before the window (recording allocates nothing) and summarised after it: each
/// hop's percentiles, the round trip counted from the actual send (without the pacer's lateness),
/// how each side's read found its frame (<see cref="WakePath"/>), and the tail,
/// the slowest 1 % of round trips, split into the same hops, so the hop that makes a p99 shows.
/// </summary>
/// <remarks>
/// The hops follow one another in time, each stamp taken after the one before it (causality across
/// the two processes: the echo cannot read a frame before it was sent, the pinger cannot read a
/// reply before it was committed), and add up to the round trip measured from the intended send:
/// <c>sendLag + toEcho + echoTurnaround + toPinger + finish</c>. <c>write</c> is not added: it is
/// the pinger's own write call (claim, copy, commit, semaphore post), which <c>toEcho</c> starts
/// with, shown apart so copying is not mistaken for waking. It can outlast <c>toEcho</c>: a post
/// that wakes the echo returns to the pinger after the echo is already running.
/// </remarks>
internal sealed class HopRecorder
{
    /// <summary>The JSON names of the hops, in order.</summary>
    internal static readonly string[] Names = ["sendLag", "write", "toEcho", "echoTurnaround", "toPinger", "finish"];

    /// <summary>What each hop is, for the report.</summary>
    internal static readonly string[] Descriptions =
    [
        "intended send time → the send begins (the pacer's lateness)",
        "the pinger's write call: claim, copy in, commit, post (overlaps toEcho, not added)",
        "the send begins → the echo's read returns the request",
        "the echo's read returned → it commits the reply (its copy, or the zero-copy acknowledgement)",
        "the echo commits → the pinger's read returns the reply",
        "the pinger's read returned → reply copied out or checked, released",
    ];

    /// <summary>Index of <c>write</c>, the hop that overlaps another and is not added to the total.</summary>
    internal const int WriteHop = 1;

    /// <summary>Index of <c>sendLag</c>.</summary>
    internal const int SendLagHop = 0;

    /// <summary>At most this many samples per window (8 MiB of arrays): a rate × duration beyond it keeps the first ones.</summary>
    private const int MaxSamples = 1 << 20;

    private static readonly double MicrosecondsPerTick = 1e6 / Stopwatch.Frequency;

    private readonly long[][] _ticks;
    private readonly WakePath[] _pingerPaths;
    private readonly WakePath[] _echoPaths;
    private int _count;
    private long _unrecorded;

    /// <param name="rate">Round trips per second of the window.</param>
    /// <param name="seconds">Length of the window.</param>
    internal HopRecorder(double rate, double seconds)
    {
        // A quarter more than the schedule asks for: the window ends on the clock, not on a count.
        int capacity = (int)Math.Clamp(rate * seconds * 1.25 + 64, 64, MaxSamples);
        _ticks = [.. Names.Select(_ => new long[capacity])];
        _pingerPaths = new WakePath[capacity];
        _echoPaths = new WakePath[capacity];
    }

    /// <summary>Round trips recorded since <see cref="Restart"/>.</summary>
    internal int Count => _count;

    /// <summary>Forgets everything recorded (the warm-up).</summary>
    internal void Restart()
    {
        _count = 0;
        _unrecorded = 0;
    }

    /// <summary>Records one round trip from its stamps, in the order they were taken.</summary>
    internal void Record(long intended, long sendStart, long written, long echoWoke, long echoCommit, long replied, long done, WakePath pinger, WakePath echo)
    {
        int i = _count;
        if (i == _pingerPaths.Length)
        {
            _unrecorded++;
            return;
        }

        _ticks[0][i] = sendStart - intended;
        _ticks[1][i] = written - sendStart;
        _ticks[2][i] = echoWoke - sendStart;
        _ticks[3][i] = echoCommit - echoWoke;
        _ticks[4][i] = replied - echoCommit;
        _ticks[5][i] = done - replied;
        _pingerPaths[i] = pinger;
        _echoPaths[i] = echo;
        _count = i + 1;
    }

    /// <summary>
    /// Writes <c>"hops":{"samples","unrecorded","microseconds":{HOP:{p50,p90,p99,p999,max}},"fromSendMicroseconds":{..},"byWakePath":{..},
    /// "tail":{"fromMicroseconds","samples","meanMicroseconds":{HOP:mean},"wakes":{..}},"wakes":{"pinger"|"echo":{"ready","spin","slept"}}}</c>;
    /// nothing when no round trip was recorded. Runs after the window: it may allocate.
    /// </summary>
    internal void WriteJson(Utf8JsonWriter w)
    {
        int n = _count;
        if (n == 0)
        {
            return;
        }

        long[] totals = new long[n];
        for (int hop = 0; hop < Names.Length; hop++)
        {
            if (hop != WriteHop)
            {
                for (int i = 0; i < n; i++)
                {
                    totals[i] += _ticks[hop][i];
                }
            }
        }

        long threshold = AtPercentile([.. totals.Order()], 99);
        long[] fromSend = [.. Enumerable.Range(0, n).Select(i => totals[i] - _ticks[SendLagHop][i]).Order()];
        int[] tail = [.. Enumerable.Range(0, n).Where(i => totals[i] >= threshold)];

        w.WriteStartObject("hops"u8);
        w.WriteNumber("samples"u8, n);
        w.WriteNumber("unrecorded"u8, _unrecorded);
        w.WriteStartObject("microseconds"u8);
        for (int hop = 0; hop < Names.Length; hop++)
        {
            long[] sorted = _ticks[hop][..n];
            Array.Sort(sorted);
            WritePercentiles(w, Names[hop], sorted);
        }

        w.WriteEndObject();
        WritePercentiles(w, "fromSendMicroseconds", fromSend);
        WriteByWakePath(w, n);
        w.WriteStartObject("tail"u8);
        w.WriteNumber("fromMicroseconds"u8, Math.Round(threshold * MicrosecondsPerTick, 3));
        w.WriteNumber("samples"u8, tail.Length);
        w.WriteStartObject("meanMicroseconds"u8);
        for (int hop = 0; hop < Names.Length; hop++)
        {
            w.WriteNumber(Names[hop], Math.Round(tail.Average(i => (double)_ticks[hop][i]) * MicrosecondsPerTick, 3));
        }

        w.WriteEndObject();
        WriteWakes(w, tail);
        w.WriteEndObject();
        WriteWakes(w, Enumerable.Range(0, n));
        w.WriteEndObject();
    }

    /// <summary>
    /// Writes <c>"byWakePath":{"toEcho":{PATH:{p50..max}},"toPinger":{PATH:{..}}}</c>: each wake-up hop
    /// split by how the waking side's read ended (the echo's for <c>toEcho</c>, the pinger's for
    /// <c>toPinger</c>), so a slow path shows as itself and not only in the tail.
    /// </summary>
    private void WriteByWakePath(Utf8JsonWriter w, int n)
    {
        w.WriteStartObject("byWakePath"u8);
        foreach ((string hop, int index, WakePath[] paths) in new[] { ("toEcho", 2, _echoPaths), ("toPinger", 4, _pingerPaths) })
        {
            w.WriteStartObject(hop);
            foreach (WakePath path in new[] { WakePath.Ready, WakePath.Spin, WakePath.Slept })
            {
                long[] sorted = [.. Enumerable.Range(0, n).Where(i => paths[i] == path).Select(i => _ticks[index][i]).Order()];
                if (sorted.Length > 0)
                {
                    WritePercentiles(w, path.ToString().ToLowerInvariant(), sorted);
                }
            }

            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    private static void WritePercentiles(Utf8JsonWriter w, string name, long[] sorted)
    {
        w.WriteStartObject(name);
        for (int p = 0; p < LatencyFigures.Names.Length; p++)
        {
            w.WriteNumber(LatencyFigures.Names[p], Math.Round(AtPercentile(sorted, PercentileOf(p)) * MicrosecondsPerTick, 3));
        }

        w.WriteEndObject();
    }

    /// <summary>The percentile of <see cref="LatencyFigures.Names"/> index <paramref name="index"/> (max = 100).</summary>
    private static double PercentileOf(int index) => index switch
    {
        0 => 50,
        1 => 90,
        2 => 99,
        3 => 99.9,
        _ => 100,
    };

    /// <summary>
    /// The percentile of sorted values, ranked as HdrHistogram ranks the row's own percentiles (the
    /// value at rank p % × n rounded to the nearest whole, at least 1), so a hop's figure and the
    /// round trip's are comparable: a hop is never above the round trip it is part of.
    /// </summary>
    internal static long AtPercentile(long[] sorted, double percentile) =>
        sorted[Math.Clamp((int)(percentile / 100 * sorted.Length + 0.5) - 1, 0, sorted.Length - 1)];

    /// <summary>Writes <c>"wakes":{"pinger":{..},"echo":{..}}</c> over <paramref name="samples"/>; a side whose path is unknown is left out.</summary>
    private void WriteWakes(Utf8JsonWriter w, IEnumerable<int> samples)
    {
        int[] indices = [.. samples];
        w.WriteStartObject("wakes"u8);
        foreach ((string side, WakePath[] paths) in new[] { ("pinger", _pingerPaths), ("echo", _echoPaths) })
        {
            if (indices.All(i => paths[i] == WakePath.Unknown))
            {
                continue;
            }

            w.WriteStartObject(side);
            w.WriteNumber("ready"u8, indices.Count(i => paths[i] == WakePath.Ready));
            w.WriteNumber("spin"u8, indices.Count(i => paths[i] == WakePath.Spin));
            w.WriteNumber("slept"u8, indices.Count(i => paths[i] == WakePath.Slept));
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }
}
