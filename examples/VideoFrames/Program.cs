// A video pipeline across two processes: "consume" creates the buffer and reads frames,
// "produce" connects, describes the stream in the metadata and writes synthetic frames.
//
//   dotnet run --project examples/VideoFrames -- consume cam0 &
//   dotnet run --project examples/VideoFrames -- produce cam0 90
//
// Each frame is a 16-byte header (u64 frame number, i64 capture timestamp in Stopwatch ticks,
// a monotonic clock shared by every process on the host) followed by width * height gray pixels.
using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using ZeroBuffer;

const int HeaderSize = 16;
const int Width = 640;
const int Height = 480;
const int Fps = 30;

if (args.Length < 2 || args[0] is not ("produce" or "consume"))
{
    Console.Error.WriteLine("usage: VideoFrames consume NAME | produce NAME [frames]");
    return 2;
}

string name = args[1];
int frames = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 90;
using var stopping = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true; // stop cleanly: the reader removes its buffer on the way out
    stopping.Cancel();
};

try
{
    return args[0] == "produce" ? await Produce(name, frames, stopping.Token) : await Consume(name, stopping.Token);
}
catch (OperationCanceledException) when (stopping.IsCancellationRequested)
{
    return 130;
}

static async Task<int> Produce(string name, int frames, CancellationToken stopping)
{
    // Either side may start first: ConnectAsync waits (without a thread) for the consumer's buffer.
    using Writer writer = await Writer.ConnectAsync(name, TimeSpan.FromSeconds(10), cancellationToken: stopping);
    writer.SetMetadata(Encoding.UTF8.GetBytes($"width={Width};height={Height};format=gray8;fps={Fps}"));
    byte[] frame = new byte[HeaderSize + (Width * Height)];
    long start = Stopwatch.GetTimestamp();
    for (int n = 0; n < frames; n++)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(frame, (ulong)n);
        BinaryPrimitives.WriteInt64LittleEndian(frame.AsSpan(8), Stopwatch.GetTimestamp());
        Span<byte> pixels = frame.AsSpan(HeaderSize);
        for (int y = 0; y < Height; y++)
        {
            pixels.Slice(y * Width, Width).Fill((byte)(y + (n * 4))); // a gradient that scrolls
        }

        // Waits for ring space without blocking a thread. (Zero-copy instead: GetFrameBuffer, render, CommitFrame.)
        await writer.WriteFrameAsync(frame, stopping);

        TimeSpan ahead = TimeSpan.FromSeconds((n + 1) / (double)Fps) - Stopwatch.GetElapsedTime(start);
        if (ahead > TimeSpan.Zero)
        {
            await Task.Delay(ahead, stopping); // keep the stream at its frame rate
        }
    }

    Console.WriteLine($"produced {frames} frames of {Width}x{Height}");
    return 0;
}

static async Task<int> Consume(string name, CancellationToken stopping)
{
    int frameSize = HeaderSize + (Width * Height);
    // Room for four frames: the producer never waits for a consumer that keeps up.
    using var reader = new Reader(name, new BufferConfig(metadataSize: 256, payloadSize: 4 * (frameSize + 16)));
    Console.WriteLine($"buffer '{name}' created; waiting for a producer (Ctrl+C to stop)");

    long received = 0;
    ulong expected = 0;
    double totalLatencyMs = 0;
    try
    {
        // Ends at the producer's clean close, once every frame it wrote was read.
        await foreach (Frame frame in reader.ReadAllAsync(stopping))
        {
            using (frame) // disposing gives the frame's ring space back
            {
                if (received == 0)
                {
                    Console.WriteLine($"stream: {Encoding.UTF8.GetString(reader.GetMetadata())}");
                }

                ReadOnlySpan<byte> data = frame.Span; // a view into shared memory, no copy
                ulong number = BinaryPrimitives.ReadUInt64LittleEndian(data);
                double latencyMs = Stopwatch.GetElapsedTime(BinaryPrimitives.ReadInt64LittleEndian(data[8..])).TotalMilliseconds;
                if (number != expected)
                {
                    Console.WriteLine($"frame {number} arrived, expected {expected}");
                }

                expected = number + 1;
                received++;
                totalLatencyMs += latencyMs;
                if (received % Fps == 0)
                {
                    Console.WriteLine($"frame {number}: first pixel {data[HeaderSize]}, latency {latencyMs:F3} ms");
                }
            }
        }
    }
    catch (WriterDeadException)
    {
        Console.WriteLine("the producer crashed; every frame it committed was read");
    }

    Console.WriteLine(received == 0 ? "no frames" : $"consumed {received} frames, mean latency {totalLatencyMs / received:F3} ms");
    return received > 0 ? 0 : 1;
}
