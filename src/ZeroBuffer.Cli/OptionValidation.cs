using System.CommandLine;
using System.CommandLine.Parsing;
using System.Numerics;

namespace ZeroBuffer.Cli;

/// <summary>Range checks for options, reported by the parser as usage errors (exit code 2).</summary>
internal static class OptionValidation
{
    /// <summary>Rejects values below <paramref name="minimum"/>.</summary>
    internal static Option<T> AtLeast<T>(this Option<T> option, T minimum)
        where T : struct, INumber<T> =>
        option.Check(value => value < minimum ? $"{option.Name} must be at least {minimum} (got {value})." : null);

    /// <summary>Rejects values below <paramref name="minimum"/> when given.</summary>
    internal static Option<T?> AtLeast<T>(this Option<T?> option, T minimum)
        where T : struct, INumber<T> =>
        option.Check(value => value is T v && v < minimum ? $"{option.Name} must be at least {minimum} (got {v})." : null);

    /// <summary>Rejects values outside [<paramref name="minimum"/>, <paramref name="maximum"/>].</summary>
    internal static Option<T> Within<T>(this Option<T> option, T minimum, T maximum)
        where T : struct, INumber<T> =>
        option.Check(value => value < minimum || value > maximum ? $"{option.Name} must be from {minimum} to {maximum} (got {value})." : null);

    /// <summary>
    /// Adds a check of the option's value: <paramref name="problem"/> returns the error message for a
    /// bad value, or null. A value that is not even of the option's type (<c>--count abc</c>) is left
    /// to the parser, which reports it as a usage error: the check never sees it.
    /// </summary>
    internal static Option<T> Check<T>(this Option<T> option, Func<T, string?> problem)
    {
        option.Validators.Add(result =>
        {
            if (TryGetValue(result, out T value) && problem(value) is string message)
            {
                result.AddError(message);
            }
        });
        return option;
    }

    private static bool TryGetValue<T>(OptionResult result, out T value)
    {
        try
        {
            value = result.GetValueOrDefault<T>()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            // The tokens do not convert to T ("Cannot parse argument 'abc' for option '--count'"):
            // the parse result carries that error already, and the command reports it.
            value = default!;
            return false;
        }
    }
}
