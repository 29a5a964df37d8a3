namespace ZeroBuffer.Bench;

/// <summary>Medians of a figure over the runs of <c>--runs N</c> (an even count takes the mean of the middle two).</summary>
internal static class Medians
{
    internal static double Of(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    internal static long Of(IEnumerable<long> values) => (long)Math.Round(Of(values.Select(v => (double)v)));

    /// <summary>Each percentile's median.</summary>
    internal static LatencyFigures Of(IReadOnlyList<LatencyFigures> figures) =>
        new(Of(figures.Select(f => f.P50)), Of(figures.Select(f => f.P90)), Of(figures.Select(f => f.P99)), Of(figures.Select(f => f.P999)),
            Of(figures.Select(f => f.Max)));
}
