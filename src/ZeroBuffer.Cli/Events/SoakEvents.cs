namespace ZeroBuffer.Cli.Events;

/// <summary><c>soak</c>: one side was SIGKILLed, and the survivor noticed after <c>detectedMs</c>.</summary>
internal sealed record KillDetectedEvent(string Side, double DetectedMs) : CliEvent("kill")
{
    internal override string HumanText => $"Killed the {Side}: noticed after {DetectedMs:0} ms.";
}

/// <summary><c>soak</c>: a verification failure.</summary>
internal sealed record SoakProblemEvent(string Message) : CliEvent("problem")
{
    internal override string HumanText => $"problem: {Message}";

    internal override TextTarget Target => TextTarget.Problem;
}

/// <summary><c>soak</c>: the result.</summary>
internal sealed record SoakSummaryEvent(
    long Frames, long Bytes, int ReaderKills, int WriterKills, int Recoveries, int Errors, double MaxDetectionMs, int Leftovers) : CliEvent("summary")
{
    internal override string HumanText =>
        $"Soak: {Frames:N0} frames ({Bytes:N0} bytes) verified; {ReaderKills} reader kills, {WriterKills} writer kills, "
        + $"{Recoveries} recoveries; slowest death detection {MaxDetectionMs:0} ms; errors: {Errors}; leftovers: {Leftovers}.";
}
