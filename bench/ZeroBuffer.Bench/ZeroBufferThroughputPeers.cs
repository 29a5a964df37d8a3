using System.Diagnostics;

namespace ZeroBuffer.Bench;

/// <summary>
/// One-way throughput through a ZeroBuffer ring. The reader creates the buffer; the writer
/// streams data frames as fast as the ring lets it: warm-up, <see cref="ControlFrames.Mark"/>,
/// the measured window, <see cref="ControlFrames.End"/>. Zero-copy: the writer fills one byte of
/// the frame in place, the reader reads the length and the first byte. Copy: the writer copies
/// a whole buffer in (WriteFrame), the reader copies the whole frame out.
/// </summary>
internal static class ZeroBufferThroughputPeers
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    internal static int RunReader(Output output, Interruption stop, PeerSettings settings)
    {
        using var reader = settings.Configure(new Reader(settings.Name, new BufferConfig(metadataSize: 0, payloadSize: settings.RingSize)));
        reader.BatchReleases = settings.BatchReleases;
        PeerReport.Ready(output, settings.Role);
        byte[] destination = new byte[settings.FrameSize];
        var window = new MeasuredWindow();
        int sink = 0;
        bool zeroCopy = settings.ZeroCopy;
        while (!stop.IsRequested)
        {
            if (!reader.TryReadFrame(Poll, out Frame frame))
            {
                continue;
            }

            int size = frame.Size;
            if (size > ControlFrames.Hello)
            {
                if (zeroCopy)
                {
                    sink += frame.Span[0];
                }
                else
                {
                    frame.Span.CopyTo(destination);
                }
            }

            frame.Dispose();
            if (window.Count(size))
            {
                break;
            }
        }

        stop.Token.ThrowIfCancellationRequested();
        GC.KeepAlive(sink);
        window.Report(output, settings.Role);
        return ExitCodes.Success;
    }

    internal static int RunWriter(Output output, Interruption stop, PeerSettings settings)
    {
        using var writer = settings.Configure(new Writer(settings.Name) { WriteTimeout = TimeSpan.FromSeconds(30) });
        PeerReport.Ready(output, settings.Role);
        byte[] source = new byte[settings.FrameSize];
        for (int i = 0; i < source.Length; i++)
        {
            source[i] = (byte)i;
        }

        int size = settings.FrameSize;
        bool zeroCopy = settings.ZeroCopy;
        int batch = Math.Clamp(65536 / size, 1, 256); // frames between clock reads
        long frames = 0;

        long warmUpEnd = Stopwatch.GetTimestamp() + (long)(settings.WarmUpSeconds * Stopwatch.Frequency);
        do
        {
            WriteBatch(writer, source, size, zeroCopy, batch, ref frames);
        }
        while (Stopwatch.GetTimestamp() < warmUpEnd && !stop.IsRequested);

        writer.WriteFrame(ControlFrames.Payload(ControlFrames.Mark));
        var meter = new SideMeter();
        meter.Start();
        frames = 0;
        long end = Stopwatch.GetTimestamp() + (long)(settings.Seconds * Stopwatch.Frequency);
        do
        {
            WriteBatch(writer, source, size, zeroCopy, batch, ref frames);
        }
        while (Stopwatch.GetTimestamp() < end && !stop.IsRequested);

        meter.Stop();
        writer.WriteFrame(ControlFrames.Payload(ControlFrames.End));
        stop.Token.ThrowIfCancellationRequested();
        PeerReport.Summary(output, settings.Role, frames, frames * size, meter);
        return ExitCodes.Success;
    }

    private static void WriteBatch(Writer writer, byte[] source, int size, bool zeroCopy, int batch, ref long frames)
    {
        for (int i = 0; i < batch; i++)
        {
            if (zeroCopy)
            {
                Span<byte> frame = writer.GetFrameBuffer(size);
                frame[0] = (byte)frames;
                writer.CommitFrame();
            }
            else
            {
                writer.WriteFrame(source);
            }

            frames++;
        }
    }
}
