namespace ZeroBuffer.Cli.Events;

/// <summary><c>demo-reader</c>: the buffer was created.</summary>
internal sealed record DemoReaderReadyEvent(string Name, int Pid) : CliEvent("ready")
{
    internal override string HumanText => $"Created buffer '{Name}'; reader PID {Pid}.";
}

/// <summary><c>demo-writer</c>: connected to the buffer.</summary>
internal sealed record DemoWriterConnectedEvent(string Name, int Pid) : CliEvent("connected")
{
    internal override string HumanText => $"Connected to buffer '{Name}'; writer PID {Pid}.";
}

/// <summary><c>demo-reader</c>, <c>demo-writer</c>: counts so far, every 200 ms.</summary>
internal sealed record DemoChildProgressEvent(long Frames, long Bytes, long Errors) : CliEvent("progress")
{
    internal override string HumanText => $"{Frames} frames, {Bytes} bytes, {Errors} errors";
}

/// <summary><c>demo-reader</c>: a frame failed verification (the first 10 failures).</summary>
internal sealed record VerifyErrorEvent(ulong Sequence, string Reason) : CliEvent("verify-error")
{
    internal override string HumanText => $"verify error: frame {Sequence}: {Reason}";

    internal override TextTarget Target => TextTarget.Problem;
}

/// <summary>
/// <c>demo-reader</c>: the result. Latency covers the frames after the warm-up; <c>allocatedBytes</c>
/// (null when the run was too short) is what the hot loop allocated over <c>allocationFrames</c> frames.
/// </summary>
internal sealed record DemoReaderSummaryEvent(
    long Frames, long Bytes, long Errors, bool Finished, double Seconds, LatencyMicroseconds LatencyMicroseconds, long? AllocatedBytes, long AllocationFrames)
    : CliEvent("summary")
{
    internal override string HumanText =>
        $"Read {Frames} frames ({Bytes} bytes) in {Seconds:0.###} s, {Errors} errors; finished: {Finished}; latency p50 {LatencyMicroseconds.P50} µs, p99 {LatencyMicroseconds.P99} µs.";
}

/// <summary><c>demo-writer</c>: the result (<c>allocatedBytes</c> as for the reader).</summary>
internal sealed record DemoWriterSummaryEvent(long Frames, long Bytes, double Seconds, long? AllocatedBytes, long AllocationFrames) : CliEvent("summary")
{
    internal override string HumanText => $"Wrote {Frames} frames ({Bytes} bytes) in {Seconds:0.###} s.";
}
