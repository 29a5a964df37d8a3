using System.Text;
using ZeroBuffer.Duplex;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Duplex;

public sealed class DuplexMetadataTests
{
    [Fact]
    public void ClientMetadata_ReachesServerBeforeFirstRequest()
    {
        string channel = TestNames.Unique("dx-meta");
        var seen = new List<string>();
        var options = new DuplexServerOptions
        {
            MetadataHandler = metadata => seen.Add("metadata:" + Encoding.UTF8.GetString(metadata)),
        };
        using IImmutableDuplexServer server = new DuplexChannelFactory().CreateImmutableServer(channel, new BufferConfig(1024, 65536), options);
        server.Start((request, response) =>
        {
            seen.Add("request:" + request.Sequence);
            response.Write(request.Span);
        });

        using (IDuplexClient client = new DuplexChannelFactory().CreateClient(channel))
        {
            client.SetMetadata("format=gray8;w=64;h=48"u8);
            Assert.Throws<MetadataAlreadyWrittenException>(() => client.SetMetadata("again"u8));
            client.SendRequest([1]);
            client.SendRequest([2]);
            for (int i = 0; i < 2; i++)
            {
                using Frame response = client.ReceiveResponse(TimeSpan.FromSeconds(10));
                Assert.True(response.IsValid);
            }
        }

        server.Stop();
        Assert.Equal(["metadata:format=gray8;w=64;h=48", "request:1", "request:2"], seen);
        DuplexPair.AssertNoBuffers(channel);
    }
}
