using System.CommandLine;
using System.Diagnostics;
using HdrHistogram;
using ZeroBuffer.Cli.Demo;
using ZeroBuffer.Cli.Events;

namespace ZeroBuffer.Cli.Commands;

/// <summary>
/// <c>zerobuffer demo-reader NAME</c> (hidden): the reading child of <c>demo</c>. Creates the
/// buffer, verifies every frame (sequence continuity, stamp, checksum), records latency, and
/// reports JSON lines to its parent. Stops at the EXIT frame, or when stdin closes (the parent
/// left or asked it to stop); the buffer is removed either way.
/// </summary>
internal static class DemoReaderCommand
{
    private static readonly TimeSpan StopPoll = TimeSpan.FromMilliseconds(100);
    private const int MaxReportedErrors = 10;

    private const string Events = """
        Child of 'zerobuffer demo', which starts it with --json:
          {"event":"ready","name":"N","pid":1234}
          {"event":"progress","frames":F,"bytes":B,"errors":E}   every 200 ms
          {"event":"verify-error","sequence":s,"reason":"..."}    the first 10 failures
          {"event":"summary","frames":F,"bytes":B,"errors":E,"finished":true,"seconds":S,
           "latencyMicroseconds":{"p50":..,"p90":..,"p99":..,"p999":..,"max":..},   frames after the 64-frame warm-up
           "allocatedBytes":A,"allocationFrames":N}   bytes the hot loop allocated over N frames after a 64-frame warm-up

        """;

    internal static CommandSpec Create(GlobalOptions global)
    {
        var name = new Argument<string>("NAME") { Description = "Buffer name to create." };
        var ringSize = new Option<long>("--ring-size") { Description = "Ring size in bytes.", DefaultValueFactory = _ => DemoCommand.DefaultRingSize }.Sized().AtLeast(64);
        var command = new Command("demo-reader", "The reading child process of 'demo'.") { name, ringSize };
        command.Hidden = true;
        command.SetAction(parse => global.Run(parse, (output, stop) =>
            Execute(output, stop, parse.GetRequiredValue(name), parse.GetValue(ringSize))));
        return new CommandSpec(command, Events, ExitCodeTable);
    }

    /// <summary>What the reading child can return: verification failures, and the errors of creating the buffer and reading it.</summary>
    internal static ExitCodeTable ExitCodeTable => ExitCodeTable.Standard("success: the EXIT frame arrived and every frame verified")
        .With(ExitCodes.VerificationFailed, "a frame failed verification, or no EXIT frame came")
        .CreatingAsReader()
        .With(ZeroBufferErrorKind.WriterDead, "the writer died before its EXIT frame")
        .With(ZeroBufferErrorKind.BufferCorrupted, "a frame header is impossible")
        .With(ZeroBufferErrorKind.WriterClosed, "the writer closed the stream without its EXIT frame")
        .Interrupted("stdin closed (the parent left or asked it to stop), SIGTERM or Ctrl+C");

    private static int Execute(Output output, Interruption stop, string name, long ringSize)
    {
        stop.CancelOnStdinClosed();
        using var reader = new Reader(name, new BufferConfig(metadataSize: 0, payloadSize: ringSize));
        output.Emit(new DemoReaderReadyEvent(name, Environment.ProcessId));

        var counters = new DemoCounters();
        // Latency in nanoseconds, 3 significant digits, up to one hour.
        var latency = new LongHistogram(3_600_000_000_000L, 3);
        latency.RecordValue(1); // the first record initialises lazily (allocates); keep that out of the measured loop
        latency.Reset();
        double nanosecondsPerTick = 1e9 / Stopwatch.Frequency;
        bool finished = false;
        long firstReceived = 0;
        long lastReceived = 0;
        ulong expected = 1;
        long allocatedAfter;

        using (new ProgressReporter(output, counters))
        {
            try
            {
                // Hot loop: no allocation on the success path (checked by the allocation figure in the summary).
                while (!stop.IsRequested)
                {
                    Frame frame;
                    try
                    {
                        if (!reader.TryReadFrame(StopPoll, out frame))
                        {
                            continue;
                        }
                    }
                    catch (SequenceError ex)
                    {
                        // The library detected a gap or duplicate; the frame stays for the next read.
                        counters.AddError();
                        ReportError(output, counters, ex.Actual, $"sequence error: expected {ex.Expected}, got {ex.Actual}");
                        expected = ex.Actual;
                        continue;
                    }

                    long received = Stopwatch.GetTimestamp();
                    using (frame)
                    {
                        ReadOnlySpan<byte> payload = frame.Span;
                        if (FramePattern.IsExitFrame(payload))
                        {
                            finished = true;
                            break;
                        }

                        firstReceived = firstReceived == 0 ? received : firstReceived;
                        lastReceived = received;
                        DemoFrame.Verdict verdict = DemoFrame.Verify(payload, frame.Sequence, out long sent);
                        if (verdict != DemoFrame.Verdict.Ok || frame.Sequence != expected)
                        {
                            counters.AddError();
                            ReportError(output, counters, frame.Sequence,
                                frame.Sequence != expected ? $"expected sequence {expected}" : verdict.ToString());
                        }
                        else if (counters.Frames >= DemoCounters.WarmUpFrames)
                        {
                            // Steady state only: the first frames pay for JIT tier-up and first-touch page faults.
                            latency.RecordValue(Math.Max(0, (long)((received - sent) * nanosecondsPerTick)));
                        }

                        expected = frame.Sequence + 1;
                        counters.AddFrame(payload.Length);
                        counters.MarkWarmUp();
                    }
                }
            }
            finally
            {
                allocatedAfter = GC.GetAllocatedBytesForCurrentThread();
            }
        }

        stop.Token.ThrowIfCancellationRequested();
        (long? allocated, long allocationFrames) = counters.Allocations(allocatedAfter);
        output.Emit(new DemoReaderSummaryEvent(counters.Frames, counters.Bytes, counters.Errors, finished,
            Stopwatch.GetElapsedTime(firstReceived, lastReceived).TotalSeconds,
            new LatencyMicroseconds(Micros(latency, 50), Micros(latency, 90), Micros(latency, 99), Micros(latency, 99.9),
                latency.TotalCount == 0 ? 0 : latency.GetMaxValue() / 1000.0),
            allocated, allocationFrames));
        return finished && counters.Errors == 0 ? ExitCodes.Success : ExitCodes.VerificationFailed;
    }

    private static double Micros(LongHistogram histogram, double percentile) =>
        histogram.TotalCount == 0 ? 0 : histogram.GetValueAtPercentile(percentile) / 1000.0;

    private static void ReportError(Output output, DemoCounters counters, ulong sequence, string reason)
    {
        if (counters.Errors > MaxReportedErrors)
        {
            return;
        }

        output.Emit(new VerifyErrorEvent(sequence, reason));
    }
}
