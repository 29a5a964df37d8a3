using System.Diagnostics;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Diagnostics;

/// <summary>
/// examples/MetricsExport, built with the solution, exports the meter through OpenTelemetry's
/// console exporter as docs/operations.md shows (run as a process: the tests do not reference
/// OpenTelemetry, and neither does the library).
/// </summary>
public sealed class MetricsExportExampleTests
{
    [Fact]
    public async Task TheExample_ExportsEveryFrameOfBothEndpoints()
    {
        string example = Path.Combine(RepositoryPaths.Root, "examples", "MetricsExport", "bin", RepositoryPaths.Configuration, "net10.0", "MetricsExport.dll");
        Assert.True(File.Exists(example), $"{example} is built with the solution");
        using var process = Process.Start(new ProcessStartInfo("dotnet", [example, "1"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        string output = await stdout;
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {await stderr}");

        // One second at 30 fps: the writer's last export counts all 30 frames of 3,110,400 bytes.
        string written = Section(output, "zerobuffer.frames.written");
        Assert.Contains("zerobuffer.role: writer", written, StringComparison.Ordinal);
        Assert.Contains("Value: 30", written, StringComparison.Ordinal);
        Assert.Contains("Value: 93312000", Section(output, "zerobuffer.bytes.written"), StringComparison.Ordinal);
        Assert.Contains("zerobuffer.role: reader", Section(output, "zerobuffer.frames.read"), StringComparison.Ordinal);
    }

    /// <summary>The last export of one instrument: from its last "Metric Name:" line to the next.</summary>
    private static string Section(string output, string instrument)
    {
        string marker = $"Metric Name: {instrument},";
        int start = output.LastIndexOf(marker, StringComparison.Ordinal);
        Assert.True(start >= 0, $"no export of {instrument} in:\n{output}");
        int end = output.IndexOf("Metric Name:", start + marker.Length, StringComparison.Ordinal);
        return end < 0 ? output[start..] : output[start..end];
    }
}
