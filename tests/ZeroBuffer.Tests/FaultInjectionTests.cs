using System.Diagnostics;
using System.Text.Json;
using ZeroBuffer.Cli;
using ZeroBuffer.Primitives;
using ZeroBuffer.Protocol;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests;

/// <summary>
/// One test per protocol point where a peer can die (issue 3, item 5). The CLI stops at the point
/// (<c>--pause-at</c>) and is SIGKILLed there; each test checks the survivor: the death is reported
/// within the liveness bound, no corrupted or duplicated frame is delivered, nothing is left
/// behind, and the name can be used again.
/// </summary>
public sealed class FaultInjectionTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    /// <summary>Writer killed after GetFrameBuffer (half filled), before CommitFrame.</summary>
    [Fact]
    public async Task WriterKilledAfterAcquireBeforeCommit()
    {
        string name = TestNames.Unique("fi-acquire");
        using (var reader = new Reader(name, new BufferConfig(0, 8192)))
        {
            await using (CliProcess writer = CliProcess.Start("write", name, "--count", "4", "--size", "700", "--pause-at", "after-acquire", "--pause-frame", "4", "--json"))
            {
                await writer.WaitForEventAsync("paused");
                await writer.KillAsync();
            }

            AssertFrames(reader, 1, 3, 700);
            Survivor.AssertWithinBound(Survivor.ReadUntilWriterDead(reader), "writer death reported");
            Assert.Equal(3UL, reader.GetStatus().WrittenCount); // the acquired frame left no trace
            Assert.Equal(0, RawSegment.SemaphoreValue("/sem-w-" + name));
            StreamAgain(reader, name, 700);
        }

        OsResources.AssertNone(name);
        AssertUsable(name);
    }

    /// <summary>
    /// Writer killed after its commit published the counters but before the sem-w post. Our writer
    /// commits and posts back to back (no pause point between them), so the test makes that state
    /// exactly: it takes the tokens of committed frames away, then kills the writer. The reader
    /// still delivers every committed frame once, then reports the death.
    /// </summary>
    [Fact]
    public async Task WriterKilledAfterCommitBeforePost()
    {
        string name = TestNames.Unique("fi-commit");
        using (var reader = new Reader(name, new BufferConfig(0, 8192)))
        {
            await using (CliProcess writer = CliProcess.Start("write", name, "--count", "3", "--size", "500", "--hold", "--json"))
            {
                await writer.WaitForEventAsync("holding");
                using (NamedSemaphore dataAvailable = NamedSemaphore.OpenExisting(ResourceNames.DataAvailableSemaphore(name), name)!)
                {
                    for (int i = 0; i < 3; i++)
                    {
                        Assert.True(dataAvailable.TryWait()); // as if those posts never happened
                    }
                }

                await writer.KillAsync();
            }

            var clock = Stopwatch.StartNew();
            AssertFrames(reader, 1, 3, 500);
            Survivor.AssertWithinBound(clock.Elapsed, "frames without tokens delivered");
            Survivor.AssertWithinBound(Survivor.ReadUntilWriterDead(reader), "writer death reported");
            StreamAgain(reader, name, 500);
        }

        OsResources.AssertNone(name);
        AssertUsable(name);
    }

    /// <summary>
    /// Writer killed at the wrap: its frame needs a wrap marker. Our writer writes the marker at
    /// commit, together with the frame, so the point is "acquired a wrapping frame": nothing of the
    /// wrap is visible, and a new writer wraps correctly from the same position.
    /// </summary>
    [Fact]
    public async Task WriterKilledAtWrap()
    {
        string name = TestNames.Unique("fi-wrap");
        using (var reader = new Reader(name, new BufferConfig(0, 4096)))
        {
            // Frames of 16 + 1000 bytes: four end at 4064, the fifth must wrap (32 bytes left).
            await using (CliProcess writer = CliProcess.Start("write", name, "--count", "5", "--size", "1000", "--pause-at", "after-acquire", "--pause-frame", "5", "--json"))
            {
                AssertFrames(reader, 1, 4, 1000); // frees the space the fifth frame waits for
                await writer.WaitForEventAsync("paused");
                await writer.KillAsync();
            }

            Survivor.AssertWithinBound(Survivor.ReadUntilWriterDead(reader), "writer death reported");
            BufferStatus status = reader.GetStatus();
            Assert.Equal(4UL, status.WrittenCount); // no marker counted
            Assert.Equal(4064UL, status.WritePosition);
            Assert.Equal(4064UL, status.ReadPosition);

            using (var writer = new Writer(name))
            {
                writer.WriteFrame(FramePattern.Sequence(1000, 1));
                Assert.Equal(1016UL, writer.GetStatus().WritePosition); // marker at 4064, frame at 0
                AssertFrames(reader, 1, 1, 1000);
            }
        }

        OsResources.AssertNone(name);
        AssertUsable(name);
    }

    /// <summary>Writer killed after GetMetadataBuffer (half filled), before CommitMetadata: no metadata appears; a new writer can still write it.</summary>
    [Fact]
    public async Task WriterKilledMidMetadata()
    {
        string name = TestNames.Unique("fi-meta");
        using (var reader = new Reader(name, new BufferConfig(1024, 4096)))
        {
            await using (CliProcess writer = CliProcess.Start("write", name, "--metadata", "camera=front;fps=30", "--pause-at", "mid-metadata", "--count", "0", "--json"))
            {
                await writer.WaitForEventAsync("paused");
                Assert.True(reader.GetMetadata().IsEmpty);
                await writer.KillAsync();
            }

            Survivor.AssertWithinBound(Survivor.ReadUntilWriterDead(reader), "writer death reported");
            Assert.True(reader.GetMetadata().IsEmpty);
            Assert.Equal(0UL, reader.GetStatus().MetadataWrittenBytes);

            using var next = new Writer(name);
            next.SetMetadata("camera=rear"u8);
            Assert.Equal("camera=rear"u8.ToArray(), reader.GetMetadata().ToArray());
            next.WriteFrame([1]);
            AssertFrames(reader, 1, 1, 1, checkPattern: false);
        }

        OsResources.AssertNone(name);
        AssertUsable(name);
    }

    /// <summary>Reader killed while it holds a frame: the writer reports it on its next write, gives up its claim, and a new reader takes the name.</summary>
    [Fact]
    public async Task ReaderKilledHoldingFrame()
    {
        string name = TestNames.Unique("fi-hold");
        await using (CliProcess reader = CliProcess.Start("read", name, "--metadata-size", "0", "--payload-size", "8192", "--pause-at", "holding-frame", "--pause-frame", "2", "--json"))
        {
            await reader.WaitForEventAsync("ready");
            using var writer = new Writer(name);
            for (ulong seq = 1; seq <= 3; seq++)
            {
                writer.WriteFrame(FramePattern.Sequence(500, seq));
            }

            Assert.Equal(2UL, (await reader.WaitForEventAsync("paused")).GetProperty("sequence").GetUInt64());
            Assert.Single(reader.Events("frame"), e => e.GetProperty("sequence").GetUInt64() == 1);
            await reader.KillAsync();
            Survivor.AssertWithinBound(Survivor.WriteUntilReaderDead(writer), "reader death reported");
            Assert.Equal(0UL, writer.GetStatus().WriterPid); // claim given up
        }

        AssertUsable(name);
        Abandon.AssertGone(name);
    }

    /// <summary>
    /// Reader killed mid-release: it returned the space (the atomic add) but died before posting
    /// sem-r. The CLI cannot stop between those two steps, so the test makes the state: while the
    /// writer is blocked on a full ring, it returns the held frame's bytes without a post. The
    /// writer finds them on its next slice (no lost wake-up), and then reports the death.
    /// </summary>
    [Fact]
    public async Task ReaderKilledMidRelease()
    {
        string name = TestNames.Unique("fi-release");
        await using (CliProcess reader = CliProcess.Start("read", name, "--metadata-size", "0", "--payload-size", "4096", "--pause-at", "holding-frame", "--json"))
        {
            await reader.WaitForEventAsync("ready");
            using var writer = new Writer(name) { WriteTimeout = TimeSpan.FromSeconds(30) };
            writer.WriteFrame(new byte[3000]);
            await reader.WaitForEventAsync("paused");

            Task blocked = Task.Factory.StartNew(() => writer.WriteFrame(new byte[3000]), TaskCreationOptions.LongRunning);
            using (RawSegment raw = RawSegment.Open(name))
            {
                // The paused reader and the blocked writer leave free bytes alone: add the release by hand.
                ulong free = raw.ReadUInt64(40);
                raw.WriteUInt64(40, free + 3016);
            }

            await blocked.WaitAsync(Abandon.DeadPeerBound); // found without a token within a slice
            await reader.KillAsync();
            Survivor.AssertWithinBound(Survivor.WriteUntilReaderDead(writer), "reader death reported");
        }

        Abandon.CleanUp(name);
        OsResources.AssertNone(name);
        AssertUsable(name);
    }

    /// <summary>Reads frames <paramref name="first"/>..<paramref name="last"/>, each exactly once, with valid content.</summary>
    private static void AssertFrames(Reader reader, ulong first, ulong last, int size, bool checkPattern = true)
    {
        for (ulong seq = first; seq <= last; seq++)
        {
            using Frame frame = reader.ReadFrame(Wait);
            Assert.True(frame.IsValid, $"frame {seq} missing");
            Assert.Equal(seq, frame.Sequence);
            Assert.Equal(size, frame.Size);
            Assert.True(!checkPattern || FramePattern.MatchesSequence(frame.Span, seq), $"frame {seq} content is corrupted");
        }
    }

    /// <summary>A new writer process streams into the surviving reader: sequence restarts at 1, content intact.</summary>
    private static void StreamAgain(Reader reader, string name, int size)
    {
        using var writer = new Writer(name);
        for (ulong seq = 1; seq <= 3; seq++)
        {
            writer.WriteFrame(FramePattern.Sequence(size, seq));
        }

        AssertFrames(reader, 1, 3, size);
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
