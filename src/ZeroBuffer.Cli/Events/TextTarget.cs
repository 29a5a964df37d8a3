namespace ZeroBuffer.Cli.Events;

/// <summary>Where the text of an event goes.</summary>
internal enum TextTarget
{
    /// <summary>Standard output without <c>--json</c> (standard error when stdout carries data: <c>read --output</c>).</summary>
    Report,

    /// <summary>Standard error without <c>--json</c>: something the run met and went on, or ended on without an error (a timeout, a refusal, a failed request).</summary>
    Problem,

    /// <summary>Standard error with or without <c>--json</c>: the error that ends the command (stderr is for the person running it, always).</summary>
    Failure,
}
