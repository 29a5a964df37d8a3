using ZeroBuffer.Lifecycle;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests;

/// <summary>
/// A clean end of the stream is told apart from a crash (docs/protocol.md §6.2): a writer that
/// closes gives its reader <see cref="WriterClosedException"/> after the last frame, one that dies
/// <see cref="WriterDeadException"/>; a reader that closes gives its writer
/// <see cref="ReaderClosedException"/>, one that dies a plain <see cref="ReaderDeadException"/>.
/// Peers that advertise nothing (upstream) are reported as before.
/// </summary>
public sealed class EndOfStreamTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task AWriterProcessThatExits_EndsTheStream_ACrashDoesNot()
    {
        string name = TestNames.Unique("eos-writer");
        using (var reader = new Reader(name, new BufferConfig(0, 64 * 1024)))
        {
            await using (CliProcess writer = CliProcess.Start("write", name, "--count", "3", "--json"))
            {
                Assert.Equal(0, await writer.WaitForExitAsync());
            }

            for (int i = 1; i <= 3; i++)
            {
                reader.ReadFrame(Generous).Dispose();
            }

            WriterClosedException end = Assert.Throws<WriterClosedException>(() => reader.ReadFrame(Generous));
            Assert.Equal(ZeroBufferErrorKind.WriterClosed, end.Kind);
            Assert.Throws<WriterClosedException>(() => reader.ReadFrame(Generous)); // stays at the end

            // The reader stays usable: a new writer's frames follow, and its crash is a crash.
            await using (CliProcess writer = CliProcess.Start("write", name, "--count", "1", "--hold", "--json"))
            {
                await writer.WaitForEventAsync("holding");
                using (Frame frame = reader.ReadFrame(Generous))
                {
                    Assert.Equal(1UL, frame.Sequence);
                }

                await writer.KillAsync();
                Assert.IsType<WriterDeadException>(Record.Exception(() => reader.ReadFrame(Generous)));
            }
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task AReaderProcessThatDies_IsReaderDead_NotReaderClosed()
    {
        string name = TestNames.Unique("eos-reader");
        await using (CliProcess reader = CliProcess.Start("read", name, "--json"))
        {
            await reader.WaitForEventAsync("ready");
            using var writer = new Writer(name) { WriteTimeout = Timeout.InfiniteTimeSpan };
            writer.WriteFrame([1]);
            await reader.KillAsync();
            ReaderDeadException dead = Assert.IsType<ReaderDeadException>(Survivor.WriteUntilFailure(writer)); // exactly: a crash
            Assert.Equal(ZeroBufferErrorKind.ReaderDead, dead.Kind);
        }

        Abandon.CleanUp(name);
        Abandon.AssertGone(name);
    }

    [Fact]
    public void AReaderThatCloses_GivesItsWriterReaderClosed()
    {
        string name = TestNames.Unique("eos-rclose");
        var reader = new Reader(name, new BufferConfig(0, 4096));
        using (var writer = new Writer(name))
        {
            writer.WriteFrame([1]);
            reader.Dispose();
            ReaderClosedException closed = Assert.Throws<ReaderClosedException>(() => writer.WriteFrame([2]));
            Assert.IsAssignableFrom<ReaderDeadException>(closed);
            Assert.Equal(ZeroBufferErrorKind.ReaderClosed, closed.Kind);
            Assert.False(writer.IsReaderConnected());
        }

        OsResources.AssertNone(name);
    }

    /// <summary>A writer that advertises nothing (no session; upstream) leaving is reported as WriterDead, as in plain 1.0.</summary>
    [Fact]
    public void AnUpstreamWriterThatLeaves_IsStillWriterDead()
    {
        string name = TestNames.Unique("eos-upstream-w");
        using (var reader = new Reader(name, new BufferConfig(0, 4096)))
        using (RawSegment raw = RawSegment.Open(name))
        {
            // An upstream writer: its PID (ours) in writer_pid, one frame, no session, no lock.
            raw.WriteUInt64(80, (ulong)Environment.ProcessId);
            byte[] frame = new byte[16 + 10];
            frame[0] = 10;
            frame[8] = 1;
            raw.Write(128, frame);
            raw.WriteUInt64(40, 4096 - 26);
            raw.WriteUInt64(48, 26);
            raw.WriteUInt64(64, 1);
            Assert.True(reader.IsWriterConnected()); // by its PID

            reader.ReadFrame(Generous).Dispose();
            raw.WriteUInt64(80, 0); // it disposes: writer_pid 0, as upstream writers do
            Assert.IsType<WriterDeadException>(Record.Exception(() => reader.ReadFrame(Generous)));
        }

        OsResources.AssertNone(name);
    }

    /// <summary>A reader that advertises nothing (upstream) leaving is a plain ReaderDead, whether it cleared its PID or died.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AnUpstreamReaderThatLeaves_IsStillReaderDead(bool clearsItsPid)
    {
        string name = TestNames.Unique("eos-upstream-r");
        using (UpstreamBuffer.Create(name, readerPid: (ulong)Environment.ProcessId))
        using (RawSegment raw = RawSegment.Open(name))
        using (var writer = new Writer(name))
        {
            writer.WriteFrame([1]);
            Assert.True(writer.IsReaderConnected()); // by its PID
            raw.WriteUInt64(88, clearsItsPid ? 0 : (ulong)Abandon.DeadPid());
            Assert.IsType<ReaderDeadException>(Survivor.WriteUntilFailure(writer, size: 1));
            // The writer gave up its claim: stale (unless a parallel sweep already removed it, which it only does to stale buffers).
            Assert.Contains(BufferCatalog.Inspect(name)?.State, new BufferState?[] { BufferState.Stale, null });
        }
    }
}
