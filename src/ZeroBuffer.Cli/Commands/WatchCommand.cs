using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using ZeroBuffer.Cli.Inspection;
using ZeroBuffer.Lifecycle;
using ZeroBuffer.Protocol;

namespace ZeroBuffer.Cli.Commands;

/// <summary>
/// <c>zerobuffer watch NAME</c>: samples a buffer's control block every interval (read-only, from
/// the segment file) and shows frames/s, MB/s, utilization, health and peer state, refreshed in place.
/// </summary>
internal static class WatchCommand
{
    private const string Events = """
        Events (--json, one object per line, one "sample" per interval):
          {"event":"sample","name":"N","sample":k,"elapsedMs":t,"framesPerSecond":f,"megabytesPerSecond":m,
           "writtenCount":c,"readCount":c,"unreadEntries":n,"usedBytes":u,"payloadSize":P,"utilization":0.0-1.0,
           "health":"healthy|degraded|critical","readerPid":r,"readerAlive":b,"writerPid":w,"writerAlive":b}
          {"event":"gone","name":"N"}          the buffer disappeared while watched (exit 0)
          {"event":"done","samples":k}         after --count samples
        framesPerSecond: entries the reader consumed per second (payload_read_count; a wrap marker counts as one).
        megabytesPerSecond: ring bytes the write position advanced per second (an estimate: a writer that
        laps the whole ring within one interval is undercounted). MB = 1,000,000 bytes.
        Health: healthy below 80 % of the ring in use, degraded 80-95 %, critical above 95 %.
        Without --json a live table is redrawn in place until Ctrl+C (or --count samples).

        Examples:
          zerobuffer watch camera-1
          zerobuffer watch camera-1 --json --interval-ms 500 --count 10

        """;

    internal static (Command Command, string Epilogue) Create(GlobalOptions global)
    {
        var name = new Argument<string>("NAME") { Description = "Buffer name." };
        var intervalMs = new Option<int>("--interval-ms") { Description = "Sampling interval in milliseconds.", DefaultValueFactory = _ => 1000 }.AtLeast(10);
        var count = new Option<long>("--count") { Description = "Samples to take before finishing; 0 = until Ctrl+C.", DefaultValueFactory = _ => 0 }.AtLeast(0);
        var command = new Command("watch", "Live frames/s, MB/s, utilization and peer state of a buffer.") { name, intervalMs, count };
        command.SetAction(parse => global.Run(parse, (output, stop) => Execute(
            output, stop, parse.GetRequiredValue(name), TimeSpan.FromMilliseconds(parse.GetValue(intervalMs)), parse.GetValue(count))));
        return (command, Events + "\n" + ExitCodes.HelpSection(withTimeout: false, withVerification: false));
    }

    /// <summary>One sample: the rates since the previous one and the current state.</summary>
    private sealed record Sample(long Index, double ElapsedMs, double FramesPerSecond, double MegabytesPerSecond, SegmentSnapshot Snapshot, BufferInfo? Info);

    private static int Execute(Output output, Interruption stop, string name, TimeSpan interval, long count)
    {
        ResourceNames.Validate(name);
        SegmentSnapshot previous = SegmentSnapshot.Read(name)
            ?? throw new BufferNotFoundException(name, $"Buffer '{name}' has no segment ({ResourceNames.SegmentFile(name)} does not exist).");
        long start = Stopwatch.GetTimestamp();
        long previousAt = start;
        long taken = 0;

        Sample? Next()
        {
            if (stop.Token.WaitHandle.WaitOne(interval))
            {
                return null;
            }

            SegmentSnapshot? current = SegmentSnapshot.Read(name);
            if (current is null)
            {
                return null;
            }

            long now = Stopwatch.GetTimestamp();
            double seconds = Stopwatch.GetElapsedTime(previousAt, now).TotalSeconds;
            ulong frames = current.ReadCount >= previous.ReadCount ? current.ReadCount - previous.ReadCount : 0;
            ulong advanced = current.PayloadSize == 0 || current.PayloadSize != previous.PayloadSize ? 0
                : (current.Block.WritePosition % current.PayloadSize + current.PayloadSize - previous.Block.WritePosition % current.PayloadSize) % current.PayloadSize;
            var sample = new Sample(++taken, Stopwatch.GetElapsedTime(start, now).TotalMilliseconds,
                frames / seconds, advanced / seconds / 1_000_000, current, BufferCatalog.Inspect(name));
            (previous, previousAt) = (current, now);
            return sample;
        }

        bool gone = false;
        if (output.Json)
        {
            while (count == 0 || taken < count)
            {
                Sample? sample = Next();
                if (sample is null)
                {
                    gone = !stop.IsRequested;
                    break;
                }

                WriteJson(output, name, sample);
            }
        }
        else
        {
            CliConsole.Out.Live(Render(name, null)).AutoClear(false).Start(context =>
            {
                while (count == 0 || taken < count)
                {
                    Sample? sample = Next();
                    if (sample is null)
                    {
                        gone = !stop.IsRequested;
                        break;
                    }

                    context.UpdateTarget(Render(name, sample));
                    context.Refresh();
                }
            });
        }

        if (gone)
        {
            if (output.Json)
            {
                using Output.JsonEvent e = output.Event("gone");
                e.Writer.WriteString("name"u8, name);
            }
            else
            {
                output.Line($"Buffer '{name}' is gone.");
            }
        }
        else if (output.Json)
        {
            using Output.JsonEvent e = output.Event("done");
            e.Writer.WriteNumber("samples"u8, taken);
        }

        stop.Token.ThrowIfCancellationRequested();
        return ExitCodes.Success;
    }

    private static void WriteJson(Output output, string name, Sample sample)
    {
        SegmentSnapshot s = sample.Snapshot;
        using Output.JsonEvent e = output.Event("sample");
        e.Writer.WriteString("name"u8, name);
        e.Writer.WriteNumber("sample"u8, sample.Index);
        e.Writer.WriteNumber("elapsedMs"u8, Math.Round(sample.ElapsedMs));
        e.Writer.WriteNumber("framesPerSecond"u8, Math.Round(sample.FramesPerSecond, 1));
        e.Writer.WriteNumber("megabytesPerSecond"u8, Math.Round(sample.MegabytesPerSecond, 3));
        e.Writer.WriteNumber("writtenCount"u8, s.WrittenCount);
        e.Writer.WriteNumber("readCount"u8, s.ReadCount);
        e.Writer.WriteNumber("unreadEntries"u8, s.WrittenCount >= s.ReadCount ? s.WrittenCount - s.ReadCount : 0);
        e.Writer.WriteNumber("usedBytes"u8, s.UsedBytes);
        e.Writer.WriteNumber("payloadSize"u8, s.PayloadSize);
        e.Writer.WriteNumber("utilization"u8, Math.Round(s.Utilization, 4));
        e.Writer.WriteString("health"u8, SegmentSnapshot.Health(s.Utilization));
        e.Writer.WriteNumber("readerPid"u8, s.ReaderPid);
        e.Writer.WriteBoolean("readerAlive"u8, sample.Info?.ReaderAlive ?? false);
        e.Writer.WriteNumber("writerPid"u8, s.WriterPid);
        e.Writer.WriteBoolean("writerAlive"u8, sample.Info?.WriterAlive ?? false);
    }

    private static Table Render(string name, Sample? sample)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"zerobuffer watch {Markup.Escape(name)}")
            .AddColumn("Metric").AddColumn(new TableColumn("Value").RightAligned());
        if (sample is null)
        {
            table.AddRow("status", "sampling...");
            return table;
        }

        SegmentSnapshot s = sample.Snapshot;
        string health = SegmentSnapshot.Health(s.Utilization);
        string color = health switch { "healthy" => "green", "degraded" => "yellow", _ => "red" };
        string Peer(ulong pid, bool alive) => pid == 0 ? "none" : alive ? $"{pid} [green]alive[/]" : $"{pid} [red]dead[/]";
        table.AddRow("frames/s", sample.FramesPerSecond.ToString("N1", CultureInfo.InvariantCulture));
        table.AddRow("MB/s", sample.MegabytesPerSecond.ToString("N2", CultureInfo.InvariantCulture));
        table.AddRow("utilization", $"{s.Utilization:P1} of {s.PayloadSize:N0} bytes");
        table.AddRow("health", $"[{color}]{health}[/]");
        table.AddRow("unread entries", (s.WrittenCount >= s.ReadCount ? s.WrittenCount - s.ReadCount : 0).ToString("N0", CultureInfo.InvariantCulture));
        table.AddRow("written / read", $"{s.WrittenCount:N0} / {s.ReadCount:N0}");
        table.AddRow("reader", Peer(s.ReaderPid, sample.Info?.ReaderAlive ?? false));
        table.AddRow("writer", Peer(s.WriterPid, sample.Info?.WriterAlive ?? false));
        table.AddRow("sample", $"#{sample.Index} at {sample.ElapsedMs / 1000:N1} s");
        return table;
    }
}
