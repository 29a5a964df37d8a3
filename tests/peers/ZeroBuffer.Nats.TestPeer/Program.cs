// A test peer of tests/ZeroBuffer.Nats.Tests (see its TestPeer class): host B of a duplex channel
// over NATS, in a process the test can SIGKILL.
//
//   ZeroBuffer.Nats.TestPeer duplex-server --nats URL --subject S --channel C --response-bytes N [--pause-before-piece K]
//
// A local duplex server of channel C answers every request with N bytes (byte i is i mod 251); a
// NatsDuplexServerBridge serves it on S. With --pause-before-piece K the bridge stops before it
// publishes piece K of a response in pieces and prints {"event":"paused","piece":K}: the test
// kills it there. Prints {"event":"ready"} once serving; stops when stdin closes.
using System.Globalization;
using NATS.Client.Core;
using ZeroBuffer;
using ZeroBuffer.Duplex;
using ZeroBuffer.Nats.Duplex;

if (args.Length < 1 || args[0] != "duplex-server")
{
    Console.Error.WriteLine("usage: ZeroBuffer.Nats.TestPeer duplex-server --nats URL --subject S --channel C --response-bytes N [--pause-before-piece K]");
    return 2;
}

string url = Option("--nats") ?? throw new ArgumentException("--nats is required");
string subject = Option("--subject") ?? throw new ArgumentException("--subject is required");
string channel = Option("--channel") ?? throw new ArgumentException("--channel is required");
int responseBytes = int.Parse(Option("--response-bytes") ?? "1024", CultureInfo.InvariantCulture);
int? pauseBefore = Option("--pause-before-piece") is string k ? int.Parse(k, CultureInfo.InvariantCulture) : null;

using IImmutableDuplexServer server = new DuplexChannelFactory().CreateImmutableServer(channel, new BufferConfig(4096, 16 << 20),
    new DuplexServerOptions { Mode = ProcessingMode.ThreadPool, MaxConcurrency = 4 });
server.Start((_, response) =>
{
    Span<byte> target = response.GetBuffer(responseBytes);
    for (int i = 0; i < target.Length; i++)
    {
        target[i] = (byte)(i % 251);
    }

    response.Commit();
});

await using var nats = new NatsConnection(new NatsOpts { Url = url, Name = "zbn-test-peer" });
await using var bridge = new NatsDuplexServerBridge(nats, channel, new NatsDuplexOptions { Subject = subject });
if (pauseBefore is int piece)
{
    bridge.BeforeResponsePiece = async index =>
    {
        if (index == piece)
        {
            await nats.PingAsync(); // the pieces before this one are at the server (a kill loses only what the client still buffers)
            Console.WriteLine($$"""{"event":"paused","piece":{{index}}}""");
            await Task.Delay(Timeout.Infinite); // until the test kills the process
        }
    };
}

await bridge.StartAsync();
Console.WriteLine("""{"event":"ready"}""");
await Console.In.ReadToEndAsync(); // until stdin closes
return 0;

string? Option(string name)
{
    int at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
}
