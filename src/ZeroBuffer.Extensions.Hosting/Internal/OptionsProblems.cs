namespace ZeroBuffer.Extensions.Hosting.Internal;

/// <summary>
/// The problems found in one endpoint's options, each prefixed with the configuration key it
/// concerns (<c>ZeroBuffer:Readers:cam0:PayloadSize: ...</c>), so a startup failure names the
/// value to fix and where it came from.
/// </summary>
internal sealed class OptionsProblems(string sectionPath)
{
    private readonly List<string> _failures = [];

    internal IReadOnlyList<string> Failures => _failures;

    internal void Add(string key, string problem) => _failures.Add($"{sectionPath}:{key}: {problem}");

    /// <summary>
    /// Adds the core library's own message for a value it rejected: the library stays the one
    /// authority on its rules, and its messages already name the value.
    /// </summary>
    internal void Add(string key, ArgumentException rejected)
    {
        string message = rejected.ParamName is null
            ? rejected.Message
            : rejected.Message.Replace($" (Parameter '{rejected.ParamName}')", "", StringComparison.Ordinal);
        Add(key, message.Split('\n')[0].Trim());
    }

    /// <summary>An enum value that must be one of its named members (a number in configuration binds to any value).</summary>
    internal void RequireDefined<TEnum>(string key, TEnum value)
        where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            Add(key, $"unknown value {value}: use one of {string.Join(", ", Enum.GetNames<TEnum>())}.");
        }
    }

    /// <summary>A duration that must be positive, or <see cref="Timeout.InfiniteTimeSpan"/>.</summary>
    internal void RequirePositiveOrInfinite(string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
        {
            Add(key, $"must be positive or infinite (-00:00:00.001) (got {value}).");
        }
    }
}
