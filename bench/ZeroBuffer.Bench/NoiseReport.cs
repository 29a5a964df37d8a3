using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;
using ZeroBuffer.Cli.Events;

namespace ZeroBuffer.Bench;

/// <summary>
/// What disturbed the machine during a run, and whether its figures can be trusted
/// (<see cref="NoiseVerdict"/>): the JSON summary's <c>noise</c> and the table after the targets.
/// </summary>
/// <param name="LoadAverageStart">1/5/15-minute load averages before the first case.</param>
/// <param name="LoadAverageEnd">The same after the last (the bench's own peers count in it).</param>
/// <param name="Processors">CPUs in <c>/proc/stat</c>.</param>
/// <param name="StealPercent">Time the hypervisor gave the vCPUs' turn to someone else, percent of all CPU time of the run; null without <c>/proc/stat</c>.</param>
/// <param name="OthersCpuPercent">CPU used by processes other than the bench and its peers, percent of all CPU time of the run.</param>
/// <param name="Judged">The probe over the span the verdict judges (the paced cases, or the whole run without any).</param>
/// <param name="WholeRun">The probe over the whole run (spinning cases included: their stalls are partly the bench's own doing).</param>
/// <param name="Verdict"><see cref="NoiseVerdict.Quiet"/>, <see cref="NoiseVerdict.Noisy"/> or <see cref="NoiseVerdict.TooNoisy"/>.</param>
/// <param name="Text">The verdict with what caused it.</param>
[JsonConverter(typeof(SelfWrittenJsonConverter<NoiseReport>))]
internal sealed record NoiseReport(
    string LoadAverageStart, string LoadAverageEnd, int Processors, double? StealPercent, double? OthersCpuPercent,
    ProbeFigures Judged, ProbeFigures WholeRun, string Verdict, string Text) : ISelfWrittenJson
{
    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteString("verdict"u8, Verdict);
        w.WriteString("text"u8, Text);
        w.WriteString("loadAverageStart"u8, LoadAverageStart);
        w.WriteString("loadAverageEnd"u8, LoadAverageEnd);
        w.WriteNumber("processors"u8, Processors);
        Number(w, "stealPercent", StealPercent);
        Number(w, "othersCpuPercent", OthersCpuPercent);
        Judged.WriteJson(w, "probe");
        WholeRun.WriteJson(w, "probeWholeRun");
    }

    /// <summary>The table: each disturbance, then the verdict.</summary>
    internal void Write(IAnsiConsole console)
    {
        var table = new Table { Title = new TableTitle("machine noise during the run (issue 18; thresholds: docs/performance.md, \"Noise\")") };
        table.AddColumns("what", "measured");
        table.AddRow("load average (1/5/15 min) at start / end", Markup.Escape($"{LoadAverageStart} / {LoadAverageEnd}"));
        table.AddRow("steal time (hypervisor)", StealPercent is double steal ? $"{Format.Number(steal)} % of the CPU time" : "unknown");
        table.AddRow("CPU of other processes", OthersCpuPercent is double others ? $"{Format.Number(others)} % of {Processors} CPUs" : "unknown");
        table.AddRow(Markup.Escape($"idle probe, {Judged.Scope}"), Markup.Escape(Judged.Describe()));
        if (WholeRun.Scope != Judged.Scope)
        {
            table.AddRow(Markup.Escape($"idle probe, {WholeRun.Scope}"), Markup.Escape(WholeRun.Describe()));
        }

        string colour = Verdict switch
        {
            NoiseVerdict.Quiet => "green",
            NoiseVerdict.Noisy => "yellow",
            _ => "red",
        };
        table.AddRow("[bold]verdict[/]", $"[{colour}]{Markup.Escape(Text)}[/]");
        console.Write(table);
    }

    private static void Number(Utf8JsonWriter w, string name, double? value)
    {
        if (value is double v && double.IsFinite(v))
        {
            w.WriteNumber(name, Math.Round(v, 3));
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
