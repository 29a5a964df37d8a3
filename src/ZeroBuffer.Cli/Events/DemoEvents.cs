namespace ZeroBuffer.Cli.Events;

/// <summary><c>demo</c>: the run begins.</summary>
internal sealed record DemoStartedEvent(string Name, int FrameSize, long RingSize, double Seconds, double Fps) : CliEvent("started")
{
    internal override string HumanText =>
        $"ZeroBuffer demo: {FrameSize:N0}-byte frames through a {ByteSize.Format(RingSize)} ring for {Seconds:0.##} s"
        + (Fps > 0 ? $" at {Fps:0.##} fps" : " as fast as possible") + $" (buffer {Name})";
}

/// <summary><c>demo</c>: every 500 ms (the text view is a live progress display).</summary>
internal sealed record DemoProgressEvent(double Seconds, long Written, long Read, long Errors, double GigabytesPerSecond) : CliEvent("progress")
{
    internal override string? HumanText => null;
}

/// <summary><c>demo</c>: the result (the text view is a table).</summary>
internal sealed record DemoSummaryEvent(
    string Name,
    bool Verified,
    string Verdict,
    long FramesWritten,
    long Frames,
    long Bytes,
    long Errors,
    double Seconds,
    double FramesPerSecond,
    double GigabytesPerSecond,
    LatencyMicroseconds LatencyMicroseconds,
    double? WriterAllocatedBytesPerFrame,
    double? ReaderAllocatedBytesPerFrame) : CliEvent("summary")
{
    internal override string? HumanText => null;
}
