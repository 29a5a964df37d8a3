using System.Diagnostics;
using System.Text.Json;
using ZeroBuffer.Lifecycle;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Namespaces;

/// <summary>
/// Peers in separate PID and mount namespaces that share only <c>/dev/shm</c>: two containers of
/// one pod, or docker's <c>--ipc=shareable</c> (issue 13). The CLI runs under
/// <c>unshare --pid --mount --fork --mount-proc</c> with a private <c>/tmp</c>
/// (<see cref="CliProcess.StartInNamespace"/>); its PID there is 1, which on the host names init,
/// alive forever; its lock files are invisible here. Liveness and exclusion must come from the
/// locks on and beside the segment (docs/protocol.md §2.4, §5).
/// </summary>
[Collection(nameof(OrphanSweeps))]
public sealed class CrossNamespaceTests
{
    /// <summary>The bound for seeing a crash across namespaces.</summary>
    private static readonly TimeSpan CrashBound = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task ReaderOnTheHost_WriterInANamespace_Streams()
    {
        string name = TestNames.Unique("ns-w");
        using (var reader = new Reader(name, new BufferConfig(64, 64 * 1024)))
        {
            await using CliProcess writer = CliProcess.StartInNamespace("write", name, "--count", "20", "--size", "1000", "--hash", "--json");
            JsonElement connected = await writer.WaitForEventAsync("connected");
            Assert.Equal(1, connected.GetProperty("pid").GetInt32()); // its own PID namespace
            string[] sent = [.. (await WrittenHashesAsync(writer, 20))];
            Assert.Equal(0, await writer.WaitForExitAsync());

            for (int i = 1; i <= 20; i++)
            {
                using Frame frame = reader.ReadFrame(TimeSpan.FromSeconds(5));
                Assert.Equal((ulong)i, frame.Sequence);
                Assert.Equal(sent[i - 1], Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(frame.Span)));
            }

            // It closed cleanly: the end of the stream, though PID 1 (its PID here) is alive on the host.
            Assert.Throws<WriterClosedException>(() => reader.ReadFrame(TimeSpan.FromSeconds(5)));
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task ReaderInANamespace_WriterOnTheHost_Streams()
    {
        string name = TestNames.Unique("ns-r");
        await using (CliProcess reader = CliProcess.StartInNamespace("read", name, "--hash", "--json"))
        {
            Assert.Equal(1, (await reader.WaitForEventAsync("ready")).GetProperty("pid").GetInt32());
            var sent = new List<string>();
            using (var writer = new Writer(name))
            {
                Assert.True(writer.IsReaderConnected());
                for (int i = 1; i <= 20; i++)
                {
                    byte[] payload = FramePattern(i);
                    writer.WriteFrame(payload);
                    sent.Add(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(payload)));
                }
            }

            Assert.Equal(0, await reader.WaitForExitAsync());
            Assert.Equal(sent, reader.Events("frame").Select(f => f.GetProperty("sha256").GetString()));
            Assert.Equal(20, reader.Events("end").Single().GetProperty("frames").GetInt64());
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task ReaderInANamespace_Killed_TheWriterOnTheHostSeesItWithinOneSecond()
    {
        string name = TestNames.Unique("ns-rkill");
        await using (CliProcess reader = CliProcess.StartInNamespace("read", name, "--json"))
        {
            await reader.WaitForEventAsync("ready");
            using var writer = new Writer(name) { WriteTimeout = Timeout.InfiniteTimeSpan };
            writer.WriteFrame(new byte[100]);
            await reader.WaitForEventAsync("frame");
            Assert.Equal(1UL, writer.GetStatus().ReaderPid); // PID 1: alive on the host whatever happens

            await reader.KillAsync();
            var clock = Stopwatch.StartNew();
            ReaderDeadException error = Assert.IsType<ReaderDeadException>(Survivor.WriteUntilFailure(writer, size: 100));
            Assert.True(clock.Elapsed < CrashBound, $"reader death seen after {clock.Elapsed.TotalMilliseconds:0} ms");
            Assert.Equal(ZeroBufferErrorKind.ReaderDead, error.Kind); // a crash, not a clean close

            // The writer gave up its claim: the dead reader's buffer is stale, not Live forever (or
            // already removed by a parallel sweep, which removes only what is not live).
            Assert.Contains(BufferCatalog.Inspect(name)?.State, new BufferState?[] { BufferState.Stale, null });
        }

        Abandon.CleanUp(name);
        Abandon.AssertGone(name);
    }

    [Fact]
    public async Task WriterInANamespace_Killed_TheReaderOnTheHostSeesItWithinOneSecond()
    {
        string name = TestNames.Unique("ns-wkill");
        using (var reader = new Reader(name, new BufferConfig(0, 64 * 1024)))
        {
            await using CliProcess writer = CliProcess.StartInNamespace("write", name, "--count", "3", "--hold", "--json");
            await writer.WaitForEventAsync("holding");
            Assert.True(reader.IsWriterConnected());
            for (int i = 1; i <= 3; i++)
            {
                reader.ReadFrame(TimeSpan.FromSeconds(5)).Dispose();
            }

            await writer.KillAsync();
            var clock = Stopwatch.StartNew();
            Assert.Throws<WriterDeadException>(() => reader.ReadFrame(Timeout.InfiniteTimeSpan));
            Assert.True(clock.Elapsed < CrashBound, $"writer death seen after {clock.Elapsed.TotalMilliseconds:0} ms");
            Assert.False(reader.IsWriterConnected());
        }

        OsResources.AssertNone(name);
    }

    /// <summary>
    /// The second scenario, as written: a reader created in a namespace sweeps stale
    /// buffers; it must leave a live buffer of the host alone (its PID means nothing there) and
    /// still remove a dead one. Then a plain sweep from a third namespace, the same.
    /// </summary>
    [Fact]
    public async Task ASweepFromAnotherNamespace_LeavesALiveBufferAlone_AndRemovesADeadOne()
    {
        string victim = TestNames.Unique("ns-victim");
        string dead = TestNames.Unique("ns-dead");
        string other = TestNames.Unique("ns-other");
        using var reader = new Reader(victim, new BufferConfig(0, 4096));
        await AbandonInNamespaceAsync(dead); // its reader PID is 1: "alive" on the host by the PID rule

        await using (CliProcess sweeping = CliProcess.StartInNamespace("read", other, "--timeout-ms", "1000", "--json"))
        {
            Assert.Equal(3, await sweeping.WaitForExitAsync()); // timeout: no writer came
        }

        await using (CliProcess clean = CliProcess.StartInNamespace("clean", "--stale", "--grace-ms", "0", "--json"))
        {
            Assert.Equal(0, await clean.WaitForExitAsync());
            Assert.DoesNotContain(clean.Events("cleaned"), e => e.GetProperty("name").GetString() == victim);
        }

        Abandon.AssertGone(dead); // by one of the sweeps (or a parallel one)
        Abandon.AssertGone(other);
        OsResources.AssertAll(victim);

        // The victim is intact: its writer connects and its reader gets every frame.
        using (var writer = new Writer(victim))
        {
            writer.WriteFrame([7, 7, 7]);
        }

        using Frame frame = reader.ReadFrame(TimeSpan.FromSeconds(5));
        Assert.Equal([7, 7, 7], frame.ToArray());
    }

    [Fact]
    public async Task TwoReadersRacingFromDifferentNamespaces_ExactlyOneOwnsTheName()
    {
        for (int round = 0; round < 3; round++)
        {
            string name = TestNames.Unique("ns-race");
            CliProcess a = CliProcess.StartInNamespace("read", name, "--json");
            CliProcess b = CliProcess.StartInNamespace("read", name, "--json");
            try
            {
                // The loser exits with ReaderAlreadyConnected (13); the winner stays ready.
                Task<int> first = await Task.WhenAny(a.WaitForExitAsync(), b.WaitForExitAsync());
                Assert.Equal(13, await first);
                CliProcess loser = a.HasExited ? a : b;
                CliProcess winner = ReferenceEquals(loser, a) ? b : a;
                Assert.Contains("ReaderAlreadyConnected", string.Join('\n', loser.Output), StringComparison.Ordinal);
                await winner.WaitForEventAsync("ready");
                Assert.False(winner.HasExited);
                Assert.Equal(BufferState.Live, BufferCatalog.Inspect(name)!.State);
            }
            finally
            {
                await a.DisposeAsync();
                await b.DisposeAsync();
            }

            OsResources.AssertNone(name);
        }
    }

    /// <summary>
    /// ConcurrentCleanupAttempts across containers: cleaners and creators of one abandoned name in
    /// different namespaces (and threads here) at once. Only the documented outcomes, exactly one
    /// live reader at the end, nothing leaked.
    /// </summary>
    [Fact]
    public async Task CleanersAndCreatorsInDifferentNamespaces_DoNotInterleave()
    {
        string name = TestNames.Unique("ns-clean-race");
        await AbandonInNamespaceAsync(name);

        var processes = new List<CliProcess>
        {
            CliProcess.StartInNamespace("clean", name, "--json"),
            CliProcess.StartInNamespace("clean", name, "--json"),
            CliProcess.StartInNamespace("read", name, "--json", "--count", "1"),
            CliProcess.StartInNamespace("read", name, "--json", "--count", "1"),
        };
        var readers = new List<Reader>();
        try
        {
            Task[] threads = [.. Enumerable.Range(0, 2).Select(_ => Task.Factory.StartNew(() =>
            {
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
            }, TaskCreationOptions.LongRunning))];
            await Task.WhenAll(threads);

            // Each clean ends with a documented outcome; each reader process either owns the name or got 13.
            foreach (CliProcess clean in processes.Take(2))
            {
                int exit = await clean.WaitForExitAsync();
                JsonElement cleaned = clean.Events("cleaned").Single();
                Assert.Contains(cleaned.GetProperty("outcome").GetString(), new[] { "Removed", "NotFound", "RefusedLive" });
                Assert.Equal(cleaned.GetProperty("outcome").GetString() == "RefusedLive" ? 5 : 0, exit);
            }

            int owners = readers.Count;
            foreach (CliProcess reader in processes.Skip(2))
            {
                string line = await reader.WaitForLineAsync(l => l.Contains("\"ready\"", StringComparison.Ordinal) || l.Contains("\"error\"", StringComparison.Ordinal));
                if (line.Contains("\"ready\"", StringComparison.Ordinal))
                {
                    owners++;
                }
                else
                {
                    Assert.Contains("ReaderAlreadyConnected", line, StringComparison.Ordinal);
                    Assert.Equal(13, await reader.WaitForExitAsync());
                }
            }

            Assert.Equal(1, owners);
            Assert.Equal(BufferState.Live, BufferCatalog.Inspect(name)!.State);
        }
        finally
        {
            foreach (Reader reader in readers)
            {
                reader.Dispose();
            }

            foreach (CliProcess process in processes)
            {
                await process.DisposeAsync();
            }
        }

        Abandon.AssertGone(name);
    }

    /// <summary>
    /// A dead writer's PID taken by an unrelated process (real reuse, through ns_last_pid) must not
    /// keep the buffer Live for our peers: the lock, not the PID, says the writer is gone.
    /// </summary>
    [Fact]
    public async Task ADeadWritersPidReusedByAnUnrelatedProcess_DoesNotKeepTheBufferLive()
    {
        string name = TestNames.Unique("ns-pidreuse");
        await using CliProcess reader = CliProcess.Start("read", name, "--json", "--keep-going");
        await reader.WaitForEventAsync("ready");
        int writerPid;
        await using (CliProcess writer = CliProcess.Start("write", name, "--count", "1", "--hold", "--json"))
        {
            await writer.WaitForEventAsync("holding");
            writerPid = writer.Pid;
            await writer.KillAsync(); // reaped: its PID is free again
        }

        await reader.WaitForEventAsync("writer-gone");
        using (PidReuse.Impostor impostor = PidReuse.StartProcessWithPid(writerPid))
        {
            Assert.Equal(writerPid, impostor.Pid);
            BufferInfo info = BufferCatalog.Inspect(name)!;
            Assert.Equal((ulong)writerPid, info.WriterPid); // the dead writer's PID, now a live process's
            Assert.False(info.WriterAlive, info.Reason);

            // The reader dies too: the buffer is stale although "its" writer PID is alive, and a new
            // reader recreates the name at once.
            await reader.KillAsync();
            BufferInfo? stale = BufferCatalog.Inspect(name); // null: a parallel sweep removed it, which it does only to buffers that are not live
            Assert.Contains(stale?.State, new BufferState?[] { BufferState.Stale, null });
            Assert.True(stale is null || stale.Reason.Contains($"writer PID {writerPid} died", StringComparison.Ordinal), stale?.Reason);
            using (var replacement = new Reader(name, new BufferConfig(0, 4096)))
            {
                Assert.Equal(0UL, replacement.GetStatus().WriterPid);
            }
        }

        OsResources.AssertNone(name);
    }

    /// <summary>A namespaced reader creates NAME and is killed: its reader PID is 1, its lock files died with its /tmp.</summary>
    private static async Task AbandonInNamespaceAsync(string name)
    {
        await using CliProcess reader = CliProcess.StartInNamespace("read", name, "--json");
        await reader.WaitForEventAsync("ready");
        await reader.KillAsync();
        Assert.Equal(1UL, BufferCatalog.Inspect(name)?.ReaderPid ?? 1UL); // (a parallel sweep may already have removed it)
    }

    private static async Task<List<string>> WrittenHashesAsync(CliProcess writer, int count)
    {
        var hashes = new List<string>(count);
        for (int i = 0; i < count; i++)
        {
            hashes.Add((await writer.WaitForEventAsync("written")).GetProperty("sha256").GetString()!);
        }

        return hashes;
    }

    private static byte[] FramePattern(int sequence)
    {
        byte[] payload = new byte[1000];
        for (int i = 0; i < payload.Length; i++)
        {
            payload[i] = (byte)(i + sequence);
        }

        return payload;
    }
}
