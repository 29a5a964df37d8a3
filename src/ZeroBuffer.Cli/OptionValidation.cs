using System.CommandLine;
using System.Numerics;

namespace ZeroBuffer.Cli;

/// <summary>Range checks for options, reported by the parser as usage errors (exit code 2).</summary>
internal static class OptionValidation
{
    /// <summary>Rejects values below <paramref name="minimum"/>.</summary>
    internal static Option<T> AtLeast<T>(this Option<T> option, T minimum)
        where T : struct, INumber<T>
    {
        option.Validators.Add(result =>
        {
            T value = result.GetValueOrDefault<T>();
            if (value < minimum)
            {
                result.AddError($"{option.Name} must be at least {minimum} (got {value}).");
            }
        });
        return option;
    }

    /// <summary>Rejects values below <paramref name="minimum"/> when given.</summary>
    internal static Option<T?> AtLeast<T>(this Option<T?> option, T minimum)
        where T : struct, INumber<T>
    {
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<T?>() is T value && value < minimum)
            {
                result.AddError($"{option.Name} must be at least {minimum} (got {value}).");
            }
        });
        return option;
    }
}
