namespace ZeroBuffer.Cli.Events;

/// <summary>
/// <c>{"event":"error","kind":K,"message":M}</c>: the error that ends the command. Kinds: a
/// <see cref="ZeroBufferErrorKind"/> name, <c>UsageError</c>, <c>UnexpectedError</c>,
/// <c>Interrupted</c>, <c>VerificationFailed</c>.
/// </summary>
/// <param name="Kind">What went wrong, for scripts.</param>
/// <param name="Message">What went wrong, for people.</param>
/// <param name="Line">The stderr text (<c>error: ...</c>, with the stack trace under --verbose).</param>
internal sealed record ErrorEvent(string Kind, string Message, [property: System.Text.Json.Serialization.JsonIgnore] string Line) : CliEvent("error")
{
    internal override string HumanText => Line;

    internal override TextTarget Target => TextTarget.Failure;
}
