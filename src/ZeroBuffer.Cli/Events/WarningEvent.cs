namespace ZeroBuffer.Cli.Events;

/// <summary>Something went wrong that does not change the result (e.g. a leftover buffer could not be removed).</summary>
internal sealed record WarningEvent(string Message) : CliEvent("warning")
{
    internal override string HumanText => $"warning: {Message}";

    internal override TextTarget Target => TextTarget.Problem;
}
