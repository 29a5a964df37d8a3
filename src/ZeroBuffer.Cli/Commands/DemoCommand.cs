using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using ZeroBuffer.Cli.Demo;
using ZeroBuffer.Cli.Events;
using ZeroBuffer.Protocol;

namespace ZeroBuffer.Cli.Commands;

/// <summary>
/// <c>zerobuffer demo</c>: streams video-sized frames from a writer process to a reader process
/// (two children of this one), shows live progress, and prints throughput, latency percentiles
/// and the verification result. Leaves nothing behind in /dev/shm or the lock directory.
/// </summary>
internal static class DemoCommand
{
    /// <summary>1920 × 1080 YUV 4:2:0: 1.5 bytes per pixel.</summary>
    internal const int DefaultFrameSize = 1920 * 1080 * 3 / 2;

    /// <summary>32 MiB: ten 1080p frames, and it fits Docker's default 64 MiB /dev/shm.</summary>
    internal const long DefaultRingSize = 32L << 20;

    /// <summary>The highest --fps (beyond it pacing means nothing).</summary>
    internal const double MaxFps = 10_000_000;

    /// <summary>The longest demo, in seconds.</summary>
    internal const double MaxSeconds = 3600;

    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan FinishGrace = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromMilliseconds(100);

    private const string Events = """
        The demo starts two child processes of this CLI: a reader (creates the buffer, verifies every
        frame's sequence and XxHash3 checksum, measures latency = receive time - send time on the shared
        monotonic clock) and a writer (stamps each frame with sequence, send time and checksum, fills it
        with a cheap pattern, writes it zero-copy). Latency includes queueing: with --fps 0 the writer
        runs ahead and frames wait in the ring; pass --fps 60 for paced, per-frame latency.
        Events (--json, one object per line):
          {"event":"started","name":"N","frameSize":F,"ringSize":R,"seconds":S,"fps":X}
          {"event":"progress","seconds":t,"written":W,"read":R,"errors":E,"gigabytesPerSecond":G}   every 500 ms
          {"event":"summary","name":"N","verified":b,"verdict":"...","framesWritten":W,"frames":F,"bytes":B,"errors":E,"seconds":S,
           "framesPerSecond":..,"gigabytesPerSecond":..,"latencyMicroseconds":{"p50":..,"p90":..,"p99":..,"p999":..,"max":..},
           "writerAllocatedBytesPerFrame":..|null,"readerAllocatedBytesPerFrame":..|null}
          {"event":"warning","message":"..."}   what a killed child left could not be removed
        Exit 0 only if every frame arrived in order with a correct checksum. A child that fails passes on
        its exit code (the error codes below come from the reader and writer children).

        Examples:
          zerobuffer demo
          zerobuffer demo --seconds 10 --fps 60 --json

        """;

    internal static CommandSpec Create(GlobalOptions global)
    {
        var seconds = new Option<double>("--seconds") { Description = "How long to stream.", DefaultValueFactory = _ => 5 };
        seconds.Check(value => value > 0 && value <= MaxSeconds ? null : $"--seconds must be in (0, {MaxSeconds}] (got {value}).");
        var frameSize = new Option<int>("--frame-size")
        {
            Description = $"Frame size in bytes (default {DefaultFrameSize}: 1080p YUV 4:2:0).",
            DefaultValueFactory = _ => DefaultFrameSize,
        }.Sized().AtLeast(DemoFrame.MinimumSize);
        var ringSize = new Option<long>("--ring-size")
        {
            Description = $"Ring size in bytes (default {DefaultRingSize}); at least 2 × (frame size + 16).",
            DefaultValueFactory = _ => DefaultRingSize,
        }.Sized().AtLeast(64);
        var fps = new Option<double>("--fps") { Description = "Frames per second; 0 = as fast as possible.", DefaultValueFactory = _ => 0 }.Within(0, MaxFps);

        var command = new Command("demo", "Stream frames between two processes and report throughput, latency and verification.")
        {
            seconds, frameSize, ringSize, fps,
        };
        command.SetAction(parse => global.Run(parse, (output, stop) => Execute(output, stop, new Settings(
            parse.GetValue(seconds), parse.GetValue(frameSize), parse.GetValue(ringSize), parse.GetValue(fps)))));
        return new CommandSpec(command, Events, ExitCodeTable.Standard("success: every frame arrived in order with a correct checksum")
            .With(ExitCodes.Unexpected, "unexpected error, or the children did not finish in time")
            .With(ExitCodes.VerificationFailed, "verification failed (a gap, a duplicate, a checksum mismatch, or an incomplete run)")
            .Interrupted("Ctrl+C or SIGTERM before the run ended (the children stop and the buffer is removed)")
            .Including(DemoReaderCommand.ExitCodeTable)
            .Including(DemoWriterCommand.ExitCodeTable));
    }

    private sealed record Settings(double Seconds, int FrameSize, long RingSize, double Fps);

    private static int Execute(Output output, Interruption stop, Settings settings)
    {
        Validate(settings);
        string name = $"zerobuffer-demo-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40];
        var live = new LiveCounters();
        ChildProcess? reader = null;
        ChildProcess? writer = null;
        try
        {
            output.Emit(new DemoStartedEvent(name, settings.FrameSize, settings.RingSize, settings.Seconds, settings.Fps));
            reader = ChildProcess.Start("reader",
                ["demo-reader", name, "--ring-size", Invariant(settings.RingSize), "--json"], live.OnReaderEvent);
            if (!WaitForReady(reader, live, stop))
            {
                stop.Token.ThrowIfCancellationRequested();
                return ChildFailed(output, reader, "did not create the buffer");
            }

            writer = ChildProcess.Start("writer",
                ["demo-writer", name, "--frame-size", Invariant(settings.FrameSize), "--seconds", Invariant(settings.Seconds),
                 "--fps", Invariant(settings.Fps), "--json"],
                live.OnWriterEvent);
            live.Start();

            Func<bool> finished = () => reader.HasExited && writer.HasExited;
            var deadline = Stopwatch.StartNew();
            Func<bool> stopWaiting = () => finished() || stop.IsRequested || deadline.Elapsed > TimeSpan.FromSeconds(settings.Seconds) + FinishGrace;
            Monitor(output, live, settings, stopWaiting);

            stop.Token.ThrowIfCancellationRequested();
            if (!writer.WaitForExit(FinishGrace) || !reader.WaitForExit(FinishGrace))
            {
                throw new TimeoutException($"The demo children did not finish within {settings.Seconds + FinishGrace.TotalSeconds:0} s.");
            }

            return Summarize(output, name, settings, reader, writer);
        }
        finally
        {
            writer?.Dispose();
            reader?.Dispose();
            if (BufferSweep.Remove(name) is string problem)
            {
                output.Emit(new WarningEvent(problem));
            }
        }
    }

    private static void Validate(Settings settings)
    {
        long ring = (settings.RingSize + 63) / 64 * 64;
        if (2 * (settings.FrameSize + 16L) > ring)
        {
            throw new UsageException(
                $"--ring-size {settings.RingSize} is too small for {settings.FrameSize}-byte frames: a frame always fits only when 16 + size <= ring / 2; use at least {2 * (settings.FrameSize + 16L)}.");
        }

        try
        {
            var shm = new DriveInfo(ResourceNames.ShmDirectory);
            long needed = ring + ZeroBufferLayout.OiebSize;
            if (shm.IsReady && shm.AvailableFreeSpace < needed)
            {
                throw new UsageException(
                    $"{ResourceNames.ShmDirectory} has {shm.AvailableFreeSpace} bytes free, the ring needs {needed}: pass a smaller --ring-size (e.g. {2 * (settings.FrameSize + 16L)}).");
            }
        }
        catch (IOException)
        {
            // Cannot tell; the reader reports ENOSPC if it really does not fit.
        }
    }

    private static bool WaitForReady(ChildProcess reader, LiveCounters live, Interruption stop)
    {
        var waited = Stopwatch.StartNew();
        while (!live.ReaderReady.Wait(RefreshInterval))
        {
            if (reader.HasExited || stop.IsRequested || waited.Elapsed > ReadyTimeout)
            {
                return false;
            }
        }

        return true;
    }

    private static int ChildFailed(Output output, ChildProcess child, string what)
    {
        child.WaitForExit(TimeSpan.FromSeconds(5));
        string detail = child.Error is JsonElement error && error.TryGetProperty("message", out JsonElement message)
            ? message.GetString() ?? ""
            : child.Stderr;
        int code = child.HasExited && child.ExitCode != 0 ? child.ExitCode : ExitCodes.Unexpected;
        string kind = child.Error is JsonElement e && e.TryGetProperty("kind", out JsonElement k) ? k.GetString() ?? ErrorReporter.UnexpectedKind : ErrorReporter.UnexpectedKind;
        return ErrorReporter.Report(output, code, kind, $"the demo {child.Role} {what}: {detail}");
    }

    /// <summary>Follows the children until <paramref name="stopWaiting"/>: a progress event every 500 ms, and on a terminal a live view.</summary>
    private static void Monitor(Output output, LiveCounters live, Settings settings, Func<bool> stopWaiting)
    {
        long nextReport = Stopwatch.GetTimestamp();
        output.Live(ProgressView(live.Take(), settings, done: false), update =>
        {
            while (true)
            {
                bool done = stopWaiting();
                LiveCounters.Snapshot s = live.Take();
                update(() => ProgressView(s, settings, done));
                if (Stopwatch.GetTimestamp() >= nextReport)
                {
                    nextReport = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 2;
                    output.Emit(new DemoProgressEvent(Math.Round(s.Elapsed.TotalSeconds, 2), s.WriterFrames, s.ReaderFrames, s.Errors, Math.Round(s.GigabytesPerSecond, 3)));
                }

                if (done)
                {
                    return;
                }

                Thread.Sleep(RefreshInterval);
            }
        }, redrawOnly: true); // piped, the result table says it all: no progress view every 100 ms
    }

    /// <summary>The text view while the demo runs: frames written and verified, throughput, time against the planned seconds.</summary>
    private static Grid ProgressView(LiveCounters.Snapshot s, Settings settings, bool done)
    {
        const int BarWidth = 30;
        double elapsed = done ? settings.Seconds : Math.Min(s.Elapsed.TotalSeconds, settings.Seconds);
        int filled = (int)Math.Round(BarWidth * elapsed / settings.Seconds);
        string bar = $"[green]{new string('━', filled)}[/][grey]{new string('━', BarWidth - filled)}[/] {elapsed:F1}/{settings.Seconds:0.##} s";
        return new Grid().AddColumn().AddColumn().AddColumn()
            .AddRow("[bold]writer[/]", $"{s.WriterFrames,9:N0} frames written", bar)
            .AddRow("[bold]reader[/]", $"{s.ReaderFrames,9:N0} frames verified  {s.GigabytesPerSecond,6:F2} GB/s" + (s.Errors > 0 ? $"  [red]{s.Errors} errors[/]" : ""), "");
    }

    private static int Summarize(Output output, string name, Settings settings, ChildProcess reader, ChildProcess writer)
    {
        var summary = DemoSummary.From(settings.FrameSize, reader, writer);
        output.Emit(summary.ToEvent(name));
        output.Show(console => console.Write(summary.View(settings.FrameSize, settings.RingSize, settings.Fps)));

        if (summary.Verified)
        {
            return ExitCodes.Success;
        }

        foreach (ChildProcess child in new[] { writer, reader })
        {
            if (child.ExitCode is not ExitCodes.Success and not ExitCodes.VerificationFailed)
            {
                return ChildFailed(output, child, $"failed (exit code {child.ExitCode})");
            }
        }

        return ExitCodes.VerificationFailed;
    }

    private static string Invariant(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
