using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests;

/// <summary>
/// Resource cleanup (test matrix: ResourceCleanupTests). This file: normal create/dispose cycles
/// in one process. ResourceCleanupTests.Crash.cs: buffers abandoned by SIGKILLed processes.
/// </summary>
public sealed partial class ResourceCleanupTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Fact]
    public void CreateDestroyMultipleTimes()
    {
        string name = TestNames.Unique("rc-cycles");
        OsResources.AssertNone(name);
        for (int i = 0; i < 5; i++)
        {
            using (var reader = new Reader(name, new BufferConfig(1024, 10240)))
            {
                OsResources.AssertAll(name);
                using (var writer = new Writer(name))
                {
                    writer.WriteFrame([(byte)i]);
                    using Frame frame = reader.ReadFrame(Wait);
                    Assert.Equal(1UL, frame.Sequence);
                    Assert.Equal((byte)i, frame.Span[0]);
                }
            }

            OsResources.AssertNone(name);
        }
    }

    [Fact]
    public void MultipleBuffersCleanup()
    {
        string[] names = [TestNames.Unique("rc-multi0"), TestNames.Unique("rc-multi1"), TestNames.Unique("rc-multi2")];
        var readers = new List<Reader>();
        var writers = new List<Writer>();
        try
        {
            foreach (string name in names)
            {
                var reader = new Reader(name, new BufferConfig());
                readers.Add(reader);
                var writer = new Writer(name);
                writers.Add(writer);
                writer.WriteFrame([1, 2, 3]);
                using Frame frame = reader.ReadFrame(Wait);
                Assert.Equal([1, 2, 3], frame.ToArray());
            }

            Assert.All(names, OsResources.AssertAll);
            for (int i = 0; i < names.Length; i++)
            {
                writers[i].Dispose();
                readers[i].Dispose();
                OsResources.AssertNone(names[i]);
                for (int later = i + 1; later < names.Length; later++)
                {
                    OsResources.AssertAll(names[later]);
                }
            }
        }
        finally
        {
            writers.ForEach(w => w.Dispose());
            readers.ForEach(r => r.Dispose());
        }
    }

    [Fact]
    public void BufferReuseAfterDeletion()
    {
        string name = TestNames.Unique("rc-reuse");
        using (var reader = new Reader(name, new BufferConfig(1024, 10240)))
        using (var writer = new Writer(name))
        {
            writer.SetMetadata("first"u8);
            writer.WriteFrame([0xAA, 0xAA, 0xAA]);
            using Frame frame = reader.ReadFrame(Wait);
            Assert.Equal(3, frame.Size);
            Assert.Equal(0xAA, frame.Span[0]);
            Assert.Equal("first"u8.ToArray(), reader.GetMetadata().ToArray());
        }

        OsResources.AssertNone(name);
        using (var reader = new Reader(name, new BufferConfig(1024, 10240)))
        using (var writer = new Writer(name))
        {
            Assert.True(reader.GetMetadata().IsEmpty); // fresh state: no metadata, counters at zero
            Assert.Equal(0UL, reader.GetStatus().WrittenCount);
            writer.SetMetadata("second"u8); // write-once is per buffer, and this is a new buffer
            writer.WriteFrame([0xBB, 0xBB, 0xBB, 0xBB]);
            using Frame frame = reader.ReadFrame(Wait);
            Assert.Equal(4, frame.Size);
            Assert.Equal(0xBB, frame.Span[0]);
            Assert.Equal(1UL, frame.Sequence);
            Assert.Equal("second"u8.ToArray(), reader.GetMetadata().ToArray());
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task NameReuseInSeparateProcesses()
    {
        string name = TestNames.Unique("rc-procs");

        // Two different processes own the name one after the other, then this one.
        for (int round = 1; round <= 2; round++)
        {
            await using (CliProcess reader = CliProcess.Start("read", name, "--count", "1", "--json"))
            {
                await reader.WaitForEventAsync("ready");
                using (var writer = new Writer(name))
                {
                    writer.WriteFrame(new byte[round * 11]);
                    var frame = await reader.WaitForEventAsync("frame");
                    Assert.Equal(1UL, frame.GetProperty("sequence").GetUInt64());
                    Assert.Equal(round * 11, frame.GetProperty("size").GetInt32());
                }

                Assert.Equal(0, await reader.WaitForExitAsync());
            }

            OsResources.AssertNone(name);
        }

        using (var reader = new Reader(name, new BufferConfig(64, 4096)))
        using (var writer = new Writer(name))
        {
            writer.WriteFrame([33, 33, 33]);
            using Frame frame = reader.ReadFrame(Wait);
            Assert.Equal(1UL, frame.Sequence);
            Assert.Equal(3, frame.Size);
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public void CleanupWithWrapAround()
    {
        string name = TestNames.Unique("rc-wrap");
        using (var reader = new Reader(name, new BufferConfig(1024, 4096)))
        using (var writer = new Writer(name))
        {
            ulong lastWritePosition = 0;
            int wraps = 0;
            for (int i = 0; i < 20; i++)
            {
                byte[] data = new byte[512];
                data[0] = (byte)i;
                writer.WriteFrame(data);
                using Frame frame = reader.ReadFrame(Wait);
                Assert.Equal(512, frame.Size);
                Assert.Equal((byte)i, frame.Span[0]);
                ulong position = reader.GetStatus().WritePosition;
                wraps += position < lastWritePosition ? 1 : 0;
                lastWritePosition = position;
            }

            Assert.True(wraps >= 2, $"the ring wrapped {wraps} times");
        }

        OsResources.AssertNone(name);
        using (var reader = new Reader(name, new BufferConfig(1024, 4096)))
        using (var writer = new Writer(name))
        {
            writer.WriteFrame([0xFF]);
            using Frame frame = reader.ReadFrame(Wait);
            Assert.Equal(0xFF, frame.Span[0]);
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task ConcurrentNameReuse()
    {
        string name = TestNames.Unique("rc-concurrent");
        using (new Reader(name, new BufferConfig()))
        {
        }

        // Five creators of one name at once: exactly one wins, the others are told the name is taken.
        using var start = new Barrier(5);
        var winners = new List<Reader>();
        var losers = new List<ReaderAlreadyConnectedException>();
        Task[] creators = Enumerable.Range(0, 5).Select(_ => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            try
            {
                var reader = new Reader(name, new BufferConfig(1024, 10240));
                lock (winners)
                {
                    winners.Add(reader);
                }
            }
            catch (ReaderAlreadyConnectedException ex)
            {
                lock (losers)
                {
                    losers.Add(ex);
                }
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        await Task.WhenAll(creators);

        try
        {
            Assert.Single(winners);
            Assert.Equal(4, losers.Count);
            using var writer = new Writer(name);
            writer.WriteFrame([5]);
            using Frame frame = winners[0].ReadFrame(Wait);
            Assert.Equal(1UL, frame.Sequence);
        }
        finally
        {
            winners.ForEach(r => r.Dispose());
        }

        OsResources.AssertNone(name);
        using (var reader = new Reader(name, new BufferConfig()))
        using (var writer = new Writer(name))
        {
            writer.WriteFrame([6]);
            using Frame frame = reader.ReadFrame(Wait);
            Assert.Equal(6, frame.Span[0]);
        }

        OsResources.AssertNone(name);
    }
}
