using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace ZeroBuffer.Cli;

/// <summary>
/// Byte sizes on the command line, one parser for every size option: a whole number with an
/// optional suffix, <c>K</c>/<c>KiB</c>, <c>M</c>/<c>MiB</c>, <c>G</c>/<c>GiB</c> (powers of 1024,
/// as ring and frame sizes are), e.g. <c>64</c>, <c>4K</c>, <c>32MiB</c>, <c>3110400</c>.
/// </summary>
internal static class ByteSize
{
    private static readonly (string Suffix, long Factor)[] Suffixes =
    [
        ("KiB", 1L << 10), ("MiB", 1L << 20), ("GiB", 1L << 30), ("K", 1L << 10), ("k", 1L << 10), ("M", 1L << 20), ("G", 1L << 30),
    ];

    /// <summary>Parses <paramref name="text"/>; false when it is not a size or does not fit a long.</summary>
    internal static bool TryParse(string text, out long size)
    {
        string digits = text.Trim();
        long factor = 1;
        foreach ((string suffix, long multiplier) in Suffixes)
        {
            if (digits.EndsWith(suffix, StringComparison.Ordinal))
            {
                digits = digits[..^suffix.Length].TrimEnd();
                factor = multiplier;
                break;
            }
        }

        size = 0;
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value > long.MaxValue / factor)
        {
            return false;
        }

        size = value * factor;
        return true;
    }

    /// <summary>A frame size (<c>64</c>, <c>4K</c>, <c>1MiB</c>, <c>3110400</c>); false when it is not a size or does not fit an int.</summary>
    internal static bool TryParseFrameSize(string text, out int size)
    {
        bool parsed = TryParse(text, out long value) && value <= int.MaxValue;
        size = parsed ? (int)value : 0;
        return parsed;
    }

    /// <summary>Makes <paramref name="option"/> take sizes with suffixes; a bad one is a usage error naming it.</summary>
    internal static Option<long> Sized(this Option<long> option)
    {
        option.CustomParser = result => Parse(option, result, long.MaxValue) is long size ? size : 0;
        return option;
    }

    /// <inheritdoc cref="Sized(Option{long})"/>
    internal static Option<int> Sized(this Option<int> option)
    {
        option.CustomParser = result => Parse(option, result, int.MaxValue) is long size ? (int)size : 0;
        return option;
    }

    /// <inheritdoc cref="Sized(Option{long})"/>
    internal static Option<long?> Sized(this Option<long?> option)
    {
        option.CustomParser = result => result.Tokens.Count == 0 ? null : Parse(option, result, long.MaxValue);
        return option;
    }

    private static long? Parse<T>(Option<T> option, ArgumentResult result, long maximum)
    {
        if (result.Tokens.Count == 0)
        {
            return option.DefaultValueFactory is { } factory ? Convert.ToInt64(factory(result), CultureInfo.InvariantCulture) : 0;
        }

        string text = result.Tokens[^1].Value;
        if (TryParse(text, out long size) && size <= maximum)
        {
            return size;
        }

        result.AddError($"{option.Name}: '{text}' is not a size (a whole number of bytes up to {maximum}, optionally with K, M, G or KiB, MiB, GiB).");
        return null;
    }

    /// <summary>A size for people: whole KiB, MiB or GiB when it is one, else bytes (<c>32 MiB</c>, <c>3,110,400 B</c>).</summary>
    internal static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 when bytes % (1L << 30) == 0 => $"{bytes >> 30} GiB",
        >= 1L << 20 when bytes % (1L << 20) == 0 => $"{bytes >> 20} MiB",
        >= 1L << 10 when bytes % (1L << 10) == 0 => $"{bytes >> 10} KiB",
        _ => $"{bytes:N0} B",
    };
}
