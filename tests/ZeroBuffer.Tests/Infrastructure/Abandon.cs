using System.Buffers.Binary;
using System.Diagnostics;
using ZeroBuffer.Lifecycle;
using ZeroBuffer.Primitives;
using ZeroBuffer.Protocol;

namespace ZeroBuffer.Tests.Infrastructure;

/// <summary>
/// Makes abandoned buffers the way a crash does (a CLI reader SIGKILLed) or the pieces a crash
/// can leave (orphans), and waits for end states. Other test classes run in parallel and their
/// readers sweep stale buffers too, so tests assert the end state, not who removed a buffer.
/// </summary>
internal static class Abandon
{
    /// <summary>"Within 1 s" liveness bound plus slack for a loaded 2-core machine (as elsewhere in the suite).</summary>
    internal static readonly TimeSpan DeadPeerBound = TimeSpan.FromSeconds(1.5);

    /// <summary>Starts <c>zerobuffer read NAME --json</c>, waits until the buffer exists, SIGKILLs it; returns the dead PID.</summary>
    internal static async Task<int> ByKilledReaderAsync(string name, params string[] readArgs)
    {
        await using CliProcess reader = CliProcess.Start(["read", name, "--json", .. readArgs]);
        await reader.WaitForEventAsync("ready");
        await reader.KillAsync();
        return reader.Pid;
    }

    /// <summary>A PID that was just used by a process that has exited (not reused in the test's lifetime in practice).</summary>
    internal static int DeadPid()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        process.WaitForExit();
        return process.Id;
    }

    /// <summary>Writes <c>/dev/shm/NAME</c> by hand: a valid protocol-1 control block (M = 0, P = 64) with the given PIDs, and no semaphores.</summary>
    internal static void OrphanSegment(string name, ulong readerPid, ulong writerPid)
    {
        byte[] segment = new byte[128 + 64];
        BinaryPrimitives.WriteUInt32LittleEndian(segment, 128);
        segment[4] = 1; // version 1.0.0
        BinaryPrimitives.WriteUInt64LittleEndian(segment.AsSpan(32), 64); // payload_size
        BinaryPrimitives.WriteUInt64LittleEndian(segment.AsSpan(40), 64); // payload_free_bytes
        BinaryPrimitives.WriteUInt64LittleEndian(segment.AsSpan(80), writerPid);
        BinaryPrimitives.WriteUInt64LittleEndian(segment.AsSpan(88), readerPid);
        File.WriteAllBytes("/dev/shm/" + name, segment);
    }

    /// <summary>Creates both semaphores of NAME, as a reader killed before it created its segment leaves them.</summary>
    internal static void OrphanSemaphores(string name)
    {
        NamedSemaphore.CreateExclusive(ResourceNames.DataAvailableSemaphore(name), name, FileModes.OwnerOnly)!.Dispose();
        NamedSemaphore.CreateExclusive(ResourceNames.SpaceAvailableSemaphore(name), name, FileModes.OwnerOnly)!.Dispose();
    }

    /// <summary>Creates a lock file nobody holds, as a reader killed right after taking its lock leaves it.</summary>
    internal static void OrphanLockFile(string name)
    {
        Directory.CreateDirectory(ResourceNames.LockDirectory);
        File.WriteAllBytes(ResourceNames.LockFile(name), []);
    }

    /// <summary>Ages every file of NAME by <paramref name="age"/> (past the sweep's orphan grace period).</summary>
    internal static void Age(string name, TimeSpan age)
    {
        DateTime past = DateTime.UtcNow - age;
        foreach (string path in new[]
                 {
                     ResourceNames.SegmentFile(name), ResourceNames.SemaphoreFile(ResourceNames.DataAvailableSemaphore(name)),
                     ResourceNames.SemaphoreFile(ResourceNames.SpaceAvailableSemaphore(name)), ResourceNames.LockFile(name),
                     ResourceNames.UpstreamLockFile(name), ResourceNames.NameLockFile(name),
                 })
        {
            if (File.Exists(path))
            {
                File.SetLastWriteTimeUtc(path, past);
            }
        }
    }

    /// <summary>
    /// Waits (polling, with a deadline) until nothing of NAME exists: a parallel sweep may be
    /// removing it at this very moment. Fails with what is left.
    /// </summary>
    internal static void AssertGone(string name, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        while (OsResources.Existing(name).Count > 0 && clock.Elapsed < (timeout ?? TimeSpan.FromSeconds(3)))
        {
            Thread.Sleep(10); // polling a file-system end state that another process may still be producing
        }

        OsResources.AssertNone(name);
    }

    /// <summary>
    /// Creates (and disposes) readers of a fresh name, whose creation sweeps stale buffers, until
    /// nothing of any of <paramref name="names"/> is left; fails with what is left after the deadline.
    /// </summary>
    internal static void SweepUntilGone(IReadOnlyCollection<string> names, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        do
        {
            using (new Reader(TestNames.Unique("sweeper"), new BufferConfig(0, 64)))
            {
            }
        }
        while (names.Any(n => OsResources.Existing(n).Count > 0) && clock.Elapsed < (timeout ?? TimeSpan.FromSeconds(10)));

        foreach (string name in names)
        {
            OsResources.AssertNone(name);
        }
    }

    /// <summary>Test teardown: removes whatever is left of NAME if nobody owns it (never a live buffer).</summary>
    internal static void CleanUp(string name)
    {
        if (OsResources.Existing(name).Count > 0)
        {
            _ = BufferCatalog.Clean(name);
        }
    }
}

/// <summary>Survivor-side checks shared by the crash tests.</summary>
internal static class Survivor
{
    /// <summary>
    /// Writes small frames until the writer reports <see cref="ReaderDeadException"/>; returns how
    /// long that took (the writer checks the reader on every write and every wait slice).
    /// </summary>
    internal static TimeSpan WriteUntilReaderDead(Writer writer, int size = 64)
    {
        byte[] data = new byte[size];
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            try
            {
                writer.WriteFrame(data);
            }
            catch (ReaderDeadException)
            {
                return clock.Elapsed;
            }
        }

        throw new Xunit.Sdk.XunitException($"writer of '{writer.Name}' never reported the reader's death");
    }

    /// <summary>
    /// Writes frames (with the writer's own timeout) until a write throws, and returns what it threw:
    /// a writer learns of its reader's departure at its next liveness check, at most one interval
    /// after it, or while it waits for space the gone reader never frees.
    /// </summary>
    internal static Exception WriteUntilFailure(Writer writer, int size = 64)
    {
        byte[] data = new byte[size];
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            try
            {
                writer.WriteFrame(data);
            }
            catch (Exception ex)
            {
                return ex;
            }
        }

        throw new Xunit.Sdk.XunitException($"writer of '{writer.Name}' kept writing for 10 s without an error");
    }

    /// <summary>Reads with a long timeout and expects <see cref="WriterDeadException"/>; returns how long that took.</summary>
    internal static TimeSpan ReadUntilWriterDead(Reader reader)
    {
        var clock = Stopwatch.StartNew();
        Assert.Throws<WriterDeadException>(() => reader.ReadFrame(TimeSpan.FromSeconds(30)));
        return clock.Elapsed;
    }

    /// <summary>Asserts a detection time within the liveness bound.</summary>
    internal static void AssertWithinBound(TimeSpan elapsed, string what) =>
        Assert.True(elapsed < Abandon.DeadPeerBound, $"{what} after {elapsed.TotalMilliseconds:0} ms (bound {Abandon.DeadPeerBound.TotalMilliseconds:0} ms)");
}
