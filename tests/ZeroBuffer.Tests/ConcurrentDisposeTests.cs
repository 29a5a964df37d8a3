using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests;

/// <summary>
/// Disposing a writer while another thread is blocked in a write (the stop pattern of servers
/// and pipelines) ends that write with ObjectDisposedException and never touches unmapped memory.
/// </summary>
public sealed class ConcurrentDisposeTests
{
    [Fact]
    public async Task DisposingWriterEndsWriteBlockedOnAFullRing()
    {
        string name = TestNames.Unique("dispose-while-writing");
        using (var reader = new Reader(name, new BufferConfig(0, 1024)))
        {
            var writer = new Writer(name) { WriteTimeout = Timeout.InfiniteTimeSpan };
            writer.WriteFrame(new byte[1000]); // the ring is now full
            using var blocked = new ManualResetEventSlim();
            Task writing = Task.Run(() =>
            {
                blocked.Set();
                writer.WriteFrame(new byte[500]);
            });

            blocked.Wait(TimeSpan.FromSeconds(10));
            Assert.False(writing.IsCompleted); // cannot complete: no space, reader alive
            writer.Dispose();

            await Assert.ThrowsAsync<ObjectDisposedException>(() => writing.WaitAsync(TimeSpan.FromSeconds(5)));
            Assert.Equal(0UL, reader.GetStatus().WriterPid);
            Assert.Throws<ObjectDisposedException>(() => writer.WriteFrame(new byte[1]));
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public void StatusQueriesAfterDisposeThrowObjectDisposed()
    {
        string name = TestNames.Unique("dispose-status");
        var reader = new Reader(name, new BufferConfig(0, 1024));
        var writer = new Writer(name);
        writer.Dispose();
        reader.Dispose();

        Assert.Throws<ObjectDisposedException>(() => writer.GetStatus());
        Assert.Throws<ObjectDisposedException>(() => writer.IsReaderConnected());
        Assert.Throws<ObjectDisposedException>(() => reader.GetStatus());
        Assert.Throws<ObjectDisposedException>(() => reader.IsWriterConnected());
        Assert.Throws<ObjectDisposedException>(() => reader.ReadFrame(TimeSpan.Zero));
        writer.Dispose(); // idempotent
        reader.Dispose();
        OsResources.AssertNone(name);
    }
}
