using ZeroBuffer.Primitives;
using ZeroBuffer.Protocol;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests;

/// <summary>Faults around the protocol's edges that must not lose a frame or crash the process.</summary>
public sealed class RobustnessTests
{
    [Fact]
    public void CommittedFrameWhoseTokenWasLostIsStillDelivered()
    {
        string name = TestNames.Unique("lost-token");
        using (var reader = new Reader(name, new BufferConfig(0, 4096)))
        using (var writer = new Writer(name))
        {
            writer.WriteFrame([7, 7, 7]);
            using (NamedSemaphore dataAvailable = NamedSemaphore.OpenExisting(ResourceNames.DataAvailableSemaphore(name), name)!)
            {
                Assert.True(dataAvailable.TryWait()); // the token goes missing (a writer killed before its post, a foreign writer)
            }

            using Frame frame = reader.ReadFrame(TimeSpan.FromSeconds(5));
            Assert.True(frame.IsValid);
            Assert.Equal(1UL, frame.Sequence);
            Assert.Equal(new byte[] { 7, 7, 7 }, frame.ToArray());
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task DisposingWriterWhileAnotherThreadFillsAFrameDoesNotCrash()
    {
        string name = TestNames.Unique("dispose-fill");
        using (var reader = new Reader(name, new BufferConfig(0, 4096)))
        {
            var writer = new Writer(name);
            using var acquired = new ManualResetEventSlim();
            using var disposed = new ManualResetEventSlim();
            Task filling = Task.Run(() =>
            {
                Span<byte> span = writer.GetFrameBuffer(1000);
                acquired.Set();
                disposed.Wait(TimeSpan.FromSeconds(10));
                span.Fill(0xAB); // must not fault: the mapping outlives a dispose from another thread
                writer.CommitFrame();
            });

            acquired.Wait(TimeSpan.FromSeconds(10));
            writer.Dispose();
            disposed.Set();

            await Assert.ThrowsAsync<ObjectDisposedException>(() => filling.WaitAsync(TimeSpan.FromSeconds(10)));
            // Nothing was published, and the writer closed: the reader finds the end of the stream, no frame.
            Assert.Throws<WriterClosedException>(() => reader.ReadFrame(TimeSpan.Zero));
            Assert.Equal(0UL, reader.GetStatus().WrittenCount);
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void SymlinkAtTheLockPathIsRefusedNotFollowed()
    {
        string name = TestNames.Unique("symlink-lock");
        string target = Path.Combine(Path.GetTempPath(), name + ".target");
        File.WriteAllText(target, "precious");
        File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Directory.CreateDirectory(ResourceNames.LockDirectory);
        File.CreateSymbolicLink(ResourceNames.LockFile(name), target);
        try
        {
            SystemCallException error = Assert.Throws<SystemCallException>(() => new Reader(name, new BufferConfig(0, 4096)));
            Assert.Contains("ELOOP", error.Message, StringComparison.Ordinal);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(target));
            Assert.Equal("precious", File.ReadAllText(target));
        }
        finally
        {
            File.Delete(ResourceNames.LockFile(name));
            File.Delete(target);
        }

        OsResources.AssertNone(name);
    }
}
