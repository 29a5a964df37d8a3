namespace ZeroBuffer.Bench;

/// <summary>
/// Whether stalls recur at a regular period, and which. Every two stalls up to 3.1 s apart give a
/// difference, counted in 10 ms bins. A source that stalls every P seconds piles differences up at
/// P (and 2P, 3P …), where stalls at random times spread them evenly (thinning out slowly with the
/// difference: fewer pairs fit in the run). Each candidate P from <see cref="MinimumSeconds"/> to
/// <see cref="MaximumSeconds"/> is scored by the differences within ±20 ms of it against the mean of
/// those around P/2 and 3P/2 (the troughs of a period P, placed either side so the slow thinning
/// cancels): the excess in standard deviations of that background. The best-scoring P is a period
/// when it stands <see cref="MinimumScore"/> deviations out and its excess is at least
/// <see cref="MinimumShare"/> of the stalls (about one difference per recurring stall); a P that is a
/// multiple of a shorter one nearly as strong is taken back to the shorter one.
/// </summary>
internal static class StallPeriod
{
    /// <summary>Shortest period looked for.</summary>
    internal const double MinimumSeconds = 0.1;

    /// <summary>Longest period looked for.</summary>
    internal const double MaximumSeconds = 2.0;

    /// <summary>Fewest stalls for a period to be claimed at all.</summary>
    internal const int MinimumStalls = 8;

    /// <summary>Standard deviations of the background the window at the period must stand out by.</summary>
    internal const double MinimumScore = 6;

    /// <summary>Share of the stalls that must recur at the period.</summary>
    internal const double MinimumShare = 0.05;

    /// <summary>How nearly as strong a shorter period must be to be taken for the fundamental of a longer one.</summary>
    private const double FundamentalShare = 0.6;

    private const double BinSeconds = 0.01;

    /// <summary>Bins either side of a window's centre (±20 ms: the jitter of a kernel thread's timer and of the probe's sleeps).</summary>
    private const int HalfWindow = 2;

    /// <summary>
    /// The period (seconds) of stalls at <paramref name="times"/> (seconds, ascending) and the share
    /// of them that recur at it, or null when they are not regular.
    /// </summary>
    internal static (double Seconds, double Share)? Find(IReadOnlyList<double> times)
    {
        if (times.Count < MinimumStalls)
        {
            return null;
        }

        // 3P/2 of the longest period, and its window, must fit.
        double farthest = MaximumSeconds * 1.5 + (HalfWindow + 1) * BinSeconds;
        int bins = (int)Math.Ceiling(farthest / BinSeconds) + 1;
        int[] counts = new int[bins];
        double[] sums = new double[bins];
        for (int i = 0; i < times.Count; i++)
        {
            for (int j = i + 1; j < times.Count && times[j] - times[i] <= farthest; j++)
            {
                double difference = times[j] - times[i];
                int bin = (int)(difference / BinSeconds);
                counts[bin]++;
                sums[bin] += difference;
            }
        }

        int Window(int centre)
        {
            int sum = 0;
            for (int b = Math.Max(0, centre - HalfWindow); b <= centre + HalfWindow; b++)
            {
                sum += counts[b];
            }

            return sum;
        }

        double Background(int centre) => (Window(centre / 2) + Window(centre * 3 / 2)) / 2.0;
        double Excess(int centre) => Window(centre) - Background(centre);
        double Score(int centre) => Excess(centre) / Math.Sqrt(Math.Max(1.5 * Background(centre), 1)); // the background is itself a mean of two windows

        int first = (int)Math.Round(MinimumSeconds / BinSeconds);
        int last = (int)Math.Round(MaximumSeconds / BinSeconds);
        int best = first;
        for (int centre = first + 1; centre <= last; centre++)
        {
            best = Score(centre) > Score(best) ? centre : best;
        }

        if (Score(best) < MinimumScore || Excess(best) < Math.Max(MinimumStalls / 2, MinimumShare * times.Count))
        {
            return null;
        }

        // A multiple of the period stands out too (its differences skip one stall): the shortest strong divisor is the period.
        for (int centre = first; centre < best; centre++)
        {
            int multiple = (int)Math.Round((double)best / centre);
            if (multiple >= 2 && Math.Abs(best - multiple * centre) <= HalfWindow && Score(centre) >= MinimumScore
                && Excess(centre) >= FundamentalShare * Excess(best))
            {
                best = centre;
                break;
            }
        }

        double total = 0;
        for (int b = best - HalfWindow; b <= best + HalfWindow; b++)
        {
            total += sums[b];
        }

        return (total / Window(best), Math.Min(1, Excess(best) / times.Count));
    }
}
