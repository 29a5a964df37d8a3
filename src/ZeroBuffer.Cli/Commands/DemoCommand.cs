using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using ZeroBuffer.Cli.Demo;
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
          {"event":"summary","name":"N","verified":true,"frames":F,"seconds":S,"framesPerSecond":..,"gigabytesPerSecond":..,
           "latencyMicroseconds":{"p50":..,"p90":..,"p99":..,"p999":..,"max":..},"errors":0,
           "writerAllocatedBytesPerFrame":..,"readerAllocatedBytesPerFrame":..}
        Exit 0 only if every frame arrived in order with a correct checksum.

        Examples:
          zerobuffer demo
          zerobuffer demo --seconds 10 --fps 60 --json

        """;

    internal static (Command Command, string Epilogue) Create(GlobalOptions global)
    {
        var seconds = new Option<double>("--seconds") { Description = "How long to stream.", DefaultValueFactory = _ => 5 };
        seconds.Check(value => value > 0 && value <= 3600 ? null : $"--seconds must be in (0, 3600] (got {value}).");
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
        var fps = new Option<double>("--fps") { Description = "Frames per second; 0 = as fast as possible.", DefaultValueFactory = _ => 0 }.AtLeast(0);

        var command = new Command("demo", "Stream frames between two processes and report throughput, latency and verification.")
        {
            seconds, frameSize, ringSize, fps,
        };
        command.SetAction(parse => global.Run(parse, (output, stop) => Execute(output, stop, new Settings(
            parse.GetValue(seconds), parse.GetValue(frameSize), parse.GetValue(ringSize), parse.GetValue(fps)))));
        return (command, Events + "\n" + ExitCodes.HelpSection(withTimeout: false, withVerification: true));
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
            ReportStarted(output, name, settings);
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
            if (output.Json)
            {
                MonitorJson(output, live, stopWaiting);
            }
            else
            {
                MonitorConsole(live, settings, stopWaiting);
            }

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
            RemoveLeftovers(name);
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
        Output.ErrorLine($"error: the demo {child.Role} {what}: {detail}");
        if (output.Json)
        {
            ErrorReporter.Emit(output, kind, $"the demo {child.Role} {what}: {detail}");
        }

        return code;
    }

    private static void MonitorJson(Output output, LiveCounters live, Func<bool> stopWaiting)
    {
        long nextReport = Stopwatch.GetTimestamp();
        while (!stopWaiting())
        {
            Thread.Sleep(RefreshInterval);
            if (Stopwatch.GetTimestamp() < nextReport)
            {
                continue;
            }

            nextReport = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 2;
            LiveCounters.Snapshot s = live.Take();
            using Output.JsonEvent e = output.Event("progress");
            e.Writer.WriteNumber("seconds"u8, Math.Round(s.Elapsed.TotalSeconds, 2));
            e.Writer.WriteNumber("written"u8, s.WriterFrames);
            e.Writer.WriteNumber("read"u8, s.ReaderFrames);
            e.Writer.WriteNumber("errors"u8, s.Errors);
            e.Writer.WriteNumber("gigabytesPerSecond"u8, Math.Round(s.GigabytesPerSecond, 3));
        }
    }

    private static void MonitorConsole(LiveCounters live, Settings settings, Func<bool> stopWaiting)
    {
        CliConsole.Out.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                ProgressTask writerTask = context.AddTask("writer", maxValue: settings.Seconds);
                ProgressTask readerTask = context.AddTask("reader", maxValue: settings.Seconds);
                while (true)
                {
                    bool done = stopWaiting();
                    LiveCounters.Snapshot s = live.Take();
                    double elapsed = Math.Min(s.Elapsed.TotalSeconds, settings.Seconds);
                    writerTask.Description = $"[bold]writer[/]  {s.WriterFrames,9:N0} frames written";
                    readerTask.Description = $"[bold]reader[/]  {s.ReaderFrames,9:N0} frames verified  {s.GigabytesPerSecond,6:F2} GB/s"
                                             + (s.Errors > 0 ? $"  [red]{s.Errors} errors[/]" : "");
                    writerTask.Value = done ? settings.Seconds : elapsed;
                    readerTask.Value = done ? settings.Seconds : elapsed;
                    context.Refresh();
                    if (done)
                    {
                        break;
                    }

                    Thread.Sleep(RefreshInterval);
                }
            });
    }

    private static int Summarize(Output output, string name, Settings settings, ChildProcess reader, ChildProcess writer)
    {
        var summary = DemoSummary.From(settings.FrameSize, reader, writer);
        if (output.Json)
        {
            summary.WriteJson(output, name);
        }
        else
        {
            summary.WriteTable(settings.FrameSize, settings.RingSize, settings.Fps);
        }

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

    private static void ReportStarted(Output output, string name, Settings settings)
    {
        if (output.Json)
        {
            using Output.JsonEvent e = output.Event("started");
            e.Writer.WriteString("name"u8, name);
            e.Writer.WriteNumber("frameSize"u8, settings.FrameSize);
            e.Writer.WriteNumber("ringSize"u8, settings.RingSize);
            e.Writer.WriteNumber("seconds"u8, settings.Seconds);
            e.Writer.WriteNumber("fps"u8, settings.Fps);
        }
        else
        {
            CliConsole.Out.MarkupLine(
                $"[bold]ZeroBuffer demo[/]: {settings.FrameSize:N0}-byte frames through a {FormatBytes(settings.RingSize)} ring for {settings.Seconds:0.##} s"
                + (settings.Fps > 0 ? $" at {settings.Fps:0.##} fps" : " as fast as possible")
                + $" (buffer [grey]{Markup.Escape(name)}[/])");
        }
    }

    /// <summary>Removes whatever a killed child left of the buffer: a new reader sweeps it, then removes it.</summary>
    internal static void RemoveLeftovers(string name)
    {
        bool any = File.Exists(ResourceNames.SegmentFile(name))
                   || File.Exists(ResourceNames.SemaphoreFile(ResourceNames.DataAvailableSemaphore(name)))
                   || File.Exists(ResourceNames.SemaphoreFile(ResourceNames.SpaceAvailableSemaphore(name)))
                   || File.Exists(ResourceNames.LockFile(name));
        if (!any)
        {
            return;
        }

        try
        {
            using var sweeper = new Reader(name, new BufferConfig(0, 64));
        }
        catch (ZeroBufferException ex)
        {
            Output.ErrorLine($"warning: could not remove buffer '{name}': {ex.Message}");
        }
    }

    internal static string FormatBytes(long bytes) => bytes switch
    {
        >= 1L << 30 when bytes % (1L << 30) == 0 => $"{bytes >> 30} GiB",
        >= 1L << 20 when bytes % (1L << 20) == 0 => $"{bytes >> 20} MiB",
        >= 1L << 10 when bytes % (1L << 10) == 0 => $"{bytes >> 10} KiB",
        _ => $"{bytes:N0} B",
    };

    private static string Invariant(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
