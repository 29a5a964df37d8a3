using System.Diagnostics;
using System.Text;
using System.Text.Json;
using ZeroBuffer.Cli;
using ZeroBuffer.Lifecycle;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Features;

/// <summary>
/// Upstream features 2 ("Process Lifecycle"), 5.3, 10.3 and 10.4: peers killed with SIGKILL
/// (the CLI is the other process) and what the survivor sees.
/// </summary>
public sealed class LifecycleScenarios
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    /// <summary>The writer process writes "alive" and is killed: the reader gets "alive", then the writer's death within the bound.</summary>
    [Fact]
    public async Task Feature_2_1_WriterCrashDetection()
    {
        string name = TestNames.Unique("f2-1");
        using (var reader = new Reader(name, new BufferConfig(1024, 10240)))
        {
            await using (CliProcess writer = CliProcess.Start("write", name, "--stdin", "lines", "--json"))
            {
                await writer.WaitForEventAsync("connected");
                await writer.Input.WriteLineAsync("alive");
                await writer.Input.FlushAsync();
                await writer.WaitForEventAsync("written");
                using (Frame frame = reader.ReadFrame(Wait))
                {
                    Assert.Equal("alive", Encoding.ASCII.GetString(frame.Span));
                }

                await writer.KillAsync();
            }

            Survivor.AssertWithinBound(Survivor.ReadUntilWriterDead(reader), "writer death reported");
        }

        OsResources.AssertNone(name);
    }

    /// <summary>The reader process holds frame 1, the writer fills the ring, the reader is killed: the writer's next write reports it.</summary>
    [Fact]
    public async Task Feature_2_2_ReaderCrashDetection()
    {
        string name = TestNames.Unique("f2-2");
        await using (CliProcess reader = CliProcess.Start("read", name, "--metadata-size", "1024", "--payload-size", "10240", "--pause-at", "holding-frame", "--json"))
        {
            await reader.WaitForEventAsync("ready");
            using var writer = new Writer(name) { WriteTimeout = TimeSpan.FromMilliseconds(200) };
            writer.WriteFrame(FramePattern.Sequence(1024, 1));
            JsonElement paused = await reader.WaitForEventAsync("paused");
            Assert.Equal(1UL, paused.GetProperty("sequence").GetUInt64());

            int written = 1;
            while (writer.TryWriteFrame(new byte[1024], TimeSpan.FromMilliseconds(200)))
            {
                written++;
            }

            Assert.InRange(written, 5, 10); // the ring is full while the reader lives

            await reader.KillAsync();
            writer.WriteTimeout = TimeSpan.FromSeconds(30);
            Survivor.AssertWithinBound(Survivor.WriteUntilReaderDead(writer), "reader death reported");
        }

        Abandon.CleanUp(name);
        OsResources.AssertNone(name);
    }

    /// <summary>
    /// The reader crashes; a new reader recreates the name once the writer noticed (the writer gives
    /// up its claim when it sees the reader dead); the writer reconnects and the new reader reads sequence 1.
    /// </summary>
    [Fact]
    public async Task Feature_2_3_ReaderReplacementAfterCrash()
    {
        string name = TestNames.Unique("f2-3");
        Writer? writer = null;
        try
        {
            await using (CliProcess first = CliProcess.Start("read", name, "--json"))
            {
                await first.WaitForEventAsync("ready");
                writer = new Writer(name);
                writer.WriteFrame(FramePattern.Sequence(100, 1));
                Assert.Equal(1UL, (await first.WaitForEventAsync("frame")).GetProperty("sequence").GetUInt64());
                await first.KillAsync();
            }

            Survivor.AssertWithinBound(Survivor.WriteUntilReaderDead(writer), "reader death reported");

            await using CliProcess second = CliProcess.Start("read", name, "--hash", "--json");
            JsonElement ready = await second.WaitForEventAsync("ready");
            Assert.Equal(second.Pid, ready.GetProperty("pid").GetInt32());

            writer.Dispose();
            writer = new Writer(name); // reconnect to the new buffer
            Assert.Equal((ulong)second.Pid, writer.GetStatus().ReaderPid);
            byte[] payload = FramePattern.Sequence(100, 1);
            writer.WriteFrame(payload);
            JsonElement frame = await second.WaitForEventAsync("frame");
            Assert.Equal(1UL, frame.GetProperty("sequence").GetUInt64());
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(payload)), frame.GetProperty("sha256").GetString());

            writer.Dispose();
            Assert.Equal(0, await second.WaitForExitAsync()); // the writer closed: the end of the stream, the CLI reader ends
            Assert.Equal(1, second.Events("end").Single().GetProperty("frames").GetInt64());
        }
        finally
        {
            writer?.Dispose();
        }

        OsResources.AssertNone(name);
    }

    /// <summary>A second writer, in this process or another, is refused while the first lives; after the first is killed one can connect.</summary>
    [Fact]
    public async Task Feature_2_4_MultipleWriterRejection()
    {
        string name = TestNames.Unique("f2-4");
        using (var reader = new Reader(name, new BufferConfig(1024, 10240)))
        {
            await using (CliProcess first = CliProcess.Start("write", name, "--count", "1", "--hold", "--json"))
            {
                await first.WaitForEventAsync("holding");
                WriterAlreadyConnectedException error = Assert.Throws<WriterAlreadyConnectedException>(() => new Writer(name));
                Assert.Contains("writer", error.Message, StringComparison.OrdinalIgnoreCase);
                await using (CliProcess second = CliProcess.Start("write", name, "--count", "1", "--json"))
                {
                    Assert.Equal(10 + (int)ZeroBufferErrorKind.WriterAlreadyConnected, await second.WaitForExitAsync());
                }

                Assert.Equal((ulong)first.Pid, reader.GetStatus().WriterPid);
                await first.KillAsync();
            }

            using (Frame frame = reader.ReadFrame(Wait))
            {
                Assert.Equal(1UL, frame.Sequence);
            }

            using var replacement = new Writer(name); // the dead writer's PID is replaced atomically
            replacement.WriteFrame([1]);
            using Frame next = reader.ReadFrame(Wait);
            Assert.Equal(1UL, next.Sequence);
        }

        OsResources.AssertNone(name);
    }

    /// <summary>The reader dies while the writer fills an 8192-byte frame: the commit completes, the next operation reports the death.</summary>
    [Fact]
    public async Task Feature_5_3_ReaderDeathDuringWrite()
    {
        string name = TestNames.Unique("f5-3");
        await using (CliProcess reader = CliProcess.Start("read", name, "--metadata-size", "0", "--payload-size", "10240", "--json"))
        {
            await reader.WaitForEventAsync("ready");
            using var writer = new Writer(name);
            await Task.Run(() =>
            {
                Span<byte> frame = writer.GetFrameBuffer(8192, out ulong sequence);
                FramePattern.FillSequence(frame[..4096], sequence);
                reader.KillAsync().GetAwaiter().GetResult(); // mid-write (off the test's synchronization context)
                FramePattern.FillSequence(frame, sequence);
                writer.CommitFrame();
            });
            Survivor.AssertWithinBound(Survivor.WriteUntilReaderDead(writer), "reader death reported");
        }

        Abandon.CleanUp(name);
        OsResources.AssertNone(name);
    }

    /// <summary>A write blocked on a full ring is woken by the reader's death, whatever its timeout.</summary>
    [Fact]
    public async Task Feature_10_3_ReaderDeathDuringActiveWrite()
    {
        string name = TestNames.Unique("f10-3");
        await using (CliProcess reader = CliProcess.Start("read", name, "--metadata-size", "0", "--payload-size", "10240", "--pause-at", "holding-frame", "--json"))
        {
            await reader.WaitForEventAsync("ready");
            using var writer = new Writer(name) { WriteTimeout = TimeSpan.FromSeconds(60) };
            writer.WriteFrame(new byte[8192]);
            await reader.WaitForEventAsync("paused"); // the reader holds the frame: no space for another

            Task blocked = Task.Factory.StartNew(() => writer.WriteFrame(new byte[8192]), TaskCreationOptions.LongRunning);
            var sinceKill = Stopwatch.StartNew();
            await reader.KillAsync();
            await Assert.ThrowsAsync<ReaderDeadException>(() => blocked);
            Survivor.AssertWithinBound(sinceKill.Elapsed, "blocked write woke with ReaderDeadException");
        }

        Abandon.CleanUp(name);
        OsResources.AssertNone(name);
    }

    /// <summary>A read blocked with an infinite timeout is woken by the writer's death.</summary>
    [Fact]
    public async Task Feature_10_4_WriterDeathDuringRead()
    {
        string name = TestNames.Unique("f10-4");
        using (var reader = new Reader(name, new BufferConfig(0, 10240)))
        {
            await using CliProcess writer = CliProcess.Start("write", name, "--count", "1", "--hold", "--json");
            await writer.WaitForEventAsync("holding");
            using (Frame frame = reader.ReadFrame(Wait))
            {
                Assert.Equal(1UL, frame.Sequence);
            }

            Task blocked = Task.Factory.StartNew(() => reader.ReadFrame(Timeout.InfiniteTimeSpan).Dispose(), TaskCreationOptions.LongRunning);
            var sinceKill = Stopwatch.StartNew();
            await writer.KillAsync();
            await Assert.ThrowsAsync<WriterDeadException>(() => blocked);
            Survivor.AssertWithinBound(sinceKill.Elapsed, "blocked read woke with WriterDeadException");
        }

        OsResources.AssertNone(name);
    }

    /// <summary>
    /// The lock file exists and is held while the reader lives; a killed reader's lock is free and
    /// a new reader takes it; a clean shutdown removes it.
    /// </summary>
    [Fact]
    public async Task Feature_12_3_LockFileSemantics()
    {
        string name = TestNames.Unique("f12-3");
        string lockPath = ZeroBuffer.Protocol.ResourceNames.LockFile(name);
        await using (CliProcess first = CliProcess.Start("read", name, "--json"))
        {
            await first.WaitForEventAsync("ready");
            Assert.True(File.Exists(lockPath));
            Assert.True(ZeroBuffer.Primitives.LockFile.IsHeld(lockPath));
            Assert.Throws<ReaderAlreadyConnectedException>(() => new Reader(name, new BufferConfig()));
            await first.KillAsync();
        }

        // The kernel dropped the dead holder's lock (a parallel sweep may hold it for a moment while it checks the name).
        var clock = Stopwatch.StartNew();
        while (ZeroBuffer.Primitives.LockFile.IsHeld(lockPath) && clock.Elapsed < TimeSpan.FromSeconds(2))
        {
            Thread.Sleep(5); // polling: a transient holder releases within milliseconds
        }

        Assert.False(ZeroBuffer.Primitives.LockFile.IsHeld(lockPath));
        using (new Reader(name, new BufferConfig(64, 4096)))
        {
            Assert.True(File.Exists(lockPath));
            Assert.True(ZeroBuffer.Primitives.LockFile.IsHeld(lockPath));
            Assert.Equal(BufferState.Live, BufferCatalog.Inspect(name)!.State);
        }

        Assert.False(File.Exists(lockPath));
        OsResources.AssertNone(name);
    }
}
