// The "ZeroBuffer" meter exported with OpenTelemetry: a writer streams 1080p-sized frames
// (3,110,400 bytes) at 30 fps to a reader, and the console exporter prints every instrument of
// both endpoints once a second. Writer and reader share this process only to keep the example
// short: in a real pipeline each process exports the series of its own endpoints.
//
//   dotnet run -c Release --project examples/MetricsExport -- [seconds]
using System.Globalization;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using ZeroBuffer;
using ZeroBuffer.Diagnostics;

const int FrameSize = 1920 * 1080 * 3 / 2; // one NV12 frame
const int Fps = 30;

int seconds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3;
string name = $"metrics-example-{Environment.ProcessId}";

using MeterProvider meters = Sdk.CreateMeterProviderBuilder()
    .AddMeter(ZeroBufferMetrics.MeterName)
    .AddConsoleExporter((_, export) => export.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 1000)
    .Build();

using var reader = new Reader(name, new BufferConfig(metadataSize: 1024, payloadSize: 32 << 20));
using var writer = new Writer(name);

Task reading = Task.Run(() =>
{
    try
    {
        while (true)
        {
            using Frame frame = reader.ReadFrame(Timeout.InfiniteTimeSpan);
        }
    }
    catch (WriterClosedException)
    {
        // the writer ended the stream: every frame was read
    }
});

using (var pace = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / Fps)))
{
    for (int i = 0; i < seconds * Fps && await pace.WaitForNextTickAsync(); i++)
    {
        Span<byte> frame = writer.GetFrameBuffer(FrameSize);
        frame.Fill((byte)i);
        writer.CommitFrame();
    }
}

meters.ForceFlush(); // one more export while both endpoints are alive (the reader may still be on the last frame)
writer.Dispose(); // a clean end of stream
await reading;
return 0;
