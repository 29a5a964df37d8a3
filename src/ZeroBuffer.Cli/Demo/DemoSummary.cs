using System.Text.Json;
using Spectre.Console;
using ZeroBuffer.Cli.Commands;

namespace ZeroBuffer.Cli.Demo;

/// <summary>The demo's result, from the children's summary events.</summary>
internal sealed record DemoSummary(
    bool Verified,
    string Verdict,
    long WriterFrames,
    long Frames,
    long Bytes,
    long Errors,
    double Seconds,
    double P50,
    double P90,
    double P99,
    double P999,
    double Max,
    double? WriterAllocatedPerFrame,
    double? ReaderAllocatedPerFrame)
{
    internal double FramesPerSecond => Seconds > 0 ? Frames / Seconds : 0;

    internal double GigabytesPerSecond => Seconds > 0 ? Bytes / Seconds / 1e9 : 0;

    internal static DemoSummary From(int frameSize, ChildProcess reader, ChildProcess writer)
    {
        JsonElement? r = reader.Summary;
        JsonElement? w = writer.Summary;
        long writerFrames = w?.GetProperty("frames").GetInt64() ?? 0;
        long frames = r?.GetProperty("frames").GetInt64() ?? 0;
        long errors = r?.GetProperty("errors").GetInt64() ?? 0;
        bool finished = r?.GetProperty("finished").GetBoolean() ?? false;
        JsonElement? latency = r?.GetProperty("latencyMicroseconds");
        double L(string p) => latency?.GetProperty(p).GetDouble() ?? 0;

        string verdict;
        bool verified = false;
        if (r is null || w is null)
        {
            verdict = $"incomplete: the {(r is null ? "reader" : "writer")} reported no summary (exit code {(r is null ? reader.ExitCode : writer.ExitCode)})";
        }
        else if (errors > 0)
        {
            verdict = $"FAILED: {errors} frames with a sequence or checksum error";
        }
        else if (!finished || frames != writerFrames)
        {
            verdict = $"FAILED: {frames} of {writerFrames} frames arrived";
        }
        else if (frames == 0)
        {
            verdict = "FAILED: no frame was streamed";
        }
        else
        {
            verified = reader.ExitCode == ExitCodes.Success && writer.ExitCode == ExitCodes.Success;
            verdict = verified ? $"OK: all {frames:N0} frames in order, checksums match" : "FAILED: a child exited with an error";
        }

        return new DemoSummary(
            verified, verdict, writerFrames, frames, r?.GetProperty("bytes").GetInt64() ?? (long)frames * frameSize, errors,
            r?.GetProperty("seconds").GetDouble() ?? 0,
            L("p50"), L("p90"), L("p99"), L("p999"), L("max"),
            PerFrame(w), PerFrame(r));
    }

    private static double? PerFrame(JsonElement? summary) =>
        summary is JsonElement s && s.TryGetProperty("allocatedBytes", out JsonElement a) && a.ValueKind == JsonValueKind.Number
        && s.TryGetProperty("allocationFrames", out JsonElement n) && n.GetInt64() > 0
            ? (double)a.GetInt64() / n.GetInt64()
            : null;

    internal void WriteJson(Output output, string name)
    {
        using Output.JsonEvent e = output.Event("summary");
        e.Writer.WriteString("name"u8, name);
        e.Writer.WriteBoolean("verified"u8, Verified);
        e.Writer.WriteString("verdict"u8, Verdict);
        e.Writer.WriteNumber("framesWritten"u8, WriterFrames);
        e.Writer.WriteNumber("frames"u8, Frames);
        e.Writer.WriteNumber("bytes"u8, Bytes);
        e.Writer.WriteNumber("errors"u8, Errors);
        e.Writer.WriteNumber("seconds"u8, Math.Round(Seconds, 3));
        e.Writer.WriteNumber("framesPerSecond"u8, Math.Round(FramesPerSecond, 1));
        e.Writer.WriteNumber("gigabytesPerSecond"u8, Math.Round(GigabytesPerSecond, 3));
        e.Writer.WriteStartObject("latencyMicroseconds"u8);
        e.Writer.WriteNumber("p50"u8, P50);
        e.Writer.WriteNumber("p90"u8, P90);
        e.Writer.WriteNumber("p99"u8, P99);
        e.Writer.WriteNumber("p999"u8, P999);
        e.Writer.WriteNumber("max"u8, Max);
        e.Writer.WriteEndObject();
        WriteNullable(e, "writerAllocatedBytesPerFrame"u8, WriterAllocatedPerFrame);
        WriteNullable(e, "readerAllocatedBytesPerFrame"u8, ReaderAllocatedPerFrame);
    }

    private static void WriteNullable(Output.JsonEvent e, ReadOnlySpan<byte> property, double? value)
    {
        if (value is double v)
        {
            e.Writer.WriteNumber(property, Math.Round(v, 2));
        }
        else
        {
            e.Writer.WriteNull(property);
        }
    }

    internal void WriteTable(int frameSize, long ringSize, double fps)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("[bold]Result[/]").AddColumn(new TableColumn("").RightAligned());
        table.AddRow("Frame size", $"{frameSize:N0} B");
        table.AddRow("Ring", DemoCommand.FormatBytes(ringSize));
        table.AddRow("Pacing", fps > 0 ? $"{fps:0.##} fps" : "as fast as possible");
        table.AddRow("Frames", $"{Frames:N0}");
        table.AddRow("Duration", $"{Seconds:F2} s");
        table.AddRow("Frames/s", $"{FramesPerSecond:N0}");
        table.AddRow("Throughput", $"{GigabytesPerSecond:F2} GB/s");
        table.AddRow("Latency p50", $"{P50:N1} µs");
        table.AddRow("Latency p90", $"{P90:N1} µs");
        table.AddRow("Latency p99", $"{P99:N1} µs");
        table.AddRow("Latency p99.9", $"{P999:N1} µs");
        table.AddRow("Latency max", $"{Max:N1} µs");
        table.AddRow("Writer loop allocations", WriterAllocatedPerFrame is double wa ? $"{wa:0.##} B/frame" : "n/a (too few frames)");
        table.AddRow("Reader loop allocations", ReaderAllocatedPerFrame is double ra ? $"{ra:0.##} B/frame" : "n/a (too few frames)");
        table.AddRow("Verification", Verified ? $"[green]{Markup.Escape(Verdict)}[/]" : $"[red]{Markup.Escape(Verdict)}[/]");
        CliConsole.Out.Write(table);
        if (fps <= 0)
        {
            CliConsole.Out.MarkupLine("[grey]Latency includes time queued in the ring while the writer runs ahead; use --fps for paced latency.[/]");
        }

        CliConsole.Out.MarkupLine($"[grey]Latency and allocations exclude the first {DemoCounters.WarmUpFrames} frames (JIT tier-up, first-touch page faults).[/]");
    }
}
