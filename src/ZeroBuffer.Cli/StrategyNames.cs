namespace ZeroBuffer.Cli;

/// <summary>
/// The wait-strategy names on the command line (those of <see cref="WaitStrategy.Parse"/>): the
/// <c>--wait-strategy</c> of <c>read</c>, <c>write</c>, <c>serve</c> and <c>call</c>, and the
/// <c>--strategy</c> of the cross-process bench (bench/ZeroBuffer.Bench) and its peers.
/// </summary>
internal static class StrategyNames
{
    internal const string Blocking = "blocking";
    internal const string SpinThenBlock = "spin-then-block";
    internal const string BusySpin = "busy-spin";

    /// <summary>The default: what a reader and a writer use when nothing is set.</summary>
    internal const string Default = SpinThenBlock;

    internal static readonly string[] All = [Blocking, SpinThenBlock, BusySpin];
}
