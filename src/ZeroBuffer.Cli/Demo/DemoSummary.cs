using System.Text.Json;
using Spectre.Console;
using ZeroBuffer.Cli.Events;

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

    /// <summary>The summary event.</summary>
    internal DemoSummaryEvent ToEvent(string name) => new(
        name, Verified, Verdict, WriterFrames, Frames, Bytes, Errors, Math.Round(Seconds, 3), Math.Round(FramesPerSecond, 1),
        Math.Round(GigabytesPerSecond, 3), new LatencyMicroseconds(P50, P90, P99, P999, Max),
        WriterAllocatedPerFrame is double w ? Math.Round(w, 2) : null, ReaderAllocatedPerFrame is double r ? Math.Round(r, 2) : null);

    /// <summary>The text view: a table of the result, and what the latency figures include.</summary>
    internal Rows View(int frameSize, long ringSize, double fps)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("[bold]Result[/]").AddColumn(new TableColumn("").RightAligned());
        table.AddRow("Frame size", $"{frameSize:N0} B");
        table.AddRow("Ring", ByteSize.Format(ringSize));
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
        string queued = fps <= 0 ? "[grey]Latency includes time queued in the ring while the writer runs ahead; use --fps for paced latency.[/]\n" : "";
        return new Rows(table, new Markup(queued
            + $"[grey]Latency and allocations exclude the first {DemoCounters.WarmUpFrames} frames (JIT tier-up, first-touch page faults).[/]"));
    }
}
