using System.Globalization;
using System.Text.Json;
using ZeroBuffer.Cli;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Cli;

/// <summary>
/// <c>watch</c> measures what the writer commits at any frame size. The reported bug: 1080p
/// frames at 30 fps into a 32 MiB ring (93 MB/s, 2.8 rings a second) showed 0, 5.5 and 0 MB/s,
/// because the write position, compared once per interval, aliases. Here a real writer process
/// runs at a known rate and size; the rates are compared over the whole writing window (several
/// intervals, generous band), and the totals exactly.
/// </summary>
public sealed class WatchRateTests
{
    private const int FrameSize = 1920 * 1080 * 3 / 2; // 3,110,400 bytes
    private const int Frames = 150;
    private const double Fps = 30;

    [Fact]
    public async Task Watch_1080pAt30Fps_Into32MiB_MeasuresTheWritersRateAndTotals()
    {
        string name = TestNames.Unique("cli-watch-1080p");
        await using (CliProcess reader = CliProcess.Start("read", name, "--payload-size", "32M", "--keep-going", "--json"))
        {
            await reader.WaitForEventAsync("ready");
            await using CliProcess watch = CliProcess.Start("watch", name, "--json", "--interval-ms", "500");
            await watch.WaitForEventAsync("sample");

            await using (CliProcess writer = CliProcess.Start(
                "write", name, "--size", FrameSize.ToString(CultureInfo.InvariantCulture), "--rate", "30", "--count", Frames.ToString(CultureInfo.InvariantCulture),
                "--pattern", "zero", "--json"))
            {
                Assert.Equal(ExitCodes.Success, await writer.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            }

            // Every frame counted, exactly: the totals do not depend on timing.
            string final = await watch.WaitForLineAsync(l => l.Contains($"\"frames\":{Frames},", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
            JsonElement last = JsonDocument.Parse(final).RootElement;
            Assert.Equal((long)Frames * FrameSize, last.GetProperty("bytes").GetInt64());

            await watch.InterruptAsync();
            Assert.Equal(ExitCodes.Success, await watch.WaitForExitAsync());

            // The rate over the writing window: from the last sample before the first frame to the first one after the last.
            IReadOnlyList<JsonElement> samples = watch.Events("sample");
            JsonElement from = samples.Last(s => s.GetProperty("frames").GetInt64() == 0);
            JsonElement to = samples.First(s => s.GetProperty("frames").GetInt64() == Frames);
            double seconds = (to.GetProperty("elapsedMs").GetDouble() - from.GetProperty("elapsedMs").GetDouble()) / 1000;
            Assert.True(seconds >= Frames / Fps, $"the window ({seconds:0.0} s) is shorter than the writing ({Frames / Fps:0.0} s)");
            Assert.InRange(Frames / seconds, 0.5 * Fps, 1.5 * Fps);

            // And per sample, averaged over the intervals the writer spent writing (not one sample tightly).
            JsonElement[] writing = [.. samples.Where(s => s.GetProperty("frames").GetInt64() is > 0 and < Frames)];
            Assert.True(writing.Length >= 4, $"only {writing.Length} samples while writing");
            double meanFps = writing.Average(s => s.GetProperty("framesPerSecond").GetDouble());
            double meanMegabytes = writing.Average(s => s.GetProperty("megabytesPerSecond").GetDouble());
            Assert.InRange(meanFps, 0.5 * Fps, 1.5 * Fps);
            Assert.InRange(meanMegabytes, 0.5 * Fps * FrameSize / 1e6, 1.5 * Fps * FrameSize / 1e6);

            await reader.TerminateAsync(TimeSpan.FromSeconds(10));
        }

        OsResources.AssertNone(name);
    }
}
