using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void WriteReadRoundTrip()
    {
        string name = TestNames.Unique("smoke");
        using (var reader = new Reader(name, new BufferConfig(256, 4096)))
        {
            OsResources.AssertAll(name);
            using var writer = new Writer(name);
            writer.SetMetadata([1, 2, 3]);
            Assert.Equal(new byte[] { 1, 2, 3 }, reader.GetMetadata().ToArray());
            for (int i = 0; i < 1000; i++)
            {
                writer.WriteFrame(new byte[(i % 700) + 1]);
                using Frame f = reader.ReadFrame(TimeSpan.FromSeconds(1));
                Assert.True(f.IsValid);
                Assert.Equal((ulong)i + 1, f.Sequence);
                Assert.Equal((i % 700) + 1, f.Size);
            }

            Assert.Equal(4096UL, reader.GetStatus().PayloadFreeBytes);
        }

        OsResources.AssertNone(name);
    }
}
