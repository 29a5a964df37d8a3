using System.Text.Json;
using ZeroBuffer.Cli;
using ZeroBuffer.Lifecycle;
using ZeroBuffer.Primitives;
using ZeroBuffer.Protocol;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests;

// Buffers abandoned by SIGKILLed processes (the CLI is the crashing peer), the stale sweep, and
// explicit cleanup. Other classes' readers sweep in parallel: end states are asserted, not who
// removed a buffer.
public sealed partial class ResourceCleanupTests
{
    private static readonly int ReaderAlreadyConnectedExit = 10 + (int)ZeroBufferErrorKind.ReaderAlreadyConnected;

    [Fact]
    public async Task CleanupStaleResourcesWithRandomNames()
    {
        string[] names = Enumerable.Range(0, 5).Select(_ => TestNames.Unique("rc-random")).ToArray();
        foreach (string name in names)
        {
            await Abandon.ByKilledReaderAsync(name, "--metadata-size", "1024", "--payload-size", "10240");
        }

        // A new reader sweeps every abandoned buffer before it creates its own.
        string trigger = TestNames.Unique("rc-trigger");
        using (new Reader(trigger, new BufferConfig(64, 4096)))
        {
            foreach (string name in names)
            {
                Abandon.AssertGone(name);
            }
        }

        OsResources.AssertNone(trigger);
    }

    [Fact]
    public async Task OnlyCleanupAbandonedBuffers()
    {
        string abandoned = TestNames.Unique("rc-abandoned");
        string activeHere = TestNames.Unique("rc-active-here");
        string activeProcess = TestNames.Unique("rc-active-proc");
        string writerKeeps = TestNames.Unique("rc-writer-keeps");

        await Abandon.ByKilledReaderAsync(abandoned);
        using var here = new Reader(activeHere, new BufferConfig(64, 4096));
        await using CliProcess otherReader = CliProcess.Start("read", activeProcess, "--json");
        await otherReader.WaitForEventAsync("ready");

        // A crashed reader whose writer is still alive: the writer still uses the buffer.
        await using CliProcess crashedReader = CliProcess.Start("read", writerKeeps, "--json");
        await crashedReader.WaitForEventAsync("ready");
        await using CliProcess liveWriter = CliProcess.Start("write", writerKeeps, "--count", "0", "--hold", "--json");
        await liveWriter.WaitForEventAsync("holding");
        await crashedReader.KillAsync();

        using (new Reader(TestNames.Unique("rc-trigger"), new BufferConfig(64, 4096)))
        {
            Abandon.AssertGone(abandoned);
            OsResources.AssertAll(activeHere);
            OsResources.AssertAll(activeProcess);
            Assert.True(OsResources.SegmentExists(writerKeeps));
            Assert.Equal(BufferState.Live, BufferCatalog.Inspect(writerKeeps)!.State);
        }

        await liveWriter.KillAsync();
        Abandon.CleanUp(writerKeeps);
        OsResources.AssertNone(writerKeeps);
        await otherReader.TerminateAsync(TimeSpan.FromSeconds(5));
        OsResources.AssertNone(activeProcess);
    }

    [Fact]
    public async Task CanCleanupAfterReaderCrash()
    {
        string name = TestNames.Unique("rc-reader-crash");
        await using (CliProcess reader = CliProcess.Start("read", name, "--json"))
        {
            await reader.WaitForEventAsync("ready");
            using var writer = new Writer(name);
            writer.SetMetadata("old"u8);
            writer.WriteFrame(FramePattern.Sequence(100, 1));
            await reader.WaitForEventAsync("frame");

            await reader.KillAsync();
            Survivor.AssertWithinBound(Survivor.WriteUntilReaderDead(writer), "reader death reported");

            // The writer gave up its claim on noticing, so the name is free without disposing it.
            using var fresh = new Reader(name, new BufferConfig(256, 8192));
            BufferStatus status = fresh.GetStatus();
            Assert.Equal((ulong)Environment.ProcessId, status.ReaderPid);
            Assert.Equal(0UL, status.WriterPid);
            Assert.Equal(0UL, status.WrittenCount);
            Assert.Equal(8192UL, status.PayloadFreeBytes);
            Assert.True(fresh.GetMetadata().IsEmpty);

            using var next = new Writer(name);
            next.WriteFrame([42]);
            using Frame frame = fresh.ReadFrame(Wait);
            Assert.Equal(1UL, frame.Sequence);
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task CanCleanupAfterWriterCrash()
    {
        string name = TestNames.Unique("rc-writer-crash");
        using (var reader = new Reader(name, new BufferConfig(64, 64 * 1024)))
        {
            await using (CliProcess writer = CliProcess.Start("write", name, "--count", "3", "--size", "500", "--hold", "--json"))
            {
                await writer.WaitForEventAsync("holding");
                await writer.KillAsync();
            }

            for (ulong seq = 1; seq <= 3; seq++)
            {
                using Frame frame = reader.ReadFrame(Wait);
                Assert.Equal(seq, frame.Sequence);
                Assert.True(FramePattern.MatchesSequence(frame.Span, seq));
            }

            Survivor.AssertWithinBound(Survivor.ReadUntilWriterDead(reader), "writer death reported");

            // A new writer connects to the same buffer; its sequence restarts at 1 (accepted).
            await using (CliProcess writer = CliProcess.Start("write", name, "--count", "2", "--size", "300", "--json"))
            {
                Assert.Equal(0, await writer.WaitForExitAsync());
            }

            for (ulong seq = 1; seq <= 2; seq++)
            {
                using Frame frame = reader.ReadFrame(Wait);
                Assert.Equal(seq, frame.Sequence);
                Assert.Equal(300, frame.Size);
                Assert.True(FramePattern.MatchesSequence(frame.Span, seq));
            }
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task CanCleanupAfterBothCrash()
    {
        string name = TestNames.Unique("rc-both-crash");
        await using (CliProcess reader = CliProcess.Start("read", name, "--json"))
        {
            await reader.WaitForEventAsync("ready");
            await using CliProcess writer = CliProcess.Start("write", name, "--count", "5", "--hold", "--json");
            await writer.WaitForEventAsync("holding");
            await writer.KillAsync();
            await reader.KillAsync();
        }

        using (var fresh = new Reader(name, new BufferConfig(128, 4096)))
        {
            OsResources.AssertAll(name);
            Assert.Equal(0UL, fresh.GetStatus().WrittenCount);
            Assert.Equal(128UL, fresh.GetStatus().MetadataSize);
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task CanReuseNameAfterCleanup()
    {
        // API: clean one stale name explicitly.
        string viaApi = TestNames.Unique("rc-clean-api");
        await Abandon.ByKilledReaderAsync(viaApi);
        CleanupResult result = BufferCatalog.Clean(viaApi);
        Assert.Contains(result.Outcome, new[] { CleanupOutcome.Removed, CleanupOutcome.NotFound }); // NotFound: a parallel sweep was first
        OsResources.AssertNone(viaApi);
        AssertUsable(viaApi);

        // CLI: zerobuffer clean NAME.
        string viaCli = TestNames.Unique("rc-clean-cli");
        await Abandon.ByKilledReaderAsync(viaCli);
        await using (CliProcess clean = CliProcess.Start("clean", viaCli, "--json"))
        {
            JsonElement cleaned = await clean.WaitForEventAsync("cleaned");
            Assert.Contains(cleaned.GetProperty("outcome").GetString(), new[] { "Removed", "NotFound" });
            Assert.Equal(0, await clean.WaitForExitAsync());
        }

        OsResources.AssertNone(viaCli);
        AssertUsable(viaCli);
    }

    [Fact]
    public async Task CleanupDoesNotAffectActiveBuffers()
    {
        string here = TestNames.Unique("rc-live-here");
        string process = TestNames.Unique("rc-live-proc");
        using var reader = new Reader(here, new BufferConfig(64, 4096));
        await using CliProcess other = CliProcess.Start("read", process, "--json");
        await other.WaitForEventAsync("ready");

        Assert.Equal(CleanupOutcome.RefusedLive, BufferCatalog.Clean(here).Outcome);
        Assert.Equal(CleanupOutcome.RefusedLive, BufferCatalog.Clean(process, dryRun: true).Outcome);
        Assert.DoesNotContain(BufferCatalog.CleanStale(), r => r.Name == here || r.Name == process);
        await using (CliProcess clean = CliProcess.Start("clean", process, "--json"))
        {
            JsonElement cleaned = await clean.WaitForEventAsync("cleaned");
            Assert.Equal("RefusedLive", cleaned.GetProperty("outcome").GetString());
            Assert.Equal(5, await clean.WaitForExitAsync());
        }

        OsResources.AssertAll(here);
        OsResources.AssertAll(process);
        using (var writer = new Writer(here))
        {
            writer.WriteFrame([9]);
            using Frame frame = reader.ReadFrame(Wait);
            Assert.Equal(9, frame.Span[0]);
        }

        using (var writer = new Writer(process))
        {
            writer.WriteFrame([8]);
            await other.WaitForEventAsync("frame");
        }

        await other.TerminateAsync(TimeSpan.FromSeconds(5));
        OsResources.AssertNone(process);
    }

    [Fact]
    public async Task StaleResourceDetection()
    {
        // Live: a reader here.
        string live = TestNames.Unique("rc-detect-live");
        using var reader = new Reader(live, new BufferConfig(64, 4096));
        BufferInfo liveInfo = BufferCatalog.Inspect(live)!;
        Assert.Equal(BufferState.Live, liveInfo.State);
        Assert.True(liveInfo.ReaderAlive);
        Assert.Equal((ulong)Environment.ProcessId, liveInfo.ReaderPid);
        Assert.Equal(4096, liveInfo.PayloadSize);
        // A created buffer: segment, semaphores and both /tmp locks (the name lock exists only while creating or cleaning).
        Assert.Equal(BufferResources.All & ~BufferResources.NameLockFile, liveInfo.Resources);
        Assert.Contains(BufferCatalog.List(), b => b.Name == live && b.State == BufferState.Live);

        // Live: a lock held by someone with nothing else yet (a reader still creating its buffer).
        string locked = TestNames.Unique("rc-detect-locked");
        Assert.Equal(LockFile.Outcome.Acquired, LockFile.TryAcquire(ResourceNames.LockFile(locked), create: true, locked, out LockFile? held));
        using (held)
        {
            Assert.Equal(BufferState.Live, BufferCatalog.Inspect(locked)!.State);
            Assert.Equal(CleanupOutcome.RefusedLive, BufferCatalog.Clean(locked).Outcome);
            held!.Release(deleteFile: true);
        }

        OsResources.AssertNone(locked);

        // Stale: lock free and PIDs dead. A parallel sweep may remove it at any moment, so look
        // right after the kill, a few times, until it is seen at least once.
        bool seenStale = false;
        for (int attempt = 0; attempt < 5 && !seenStale; attempt++)
        {
            string stale = TestNames.Unique("rc-detect-stale");
            int deadPid = await Abandon.ByKilledReaderAsync(stale);
            BufferInfo? info = BufferCatalog.Inspect(stale);
            if (info is { State: BufferState.Live })
            {
                Assert.True(info.LockHeld, info.Reason); // only a sweep checking it right now (it holds the lock for a moment)
            }
            else if (info is not null && info.Resources == (BufferResources.All & ~BufferResources.NameLockFile))
            {
                Assert.Equal(BufferState.Stale, info.State);
                Assert.Equal((ulong)deadPid, info.ReaderPid);
                Assert.False(info.ReaderAlive);
                Assert.False(info.LockHeld);
                seenStale = true;
            }

            Abandon.CleanUp(stale);
            OsResources.AssertNone(stale);
        }

        Assert.True(seenStale, "a SIGKILLed reader's buffer was never observed as stale");

        // Orphans (young ones are left alone by sweeps for a grace period, so no race here).
        string semaphoresOnly = TestNames.Unique("rc-detect-sems");
        Abandon.OrphanSemaphores(semaphoresOnly);
        // A lock file alone is also removed at once by readers of older versions (their sweep has no
        // grace period), so make it again until it is seen.
        string lockOnly = TestNames.Unique("rc-detect-lock");
        BufferInfo? lockInfo = null;
        for (int attempt = 0; attempt < 10 && lockInfo?.State != BufferState.Orphaned; attempt++)
        {
            Abandon.OrphanLockFile(lockOnly);
            lockInfo = BufferCatalog.Inspect(lockOnly); // Live only while a sweep holds it for a moment
        }

        string segmentOnly = TestNames.Unique("rc-detect-seg");
        Abandon.OrphanSegment(segmentOnly, (ulong)Abandon.DeadPid(), 0);
        string segmentLiveWriter = TestNames.Unique("rc-detect-seg-live");
        Abandon.OrphanSegment(segmentLiveWriter, (ulong)Abandon.DeadPid(), (ulong)Environment.ProcessId);
        try
        {
            BufferInfo sems = BufferCatalog.Inspect(semaphoresOnly)!;
            Assert.Equal(BufferState.Orphaned, sems.State);
            Assert.Equal(BufferResources.DataSemaphore | BufferResources.SpaceSemaphore, sems.Resources);
            Assert.NotNull(lockInfo);
            Assert.Equal(BufferState.Orphaned, lockInfo.State);
            Assert.Equal(BufferResources.LockFile, lockInfo.Resources);
            BufferInfo segment = BufferCatalog.Inspect(segmentOnly)!;
            Assert.Equal(BufferState.Orphaned, segment.State);
            Assert.Equal(BufferResources.Segment, segment.Resources);
            Assert.Equal(64, segment.PayloadSize);
            Assert.Equal(BufferState.Live, BufferCatalog.Inspect(segmentLiveWriter)!.State); // a live writer PID protects it

            IReadOnlyList<BufferInfo> all = BufferCatalog.List();
            Assert.Contains(all, b => b.Name == semaphoresOnly && b.State == BufferState.Orphaned);
            Assert.Contains(all, b => b.Name == segmentOnly && b.State == BufferState.Orphaned);

            // Young orphans survive a stale sweep; explicit cleaning removes them.
            Assert.DoesNotContain(BufferCatalog.CleanStale(), r => r.Outcome == CleanupOutcome.Removed && r.Name == semaphoresOnly);
            foreach (string name in new[] { semaphoresOnly, segmentOnly })
            {
                CleanupResult result = BufferCatalog.Clean(name);
                Assert.Equal(CleanupOutcome.Removed, result.Outcome);
                Assert.Equal(BufferState.Orphaned, result.StateBefore);
                Assert.Equal(name == segmentOnly ? BufferResources.Segment : BufferResources.DataSemaphore | BufferResources.SpaceSemaphore, result.Removed);
                OsResources.AssertNone(name);
            }

            CleanupResult lockCleaned = BufferCatalog.Clean(lockOnly);
            Assert.Contains(lockCleaned.Outcome, new[] { CleanupOutcome.Removed, CleanupOutcome.NotFound });
            OsResources.AssertNone(lockOnly);

            Assert.Equal(CleanupOutcome.RefusedLive, BufferCatalog.Clean(segmentLiveWriter).Outcome);
            Assert.True(OsResources.SegmentExists(segmentLiveWriter));
        }
        finally
        {
            File.Delete(ResourceNames.SegmentFile(segmentLiveWriter));
            Abandon.CleanUp(semaphoresOnly);
            Abandon.CleanUp(lockOnly);
            Abandon.CleanUp(segmentOnly);
        }

        OsResources.AssertNone(segmentLiveWriter);
    }

    [Fact]
    public async Task ConcurrentCleanupAttempts()
    {
        string name = TestNames.Unique("rc-race");
        await Abandon.ByKilledReaderAsync(name);

        // Processes and threads clean and create the name at the same time.
        await using CliProcess cleanA = CliProcess.Start("clean", name, "--json");
        await using CliProcess cleanB = CliProcess.Start("clean", name, "--json");
        await using CliProcess readerProcess = CliProcess.Start("read", name, "--json", "--count", "1");
        using var start = new Barrier(6);
        var readers = new List<Reader>();
        var cleanOutcomes = new List<CleanupOutcome>();
        Task[] threads = Enumerable.Range(0, 6).Select(i => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            if (i % 2 == 0)
            {
                CleanupOutcome outcome = BufferCatalog.Clean(name).Outcome;
                lock (cleanOutcomes)
                {
                    cleanOutcomes.Add(outcome);
                }

                return;
            }

            try
            {
                var reader = new Reader(name, new BufferConfig(64, 4096));
                lock (readers)
                {
                    readers.Add(reader);
                }
            }
            catch (ReaderAlreadyConnectedException)
            {
                // documented: someone else owns the name
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        await Task.WhenAll(threads);

        // Exactly one live reader: one of the threads here, or the reader process.
        int processExit = -1;
        bool processWon;
        if (readers.Count == 1)
        {
            processExit = await readerProcess.WaitForExitAsync();
            processWon = false;
        }
        else
        {
            Assert.Empty(readers);
            await readerProcess.WaitForEventAsync("ready");
            processWon = true;
        }

        try
        {
            Assert.All(cleanOutcomes, o => Assert.Contains(o, new[] { CleanupOutcome.Removed, CleanupOutcome.NotFound, CleanupOutcome.RefusedLive }));
            foreach (CliProcess clean in new[] { cleanA, cleanB })
            {
                int exit = await clean.WaitForExitAsync();
                Assert.True(exit is 0 or 5, $"clean exited with {exit}: {clean.ErrorOutput}");
            }

            if (!processWon)
            {
                Assert.Equal(ReaderAlreadyConnectedExit, processExit);
            }

            using var writer = new Writer(name);
            writer.WriteFrame([1]);
            if (processWon)
            {
                await readerProcess.WaitForEventAsync("frame");
                Assert.Equal(0, await readerProcess.WaitForExitAsync());
            }
            else
            {
                using Frame frame = readers[0].ReadFrame(Wait);
                Assert.Equal(1UL, frame.Sequence);
            }
        }
        finally
        {
            readers.ForEach(r => r.Dispose());
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task CleanupWithMetadata()
    {
        string name = TestNames.Unique("rc-metadata");
        await using (CliProcess reader = CliProcess.Start("read", name, "--json"))
        {
            await reader.WaitForEventAsync("ready");
            using (var writer = new Writer(name))
            {
                writer.SetMetadata("camera=front;fps=30"u8);
                writer.WriteFrame([1, 2, 3]);
                await reader.WaitForEventAsync("metadata");
                await reader.KillAsync();
            }
        }

        using (var fresh = new Reader(name, new BufferConfig(1024, 4096)))
        {
            Assert.True(fresh.GetMetadata().IsEmpty);
            using var writer = new Writer(name);
            writer.SetMetadata("camera=rear"u8);
            Assert.Equal("camera=rear"u8.ToArray(), fresh.GetMetadata().ToArray());
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task CleanupWithPartialWrites()
    {
        string name = TestNames.Unique("rc-partial");
        using (var reader = new Reader(name, new BufferConfig(64, 16 * 1024)))
        {
            await using (CliProcess writer = CliProcess.Start("write", name, "--count", "3", "--size", "1000", "--pause-at", "after-acquire", "--pause-frame", "3", "--json"))
            {
                JsonElement paused = await writer.WaitForEventAsync("paused");
                Assert.Equal(3UL, paused.GetProperty("sequence").GetUInt64());
                await writer.KillAsync(); // between GetFrameBuffer and CommitFrame
            }

            for (ulong seq = 1; seq <= 2; seq++)
            {
                using Frame frame = reader.ReadFrame(Wait);
                Assert.Equal(seq, frame.Sequence);
                Assert.True(FramePattern.MatchesSequence(frame.Span, seq));
            }

            // The half-written third frame is never delivered: the reader reports the death instead.
            Survivor.AssertWithinBound(Survivor.ReadUntilWriterDead(reader), "writer death reported");
            Assert.Equal(2UL, reader.GetStatus().WrittenCount);

            await using (CliProcess writer = CliProcess.Start("write", name, "--count", "2", "--size", "1000", "--json"))
            {
                Assert.Equal(0, await writer.WaitForExitAsync());
            }

            for (ulong seq = 1; seq <= 2; seq++)
            {
                using Frame frame = reader.ReadFrame(Wait);
                Assert.Equal(seq, frame.Sequence);
                Assert.True(FramePattern.MatchesSequence(frame.Span, seq));
            }
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task CleanupAfterWrapAround()
    {
        string name = TestNames.Unique("rc-wrap-crash");
        await using (CliProcess reader = CliProcess.Start("read", name, "--metadata-size", "0", "--payload-size", "4096", "--json"))
        {
            await reader.WaitForEventAsync("ready");
            using var writer = new Writer(name);
            for (ulong seq = 1; seq <= 12; seq++)
            {
                writer.WriteFrame(FramePattern.Sequence(1000, seq));
                await reader.WaitForEventAsync("frame");
            }

            Assert.True(writer.GetStatus().WrittenCount > 12, "the ring wrapped (wrap markers are counted)");
            await reader.KillAsync();
            Survivor.AssertWithinBound(Survivor.WriteUntilReaderDead(writer), "reader death reported");
        }

        using (var fresh = new Reader(name, new BufferConfig(0, 4096)))
        using (var writer = new Writer(name))
        {
            Assert.Equal(0UL, fresh.GetStatus().WritePosition);
            writer.WriteFrame(FramePattern.Sequence(1000, 1));
            using Frame frame = fresh.ReadFrame(Wait);
            Assert.Equal(1UL, frame.Sequence);
            Assert.True(FramePattern.MatchesSequence(frame.Span, 1));
        }

        OsResources.AssertNone(name);
    }

    /// <summary>
    /// Lock files nobody holds, without a segment, are garbage however young (a creator holds its
    /// own): the next sweep removes them, while young semaphores without a segment keep their grace.
    /// </summary>
    [Fact]
    public void YoungLockFilesNobodyHolds_AreSweptAtOnce_YoungSemaphoresAreNot()
    {
        string locksOnly = TestNames.Unique("rc-young-locks");
        string semaphoresOnly = TestNames.Unique("rc-young-sems");
        Abandon.OrphanLockFile(locksOnly);
        Directory.CreateDirectory(ResourceNames.UpstreamLockDirectory);
        File.WriteAllBytes(ResourceNames.UpstreamLockFile(locksOnly), []);
        Abandon.OrphanSemaphores(semaphoresOnly);
        try
        {
            Abandon.SweepUntilGone([locksOnly]); // (a parallel sweep may be first: either way, no grace)
            Assert.True(OsResources.DataSemaphoreExists(semaphoresOnly)); // young: a foreign creator may be half-way
            Assert.Equal(CleanupOutcome.SkippedRecent, BufferCatalog.CleanStale().Single(r => r.Name == semaphoresOnly).Outcome);
        }
        finally
        {
            Abandon.CleanUp(semaphoresOnly);
            Abandon.CleanUp(locksOnly);
        }

        OsResources.AssertNone(semaphoresOnly);
    }

    [Fact]
    public async Task RandomNameCleanup()
    {
        string[] names = Enumerable.Range(0, 20).Select(_ => TestNames.Unique("rc-rand20")).ToArray();
        foreach (string[] batch in names.Chunk(5))
        {
            await Task.WhenAll(batch.Select(n => Abandon.ByKilledReaderAsync(n, "--payload-size", "4096")));
        }

        // Creating a reader sweeps them. A sweep running in another container at the same time may
        // take a name from ours and leave its /tmp lock files (it cannot see them): the next sweep
        // here removes those, so create readers until every name is gone.
        Abandon.SweepUntilGone(names);
    }

    private static void AssertUsable(string name)
    {
        using (var reader = new Reader(name, new BufferConfig(64, 4096)))
        using (var writer = new Writer(name))
        {
            writer.WriteFrame([7]);
            using Frame frame = reader.ReadFrame(Wait);
            Assert.Equal(1UL, frame.Sequence);
        }

        OsResources.AssertNone(name);
    }
}
