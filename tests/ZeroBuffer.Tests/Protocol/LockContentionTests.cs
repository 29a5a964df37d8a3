using System.Diagnostics;
using ZeroBuffer.Primitives;
using ZeroBuffer.Protocol;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Protocol;

/// <summary>
/// A reader that finds its name's lock held by something other than a live reader (a cleaner or a
/// sweep checking the name) waits for it instead of failing (protocol.md §5.1 step 3).
/// </summary>
public sealed class LockContentionTests
{
    [Fact]
    public async Task CreatorWaitsOutACleanerHoldingTheLock()
    {
        string name = TestNames.Unique("lock-transient");
        string lockPath = ResourceNames.LockFile(name);
        Assert.Equal(LockFile.Outcome.Acquired, LockFile.TryAcquire(lockPath, create: true, name, out LockFile? cleaner));

        // Whether the creator tries before or after the cleaner lets go, it must end up with the buffer.
        Task<Reader> creating = Task.Factory.StartNew(() => new Reader(name, new BufferConfig(0, 4096)), TaskCreationOptions.LongRunning);
        cleaner!.Release(deleteFile: true); // what a cleaner does when it is done
        using (Reader reader = await creating.WaitAsync(TimeSpan.FromSeconds(5)))
        {
            OsResources.AssertAll(name);
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public void CreatorGivesUpOnALockHeldTooLong_AndAtOnceOnALiveReader()
    {
        string name = TestNames.Unique("lock-held");
        string lockPath = ResourceNames.LockFile(name);
        Assert.Equal(LockFile.Outcome.Acquired, LockFile.TryAcquire(lockPath, create: true, name, out LockFile? holder));
        try
        {
            var clock = Stopwatch.StartNew();
            Assert.Throws<ReaderAlreadyConnectedException>(() => new Reader(name, new BufferConfig(0, 4096)));
            Assert.InRange(clock.Elapsed, ReaderResources.TransientLockWait, TimeSpan.FromSeconds(5));
        }
        finally
        {
            holder!.Release(deleteFile: true);
        }

        using (new Reader(name, new BufferConfig(0, 4096)))
        {
            var clock = Stopwatch.StartNew();
            ReaderAlreadyConnectedException error = Assert.Throws<ReaderAlreadyConnectedException>(() => new Reader(name, new BufferConfig(0, 4096)));
            Assert.True(clock.Elapsed < ReaderResources.TransientLockWait, $"a live reader is reported at once, not after {clock.Elapsed.TotalMilliseconds:0} ms");
            Assert.Contains($"PID {Environment.ProcessId}", error.Message, StringComparison.Ordinal);
        }

        OsResources.AssertNone(name);
    }
}
