using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ZeroBuffer;
using ZeroBuffer.Extensions.Hosting;

namespace HostedFrameService;

/// <summary>
/// The producer: writes a gray gradient at the configured rate through the hosted writer. Each new
/// reader is a new buffer, so the stream's metadata is written whenever the connected buffer has
/// none yet; frames are placed in the ring zero-copy.
/// </summary>
internal sealed class SyntheticCamera([FromKeyedServices("cam0")] IZeroBufferWriterAccessor output, IOptions<CameraOptions> options) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        CameraOptions camera = options.Value;
        byte[] metadata = Encoding.UTF8.GetBytes($"width={camera.Width};height={camera.Height};format=gray8;fps={camera.Fps}");
        using var tick = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / camera.Fps));
        Writer? described = null;
        long n = 0;
        while (await tick.WaitForNextTickAsync(stoppingToken))
        {
            Writer writer = await output.GetWriterAsync(stoppingToken);
            try
            {
                if (!ReferenceEquals(writer, described))
                {
                    // Metadata is written once per buffer: a reader that outlived our previous run has it already.
                    if (writer.GetStatus().MetadataWrittenBytes == 0)
                    {
                        writer.SetMetadata(metadata);
                    }

                    described = writer;
                }

                Span<byte> pixels = writer.GetFrameBuffer(camera.Width * camera.Height);
                for (int y = 0; y < camera.Height; y++)
                {
                    pixels.Slice(y * camera.Width, camera.Width).Fill((byte)(y + (n * 4))); // a gradient that scrolls
                }

                writer.CommitFrame();
                n++;
            }
            catch (Exception gone) when (gone is ReaderDeadException or ObjectDisposedException or BufferFullException)
            {
                // The reader went (the hosted writer connects to the next one) or is not keeping up: drop this frame.
            }
        }
    }
}
