// An image transform as a service across two processes, over a duplex channel (two buffers):
// the server inverts every byte of each image in place, the client sends images and checks
// the answers. Start them in either order; run several clients at once.
//
//   dotnet run --project examples/DuplexImageTransform -- server invert &
//   dotnet run --project examples/DuplexImageTransform -- client invert 20
using System.Globalization;
using System.Runtime.InteropServices;
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
    using var stop = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        stop.Cancel();
    };
    using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
    {
        signal.Cancel = true; // stop like Ctrl+C: the server removes its buffers
        stop.Cancel();
    });
    server.OnError += (_, e) => Console.Error.WriteLine($"session {e.Session}, request {e.RequestSequence}: {e.Exception.Message}");

    long served = 0;
    // Mutable mode: the request is edited where it lies in shared memory and becomes the response.
    // A blank image is refused: the client is told at once, with this message.
    server.Start(request =>
    {
        Span<byte> pixels = request.GetMutableSpan();
        if (!pixels.ContainsAnyExcept((byte)0))
        {
            throw new ArgumentException($"image {request.Sequence} is blank");
        }

        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)~pixels[i];
        }

        Interlocked.Increment(ref served);
    });
    Console.WriteLine($"serving '{channel}': clients one after another, several at once (Ctrl+C to stop)");
    stop.Token.WaitHandle.WaitOne();
    server.Stop();
    Console.WriteLine($"served {Interlocked.Read(ref served)} images");
    return 0;
}

static async Task<int> SendAsync(string channel, int images)
{
    // Either side may start first: the client waits up to 10 s for the server to serve the channel.
    var factory = new DuplexChannelFactory();
    using IDuplexClient client = factory.CreateClient(channel, new DuplexClientOptions { ConnectTimeout = TimeSpan.FromSeconds(10) });
    byte[] image = new byte[Width * Height];
    int wrong = 0;
    for (int n = 0; n < images; n++)
    {
        Random.Shared.NextBytes(image);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        // The response is read where it lies in the response ring (no copy), until it is disposed.
        using Frame response = await client.RequestAsync(image, timeout.Token);
        ReadOnlySpan<byte> inverted = response.Span;
        bool ok = inverted.Length == image.Length;
        for (int i = 0; ok && i < image.Length; i++)
        {
            ok = inverted[i] == (byte)~image[i];
        }

        wrong += ok ? 0 : 1;
    }

    // A request the server cannot answer fails at once, with the server's message.
    try
    {
        using Frame refused = await client.RequestAsync(new byte[Width * Height]);
        Console.Error.WriteLine("the server answered a blank image");
        wrong++;
    }
    catch (DuplexHandlerException ex)
    {
        Console.WriteLine($"blank image refused by the server: {ex.RemoteMessage}");
    }

    Console.WriteLine($"session {client.Session}: sent {images} images of {Width}x{Height}, {images - wrong} inverted correctly");
    return wrong == 0 ? 0 : 1;
}
