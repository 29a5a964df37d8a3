using NATS.Client.Core;
using ZeroBuffer.Nats.Tests.Infrastructure;

namespace ZeroBuffer.Nats.Tests;

/// <summary>
/// The NATS client fact the exporter's design rests on (docs/bridge.md, "Zero copy"): while
/// connected, PublishAsync copies the payload before it returns, so bytes changed afterwards are
/// not what is sent. (While disconnected it waits to copy until it has reconnected: so the
/// exporter keeps each frame until its publish completes, which covers both.)
/// </summary>
public sealed class ClientBufferingTests
{
    [Fact]
    public async Task PublishAsync_copies_the_payload_before_it_returns_while_connected()
    {
        await using NatsServer server = await NatsServer.StartAsync();
        await using NatsConnection publisher = server.Connect();
        await using NatsConnection subscriber = server.Connect();
        await using INatsSub<byte[]> subscription = await subscriber.SubscribeCoreAsync<byte[]>("zbtest.copy");
        await subscriber.PingAsync(); // the subscription is registered at the server
        await publisher.ConnectAsync();

        byte[] payload = new byte[512 * 1024];
        Array.Fill(payload, (byte)1);
        ValueTask publish = publisher.PublishAsync("zbtest.copy", (ReadOnlyMemory<byte>)payload, serializer: NatsRawSerializer<ReadOnlyMemory<byte>>.Default);
        Array.Fill(payload, (byte)2); // before the publish is awaited
        await publish;

        using CancellationTokenSource safety = Eventually.Safety();
        NatsMsg<byte[]> received = await subscription.Msgs.ReadAsync(safety.Token);
        Assert.All(received.Data!, b => Assert.Equal(1, b));
    }
}
