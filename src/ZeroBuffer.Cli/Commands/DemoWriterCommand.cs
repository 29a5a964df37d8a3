using System.CommandLine;
using System.Diagnostics;
using ZeroBuffer.Cli.Demo;
using ZeroBuffer.Cli.Events;

namespace ZeroBuffer.Cli.Commands;

/// <summary>
/// <c>zerobuffer demo-writer NAME</c> (hidden): the writing child of <c>demo</c>. Streams stamped
/// frames zero-copy for the given duration (paced by --fps, or as fast as the reader takes them),
/// then sends the EXIT frame. Stops early when stdin closes.
/// </summary>
internal static class DemoWriterCommand
{
    private const string Events = """
        Child of 'zerobuffer demo', which starts it with --json:
          {"event":"connected","name":"N","pid":1234}
          {"event":"progress","frames":F,"bytes":B,"errors":0}   every 200 ms
          {"event":"summary","frames":F,"bytes":B,"seconds":S,"allocatedBytes":A,"allocationFrames":N}   after a 64-frame warm-up

        """;

    internal static CommandSpec Create(GlobalOptions global)
    {
        var name = new Argument<string>("NAME") { Description = "Buffer name to connect to." };
        var frameSize = new Option<int>("--frame-size") { Description = "Frame size in bytes.", DefaultValueFactory = _ => DemoCommand.DefaultFrameSize }.Sized().AtLeast(DemoFrame.MinimumSize);
        var seconds = new Option<double>("--seconds") { Description = "How long to stream.", DefaultValueFactory = _ => 5 }.Within(0, DemoCommand.MaxSeconds);
        var fps = new Option<double>("--fps") { Description = "Frames per second; 0 = as fast as possible.", DefaultValueFactory = _ => 0 }.Within(0, DemoCommand.MaxFps);
        var command = new Command("demo-writer", "The writing child process of 'demo'.") { name, frameSize, seconds, fps };
        command.Hidden = true;
        command.SetAction(parse => global.Run(parse, (output, stop) => Execute(output, stop,
            parse.GetRequiredValue(name), parse.GetValue(frameSize), parse.GetValue(seconds), parse.GetValue(fps))));
        return new CommandSpec(command, Events, ExitCodeTable);
    }

    /// <summary>What the writing child can return: the errors of connecting to the buffer and writing to it.</summary>
    internal static ExitCodeTable ExitCodeTable => ExitCodeTable.Standard("success: streamed for --seconds, then sent the EXIT frame")
        .ConnectingAsWriter("the reader's buffer")
        .WritingFrames()
        .With(ZeroBufferErrorKind.BufferFull, "no room for 10 s while the reader lives")
        .Interrupted("stdin closed (the parent left or asked it to stop), SIGTERM or Ctrl+C");

    private static int Execute(Output output, Interruption stop, string name, int frameSize, double seconds, double fps)
    {
        stop.CancelOnStdinClosed();
        using var writer = new Writer(name) { WriteTimeout = TimeSpan.FromSeconds(10) };
        output.Emit(new DemoWriterConnectedEvent(name, Environment.ProcessId));

        var counters = new DemoCounters();
        long period = fps > 0 ? (long)(Stopwatch.Frequency / fps) : 0;
        long start = Stopwatch.GetTimestamp();
        long end = start + (long)(seconds * Stopwatch.Frequency);
        long next = start;
        long allocatedAfter;
        using (new ProgressReporter(output, counters))
        {
            // Hot loop: zero-copy acquire, fill, stamp, commit; no allocation.
            while (!stop.IsRequested)
            {
                long now = Stopwatch.GetTimestamp();
                if (now >= end)
                {
                    break;
                }

                if (period > 0)
                {
                    if (now < next)
                    {
                        WaitUntil(next);
                        continue;
                    }

                    next += period;
                }

                Span<byte> frame = writer.GetFrameBuffer(frameSize, out ulong sequence);
                DemoFrame.Fill(frame, sequence);
                DemoFrame.Stamp(frame);
                writer.CommitFrame();
                counters.AddFrame(frameSize);
                counters.MarkWarmUp();
            }

            allocatedAfter = GC.GetAllocatedBytesForCurrentThread();
        }

        double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        stop.Token.ThrowIfCancellationRequested();
        writer.WriteFrame(FramePattern.ExitFrame);
        (long? allocated, long allocationFrames) = counters.Allocations(allocatedAfter);
        output.Emit(new DemoWriterSummaryEvent(counters.Frames, counters.Bytes, elapsed, allocated, allocationFrames));
        return ExitCodes.Success;
    }

    /// <summary>Sleeps most of the way, then spins: pacing to within a few microseconds without a busy core.</summary>
    private static void WaitUntil(long timestamp)
    {
        long remaining = timestamp - Stopwatch.GetTimestamp();
        long twoMilliseconds = Stopwatch.Frequency / 500;
        if (remaining > twoMilliseconds)
        {
            Thread.Sleep((int)((remaining - twoMilliseconds) * 1000 / Stopwatch.Frequency));
        }

        var spinner = default(SpinWait);
        while (Stopwatch.GetTimestamp() < timestamp)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }
    }
}
