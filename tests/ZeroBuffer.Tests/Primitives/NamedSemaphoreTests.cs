using ZeroBuffer.Primitives;
using ZeroBuffer.Protocol;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Primitives;

public sealed class NamedSemaphoreTests
{
    [Fact]
    public void PostOnAFullSemaphoreKeepsItFullInsteadOfFailing()
    {
        string osName = ResourceNames.SpaceAvailableSemaphore(TestNames.Unique("semmax"));
        using NamedSemaphore semaphore = NamedSemaphore.CreateExclusive(osName, "test", FileModes.OwnerOnly, NamedSemaphore.MaxValue)!;
        try
        {
            semaphore.Post(); // EOVERFLOW underneath: must not throw
            Assert.Equal((int)NamedSemaphore.MaxValue, semaphore.Value);
            Assert.True(semaphore.TryWait());
            Assert.Equal((int)NamedSemaphore.MaxValue - 1, semaphore.Value);
        }
        finally
        {
            NamedSemaphore.Unlink(osName);
        }
    }

    /// <summary>
    /// A drain takes every token in one step and leaves the sleeper count alone: a sleeper added
    /// before it (a watcher) is still woken by the next post, and the count is exactly what was posted after.
    /// </summary>
    [Fact]
    public void DrainTakesEveryTokenAndKeepsTheSleepers()
    {
        Assert.True(NamedSemaphore.CountWordKnown, "glibc's semaphore layout was not recognised on this machine");
        string osName = ResourceNames.DataAvailableSemaphore(TestNames.Unique("semdrain"));
        using NamedSemaphore semaphore = NamedSemaphore.CreateExclusive(osName, "test", FileModes.OwnerOnly, 70_000)!;
        try
        {
            semaphore.AddSleeper();
            Assert.Equal(70_000, semaphore.Drain());
            Assert.Equal(0, semaphore.Value);
            Assert.Equal(0, semaphore.Drain());
            semaphore.Post();
            semaphore.Post();
            Assert.Equal(2, semaphore.Value);
            semaphore.RemoveSleeper();
            Assert.Equal(2, semaphore.Drain());
            Assert.False(semaphore.TryWait());
        }
        finally
        {
            NamedSemaphore.Unlink(osName);
        }
    }

    [Fact]
    public void CreateExclusiveReturnsNullWhenTheNameExists()
    {
        string osName = ResourceNames.DataAvailableSemaphore(TestNames.Unique("semex"));
        using NamedSemaphore first = NamedSemaphore.CreateExclusive(osName, "test", FileModes.OwnerOnly)!;
        try
        {
            Assert.Null(NamedSemaphore.CreateExclusive(osName, "test", FileModes.OwnerOnly));
            using NamedSemaphore opened = NamedSemaphore.OpenExisting(osName, "test")!;
            opened.Post();
            Assert.True(first.Wait(1000));
            Assert.False(first.TryWait());
        }
        finally
        {
            NamedSemaphore.Unlink(osName);
        }

        Assert.Null(NamedSemaphore.OpenExisting(osName, "test"));
    }

    [Fact]
    public void SpaceTokensStayBoundedWhenTheWriterNeverWaits()
    {
        // A ring far larger than the traffic: the writer never waits, the reader posts sem-r per
        // release. The writer's periodic drain must keep the count bounded (protocol-v1 §6).
        string name = TestNames.Unique("tokens");
        using var reader = new Reader(name, new BufferConfig(0, 1 << 20));
        using var writer = new Writer(name);
        using NamedSemaphore spaceAvailable = NamedSemaphore.OpenExisting(ResourceNames.SpaceAvailableSemaphore(name), name)!;
        byte[] payload = new byte[8];
        for (int i = 0; i < 200_000; i++)
        {
            writer.WriteFrame(payload);
            reader.ReadFrame(TimeSpan.FromSeconds(1)).Dispose();
        }

        Assert.InRange(spaceAvailable.Value, 0, 1 << 16);
    }
}
