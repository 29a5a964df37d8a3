using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using ZeroBuffer.Cli.Events;
using ZeroBuffer.Cli.Inspection;
using ZeroBuffer.Lifecycle;
using ZeroBuffer.Protocol;

namespace ZeroBuffer.Cli.Commands;

/// <summary>
/// <c>zerobuffer watch NAME</c>: measures a buffer from outside (read-only, from the segment file)
/// and shows, every interval, the writer's frames/s and MB/s, the reader's pace, utilization,
/// health and peer state, refreshed in place, until Ctrl+C or --count samples.
/// </summary>
internal static class WatchCommand
{
    private const string Events = """
        Events (--json, one object per line, one "sample" per interval):
          {"event":"sample","name":"N","sample":k,"elapsedMs":t,"framesPerSecond":f,"megabytesPerSecond":m,
           "writtenCount":c,"readCount":c,"unreadEntries":n,"usedBytes":u,"payloadSize":P,"utilization":0.0-1.0,
           "health":"healthy|degraded|critical","readerPid":r,"readerAlive":b,"writerPid":w,"writerAlive":b,
           "frames":F,"bytes":B,"entriesReadPerSecond":e,"exact":b,
           "occupancyKnown":b,"heldFrames":n,"oldestHeldSequence":s|null,"heldBytes":b,"unreadFrames":n,"unreadBytes":b,
           "held":"reader holds N undisposed frames (oldest sequence S)"|null}
          {"event":"gone","name":"N"}          the buffer disappeared while watched (exit 0)
          {"event":"done","samples":k}         after --count samples, or Ctrl+C
        framesPerSecond, megabytesPerSecond: what the writer committed over the interval: frames (wrap markers
          excluded) and their payload bytes (headers and skipped ring tails excluded); MB = 1,000,000 bytes.
          frames, bytes: the same, in total since the watch began.
        How: the control block counts entries (frames and wrap markers) but not bytes, and the write position
          goes round the ring, so watch looks every millisecond while frames flow and walks the frame headers
          committed since its last look. "exact": false when part of the interval was estimated instead (the
          writer went round the whole ring between two looks): from the entry count and the sizes measured so far.
        entriesReadPerSecond: entries (frames and wrap markers) the reader consumed per second.
        heldFrames, oldestHeldSequence, held: frames the reader took and has not given back, as 'inspect' counts
          them (a reader that never disposes its frames stalls the writer once they fill the ring); unreadFrames:
          committed, not read yet. At the end of the interval; "occupancyKnown": false when they could not be counted.
        Health: healthy below 80 % of the ring in use, degraded 80-95 %, critical above 95 %.
        Without --json a live table is redrawn in place. Ctrl+C is the way to stop it: the done event, exit 0.

        Examples:
          zerobuffer watch camera-1
          zerobuffer watch camera-1 --json --interval-ms 500 --count 10

        """;

    internal static CommandSpec Create(GlobalOptions global)
    {
        var name = new Argument<string>("NAME") { Description = "Buffer name." };
        var intervalMs = new Option<int>("--interval-ms") { Description = "Sampling interval in milliseconds.", DefaultValueFactory = _ => 1000 }.AtLeast(10);
        var count = new Option<long>("--count") { Description = "Samples to take before finishing; 0 = until Ctrl+C.", DefaultValueFactory = _ => 0 }.AtLeast(0);
        var command = new Command("watch", "Live frames/s, MB/s, utilization and peer state of a buffer.") { name, intervalMs, count };
        command.SetAction(parse => global.Run(parse, (output, stop) => Execute(
            output, stop, parse.GetRequiredValue(name), TimeSpan.FromMilliseconds(parse.GetValue(intervalMs)), parse.GetValue(count))));
        return new CommandSpec(command, Events, ExitCodeTable.Standard("success: --count samples, Ctrl+C, or the buffer is gone")
            .With(ZeroBufferErrorKind.SystemError, "the segment cannot be read (another user's, or not a segment file)")
            .With(ZeroBufferErrorKind.BufferNotFound, "no segment of that name at the start")
            .Interrupted("SIGTERM (after the done event)"));
    }

    private static int Execute(Output output, Interruption stop, string name, TimeSpan interval, long count)
    {
        ResourceNames.Validate(name);
        SegmentSnapshot first = SegmentSnapshot.Read(name)
            ?? throw new BufferNotFoundException(name, $"Buffer '{name}' has no segment ({ResourceNames.SegmentFile(name)} does not exist).");
        using RingMeter meter = RingMeter.Open(ResourceNames.SegmentFile(name));
        var sampler = new Sampler(name, interval, meter, first);
        bool gone = false;
        output.Live(View(name, null), update =>
        {
            while (count == 0 || sampler.Taken < count)
            {
                if (!sampler.TryNext(stop, out WatchSampleEvent? sample))
                {
                    gone = !stop.IsRequested;
                    return;
                }

                output.Emit(sample);
                update(() => View(name, sample));
            }
        });

        output.Emit(gone ? new BufferGoneEvent(name) : new WatchDoneEvent(sampler.Taken));
        return stop.OpenEndedExit();
    }

    /// <summary>The text view: the last sample's figures.</summary>
    private static Table View(string name, WatchSampleEvent? s)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"zerobuffer watch {Markup.Escape(name)}")
            .AddColumn("Metric").AddColumn(new TableColumn("Value").RightAligned());
        if (s is null)
        {
            table.AddRow("status", "sampling...");
            return table;
        }

        static string Peer(ulong pid, bool alive) => pid == 0 ? "none" : alive ? $"{pid} [green]alive[/]" : $"{pid} [red]dead[/]";
        static string N(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
        table.AddRow("frames/s (written)", N(s.FramesPerSecond, "N1"));
        table.AddRow("MB/s (payload written)", N(s.MegabytesPerSecond, "N2") + (s.Exact ? "" : " [yellow](estimated)[/]"));
        table.AddRow("entries/s (read)", N(s.EntriesReadPerSecond, "N1"));
        table.AddRow("utilization", $"{s.Utilization:P1} of {s.PayloadSize:N0} bytes");
        table.AddRow("health", $"[{SegmentSnapshot.HealthColor(s.Health)}]{s.Health}[/]");
        table.AddRow("unread entries", $"{s.UnreadEntries:N0}");
        table.AddRow("held by the reader", !s.OccupancyKnown ? "[dim]not counted[/]"
            : s.Held is string held ? $"[yellow]{held}[/], {s.HeldBytes:N0} bytes" : "none");
        table.AddRow("written / read", $"{s.WrittenCount:N0} / {s.ReadCount:N0}");
        table.AddRow("frames, bytes since start", $"{s.Frames:N0}, {s.Bytes:N0}");
        table.AddRow("reader", Peer(s.ReaderPid, s.ReaderAlive));
        table.AddRow("writer", Peer(s.WriterPid, s.WriterAlive));
        table.AddRow("sample", $"#{s.Sample} at {s.ElapsedMs / 1000:N1} s");
        return table;
    }

    /// <summary>Takes one sample per interval: polls the meter meanwhile, then reads the buffer's state.</summary>
    private sealed class Sampler(string name, TimeSpan interval, RingMeter meter, SegmentSnapshot first)
    {
        private readonly long _start = Stopwatch.GetTimestamp();
        private long _previousAt = Stopwatch.GetTimestamp();
        private long _previousFrames;
        private long _previousBytes;
        private ulong _previousReadCount = first.ReadCount;

        internal long Taken { get; private set; }

        /// <summary>The next sample; false when stopped or the buffer is gone.</summary>
        internal bool TryNext(Interruption stop, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out WatchSampleEvent? sample)
        {
            sample = null;
            meter.BeginInterval();
            long due = _previousAt + (long)(interval.TotalSeconds * Stopwatch.Frequency);
            for (long now = Stopwatch.GetTimestamp(); now < due; now = Stopwatch.GetTimestamp())
            {
                TimeSpan left = Stopwatch.GetElapsedTime(now, due);
                if (stop.Token.WaitHandle.WaitOne(left < meter.PollDelay ? left : meter.PollDelay))
                {
                    return false;
                }

                meter.Poll();
            }

            SegmentSnapshot? current = SegmentSnapshot.Read(name);
            if (current is null || !meter.Reopen())
            {
                return false;
            }

            meter.Poll();
            long at = Stopwatch.GetTimestamp();
            double seconds = Stopwatch.GetElapsedTime(_previousAt, at).TotalSeconds;
            ulong read = current.ReadCount >= _previousReadCount ? current.ReadCount - _previousReadCount : 0;
            BufferInfo? info = BufferCatalog.Inspect(name);
            RingOccupancy occupancy = BufferCatalog.Occupancy(name) ?? default;
            sample = new WatchSampleEvent(
                name,
                ++Taken,
                Math.Round(Stopwatch.GetElapsedTime(_start, at).TotalMilliseconds),
                Math.Round((meter.Frames - _previousFrames) / seconds, 1),
                Math.Round((meter.Bytes - _previousBytes) / seconds / 1_000_000, 3),
                current.WrittenCount,
                current.ReadCount,
                current.UnreadEntries,
                current.UsedBytes,
                current.PayloadSize,
                Math.Round(current.Utilization, 4),
                SegmentSnapshot.Health(current.Utilization),
                current.ReaderPid,
                info?.ReaderAlive ?? false,
                current.WriterPid,
                info?.WriterAlive ?? false,
                meter.Frames,
                meter.Bytes,
                Math.Round(read / seconds, 1),
                meter.Exact,
                occupancy.IsKnown,
                occupancy.HeldFrames,
                occupancy.OldestHeldSequence,
                occupancy.HeldBytes,
                occupancy.UnreadFrames,
                occupancy.UnreadBytes,
                occupancy.HeldSummary);
            (_previousAt, _previousFrames, _previousBytes, _previousReadCount) = (at, meter.Frames, meter.Bytes, current.ReadCount);
            return true;
        }
    }
}
