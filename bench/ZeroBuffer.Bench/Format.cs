using System.Globalization;

namespace ZeroBuffer.Bench;

/// <summary>Number formatting shared by the bench table and plots.</summary>
internal static class Format
{
    internal static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 20 when bytes % (1L << 20) == 0 => $"{bytes >> 20} MiB",
        >= 1L << 10 when bytes % (1L << 10) == 0 => $"{bytes >> 10} KiB",
        >= 1_000_000 => $"{bytes / 1e6:0.#} MB",
        _ => $"{bytes} B",
    };

    /// <summary>Three significant digits, thousands grouped: 12.3, 1,234, 12.3 M.</summary>
    internal static string Number(double value) => value switch
    {
        double.NaN => "-",
        >= 1e7 => (value / 1e6).ToString("0.0", CultureInfo.InvariantCulture) + " M",
        >= 1000 => value.ToString("N0", CultureInfo.InvariantCulture),
        >= 100 => value.ToString("0", CultureInfo.InvariantCulture),
        >= 10 => value.ToString("0.0", CultureInfo.InvariantCulture),
        _ => value.ToString("0.00", CultureInfo.InvariantCulture),
    };

    /// <summary>A count, thousands grouped.</summary>
    internal static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    internal static string Ratio(double? value) => value is double v ? "×" + Number(v) : "";

    internal static string Invariant(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    internal static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
