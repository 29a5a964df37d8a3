namespace ZeroBuffer.Bench;

/// <summary>
/// Whether a run's machine was quiet enough to trust its figures: the thresholds, in one place
/// (docs/performance.md, "Noise"). Steal and the others' CPU are shares of the whole run; the
/// probe's stalls are those of the paced cases when the run has any (see <see cref="NoiseMonitor"/>).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><b>quiet</b>: steal below 1 %, other processes below 5 % of the machine's CPU, fewer than 6 probe
/// stalls over 2 ms a minute and none over 10 ms. Every figure, tails included, is this machine's.</item>
/// <item><b>too noisy to trust</b>: steal from 10 %, other processes from 25 % of the machine's CPU (half
/// a core of two: the peers of a case keep waiting for a core), or stalls covering 2 % of the time
/// or more (at 2,000 round trips a second that alone is a p98). Compare nothing from such a run.</item>
/// <item><b>noisy</b>: anything between. Ratios to the baselines of the same run stand (the baseline rows
/// saw the same machine); absolute tails (p99 and beyond) are the machine's, not the transport's.</item>
/// </list>
/// </remarks>
internal static class NoiseVerdict
{
    internal const string Quiet = "quiet";
    internal const string Noisy = "noisy";
    internal const string TooNoisy = "too noisy to trust";

    internal const double QuietStealPercent = 1;
    internal const double TooNoisyStealPercent = 10;
    internal const double QuietOthersPercent = 5;
    internal const double TooNoisyOthersPercent = 25;
    internal const double QuietStallsPerMinute = 6;
    internal const double QuietWorstMilliseconds = 10;
    internal const double TooNoisyStallSharePercent = 2;

    /// <summary>The verdict and the sentence that explains it ("noisy: steal 4.0 %, 12 stalls > 2 ms …").</summary>
    /// <param name="stealPercent">Stolen time over the run, percent of the machine's CPU time; null when unknown.</param>
    /// <param name="othersPercent">Other processes' CPU over the run, percent of the machine's CPU time; null when unknown.</param>
    /// <param name="probe">The probe's figures of the judged span.</param>
    internal static (string Verdict, string Text) Judge(double? stealPercent, double? othersPercent, ProbeFigures probe)
    {
        var tooNoisy = new List<string>();
        var noisy = new List<string>();
        string steal = $"steal {Format.Number(stealPercent ?? 0)} %";
        string others = $"other processes {Format.Number(othersPercent ?? 0)} % of the CPU";
        string stalls = $"{probe.Describe()} ({probe.Scope})";
        if (stealPercent >= TooNoisyStealPercent)
        {
            tooNoisy.Add(steal);
        }
        else if (stealPercent >= QuietStealPercent)
        {
            noisy.Add(steal);
        }

        if (othersPercent >= TooNoisyOthersPercent)
        {
            tooNoisy.Add(others);
        }
        else if (othersPercent >= QuietOthersPercent)
        {
            noisy.Add(others);
        }

        if (probe.StallSharePercent >= TooNoisyStallSharePercent)
        {
            tooNoisy.Add(stalls);
        }
        else if (probe.StallsOver2MillisecondsPerMinute >= QuietStallsPerMinute || probe.WorstMilliseconds > QuietWorstMilliseconds)
        {
            noisy.Add(stalls);
        }

        if (tooNoisy.Count > 0)
        {
            return (TooNoisy, $"{TooNoisy}: {string.Join("; ", tooNoisy.Concat(noisy))}");
        }

        return noisy.Count > 0 ? (Noisy, $"{Noisy}: {string.Join("; ", noisy)}") : (Quiet, Quiet + (stealPercent is null || othersPercent is null ? " (steal and other processes unknown: no /proc/stat)" : ""));
    }
}
