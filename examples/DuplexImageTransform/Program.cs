// An image transform as a service across two processes, over a duplex channel (two buffers):
// the server inverts every byte of each image in place, the client sends images and checks
// the answers.
//
//   dotnet run --project examples/DuplexImageTransform -- server invert &
//   dotnet run --project examples/DuplexImageTransform -- client invert 20
using System.Globalization;
using ZeroBuffer;
using ZeroBuffer.Duplex;

const int Width = 320;
const int Height = 240;

if (args.Length < 2 || args[0] is not ("server" or "client"))
{
    Console.Error.WriteLine("usage: DuplexImageTransform server CHANNEL | client CHANNEL [images]");
    return 2;
}

string channel = args[1];
return args[0] == "server"
    ? Serve(channel)
    : await SendAsync(channel, args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20);

static int Serve(string channel)
{
    var factory = new DuplexChannelFactory();
    using IMutableDuplexServer server = factory.CreateMutableServer(channel, new BufferConfig(4096, 16 * Width * Height));
    using var stop = new ManualResetEventSlim();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        stop.Set();
    };

    long served = 0;
    // Mutable mode: the request is edited where it lies in shared memory and becomes the response.
    server.Start(request =>
    {
        Span<byte> pixels = request.GetMutableSpan();
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)~pixels[i];
        }

        Interlocked.Increment(ref served);
    });
    Console.WriteLine($"serving '{channel}' (Ctrl+C to stop)");
    stop.Wait();
    server.Stop();
    Console.WriteLine($"served {Interlocked.Read(ref served)} images");
    return 0;
}

static async Task<int> SendAsync(string channel, int images)
{
    if (!DuplexChannelFactory.WaitExists(channel, TimeSpan.FromSeconds(10)))
    {
        Console.Error.WriteLine($"no server on channel '{channel}'");
        return 1;
    }

    var factory = new DuplexChannelFactory();
    using IDuplexClient client = factory.CreateClient(channel);
    byte[] image = new byte[Width * Height];
    int wrong = 0;
    for (int n = 0; n < images; n++)
    {
        Random.Shared.NextBytes(image);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        DuplexResponse response = await client.SendAsync(image, timeout.Token);
        ReadOnlySpan<byte> inverted = response.Payload.Span;
        bool ok = inverted.Length == image.Length;
        for (int i = 0; ok && i < image.Length; i++)
        {
            ok = inverted[i] == (byte)~image[i];
        }

        wrong += ok ? 0 : 1;
    }

    Console.WriteLine($"sent {images} images of {Width}x{Height}, {images - wrong} inverted correctly");
    return wrong == 0 ? 0 : 1;
}
