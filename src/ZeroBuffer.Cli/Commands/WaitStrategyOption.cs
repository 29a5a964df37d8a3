using System.CommandLine;

namespace ZeroBuffer.Cli.Commands;

/// <summary>
/// <c>--wait-strategy blocking|spin-then-block|busy-spin</c> of <c>read</c>, <c>write</c>,
/// <c>serve</c> and <c>call</c>: how the command's reader or writer (or duplex endpoint) waits
/// (<see cref="WaitStrategy.Parse"/>). Default spin-then-block, the library's default.
/// </summary>
internal static class WaitStrategyOption
{
    internal static Option<string> Create(string waits)
    {
        var option = new Option<string>("--wait-strategy")
        {
            Description = $"How {waits} waits: blocking (sleep at once), spin-then-block (poll ~50 µs, then sleep), busy-spin (poll, a core per waiting side).",
            DefaultValueFactory = _ => StrategyNames.Default,
        };
        option.AcceptOnlyFromAmong(StrategyNames.All);
        return option;
    }

    /// <summary>The strategy the option names.</summary>
    internal static WaitStrategy Get(ParseResult parse, Option<string> option) => WaitStrategy.Parse(parse.GetValue(option) ?? StrategyNames.Default);
}
