using System.Diagnostics;

namespace ZeroBuffer.Bench;

/// <summary>
/// Watches the machine for the whole run: the load average before and after, the CPU time stolen
/// by the hypervisor and used by other processes (<c>/proc/stat</c> against the bench's own and its
/// peers' <c>getrusage</c>), and the stalls of an idle probe thread (<see cref="StallProbe"/>),
/// each attributed to the measured window of the case that was running (<see cref="MeasuredSpan"/>:
/// not its peers' start-up and warm-up, which load the CPUs on purpose). The verdict
/// (<see cref="NoiseVerdict"/>) judges the probe over the windows of the paced cases only, when the
/// run has any: there the peers leave the cores
/// mostly free, so a late wake-up is the machine's; during back-to-back and throughput cases two
/// spinning peers hold both cores of a 2-CPU machine and the probe's lateness is partly the bench's own.
/// </summary>
internal sealed class NoiseMonitor : IDisposable
{
    private readonly StallProbe _probe = new();
    private readonly string _loadAverageStart = ReadLoadAverage();
    private readonly CpuTimes? _cpuStart = CpuTimes.Read();
    private readonly double _ownCpuStart = OwnCpuSeconds();
    private readonly long _start = Stopwatch.GetTimestamp();
    private readonly List<(long Start, long End, long Wakes)> _quietWindows = [];
    private long _caseStart;
    private long _caseStartWakes;

    /// <summary>Cases whose peers leave the cores mostly free: paced round trips (fixed-rate, relay) and idle pairs.</summary>
    internal static bool IsQuietByDesign(BenchCase benchCase) =>
        benchCase.Kind is CaseKind.Idle or CaseKind.Relay || benchCase.Pacing is "fixed-rate";

    /// <summary>The 1/5/15-minute load averages from /proc/loadavg ("?" if unreadable).</summary>
    internal static string ReadLoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "?";
        }
    }

    /// <summary>A case starts now.</summary>
    internal void CaseStarted()
    {
        _caseStart = Stopwatch.GetTimestamp();
        _caseStartWakes = _probe.Wakes;
    }

    /// <summary>
    /// The case started last ended now: the probe's stalls during its measured window
    /// (<paramref name="window"/>, as its peer reported it; the whole case when it reported none).
    /// </summary>
    internal Disturbance CaseEnded(BenchCase benchCase, MeasuredSpan? window)
    {
        long end = Stopwatch.GetTimestamp();
        long wakes = _probe.Wakes - _caseStartWakes;
        (long from, long to) = (_caseStart, end);
        if (window is MeasuredSpan w && w.Start >= _caseStart && w.End <= end)
        {
            // The probe's wake-ups in the window, pro rata: it counts them, it does not time-stamp them.
            wakes = (long)(wakes * ((double)(w.End - w.Start) / (end - _caseStart)));
            (from, to) = (w.Start, w.End);
        }

        if (IsQuietByDesign(benchCase))
        {
            _quietWindows.Add((from, to, wakes));
        }

        var stalls = Stalls(from, to).ToList();
        return new Disturbance(stalls.Count, stalls.Count(s => s.LateMilliseconds > 2), stalls.Count == 0 ? 0 : stalls.Max(s => s.LateMilliseconds));
    }

    /// <summary>Ends the watch: the report of the whole run.</summary>
    internal NoiseReport Finish()
    {
        long end = Stopwatch.GetTimestamp();
        double seconds = Stopwatch.GetElapsedTime(_start, end).TotalSeconds;
        CpuTimes? cpuEnd = CpuTimes.Read();
        double ownCpu = OwnCpuSeconds() - _ownCpuStart;
        double? steal = null;
        double? others = null;
        int processors = Environment.ProcessorCount;
        if (_cpuStart is CpuTimes a && cpuEnd is CpuTimes b && b.Total > a.Total && b.Processors > 0)
        {
            processors = b.Processors;
            double total = b.Total - a.Total;
            steal = (b.Steal - a.Steal) / total * 100;
            // Busy time of the whole machine, less the bench's and its peers' own: what everyone else used.
            others = Math.Max(0, (b.Busy - a.Busy) / total * 100 - ownCpu / (seconds * processors) * 100);
        }

        ProbeFigures whole = Figures("whole run", [(_start, end, _probe.Wakes)]);
        ProbeFigures judged = _quietWindows.Count > 0 ? Figures("paced cases", _quietWindows) : whole;
        (string verdict, string text) = NoiseVerdict.Judge(steal, others, judged);
        return new NoiseReport(_loadAverageStart, ReadLoadAverage(), processors, steal, others, judged, whole, verdict, text);
    }

    public void Dispose() => _probe.Dispose();

    private ProbeFigures Figures(string scope, IReadOnlyList<(long Start, long End, long Wakes)> windows)
    {
        double seconds = windows.Sum(w => Stopwatch.GetElapsedTime(w.Start, w.End).TotalSeconds);
        var stalls = windows.SelectMany(w => Stalls(w.Start, w.End)).ToList();
        double lateSeconds = stalls.Sum(s => s.LateMilliseconds) / 1000;
        double[] over2 = [.. stalls.Where(s => s.LateMilliseconds > 2).Select(s => Stopwatch.GetElapsedTime(_start, s.DueAt).TotalSeconds)];
        (double Seconds, double Share)? period = StallPeriod.Find(over2);
        return new ProbeFigures(scope, seconds, windows.Sum(w => w.Wakes), stalls.Count, over2.Length,
            stalls.Count == 0 ? 0 : stalls.Max(s => s.LateMilliseconds), seconds > 0 ? lateSeconds / seconds * 100 : 0, period?.Seconds * 1000, period?.Share);
    }

    /// <summary>The probe's stalls due between <paramref name="start"/> and <paramref name="end"/>, in order.</summary>
    private IEnumerable<(long DueAt, double LateMilliseconds)> Stalls(long start, long end)
    {
        int count = _probe.Count;
        for (int i = 0; i < count; i++)
        {
            (long dueAt, long late) = _probe[i];
            if (dueAt >= start && dueAt < end)
            {
                yield return (dueAt, late * 1000.0 / Stopwatch.Frequency);
            }
        }
    }

    /// <summary>CPU seconds of this process and of every peer it has waited for.</summary>
    private static double OwnCpuSeconds() => ResourceUsage.Read(ResourceUsage.Self).CpuSeconds + ResourceUsage.Read(ResourceUsage.Children).CpuSeconds;
}
