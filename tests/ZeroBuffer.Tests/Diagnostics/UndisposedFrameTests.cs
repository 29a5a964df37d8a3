using System.Text.Json;
using ZeroBuffer.Lifecycle;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Diagnostics;

/// <summary>
/// A reader that takes frames and never disposes them (issue 18 item 5): the writer's
/// <see cref="BufferFullException"/>, <see cref="BufferCatalog.Occupancy"/>, <c>inspect</c> and
/// <c>watch</c> name how many frames it holds and the oldest one's sequence, from the shared
/// memory alone; a reader that disposes but is slow gets the other diagnosis.
/// </summary>
public sealed class UndisposedFrameTests
{
    private const int RingSize = 4096;
    private const int FrameSize = 100; // 116 bytes in the ring: 35 fit in 4096
    private const int Footprint = FrameSize + 16;
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ShortWriteTimeout = TimeSpan.FromMilliseconds(100); // the ring stays full: only how soon the error comes

    /// <summary>
    /// Writes and disposes <paramref name="before"/> frames (so the held ones start mid-ring and
    /// wrap), then writes frames until the ring is full, taking the first <paramref name="take"/>
    /// of them without disposing; returns them and the writer's error for the next frame.
    /// </summary>
    private static (List<Frame> Held, BufferFullException Error) FillWhileHolding(Reader reader, Writer writer, int before, int take)
    {
        for (int i = 0; i < before; i++)
        {
            writer.WriteFrame(new byte[FrameSize]);
            reader.ReadFrame(ReadTimeout).Dispose();
        }

        var held = new List<Frame>();
        writer.WriteTimeout = ShortWriteTimeout;
        while (true)
        {
            if (!writer.TryWriteFrame(new byte[FrameSize], TimeSpan.Zero))
            {
                break;
            }

            if (held.Count < take)
            {
                Frame frame = reader.ReadFrame(ReadTimeout);
                Assert.True(frame.IsValid);
                held.Add(frame); // taken, never disposed: the porting mistake
            }
        }

        BufferFullException error = Assert.Throws<BufferFullException>(() => writer.WriteFrame(new byte[FrameSize]));
        return (held, error);
    }

    [Fact]
    public void WriterError_ReaderHoldsEveryFrameItTook_NamesTheCountAndTheOldestSequence()
    {
        string name = TestNames.Unique("undisposed-all");
        using (var reader = new Reader(name, new BufferConfig(0, RingSize)))
        using (var writer = new Writer(name))
        {
            // 20 frames read and disposed first: the held ones run from offset 2320 across the wrap marker.
            (List<Frame> held, BufferFullException e) = FillWhileHolding(reader, writer, before: 20, take: int.MaxValue);

            Assert.Equal(held.Count, e.HeldFrames);
            Assert.Equal(21UL, e.OldestHeldSequence);
            Assert.Equal(0, e.UnreadFrames);
            Assert.Equal(Footprint, e.RequiredBytes);
            RingOccupancy o = Assert.NotNull(e.Occupancy);
            Assert.True(o.IsKnown);
            Assert.True(o.HeldFramesDominate);
            Assert.Equal(RingSize - e.FreeBytes, o.HeldBytes); // every byte in use is held (the wrap tail included)
            Assert.Contains($"The reader holds {held.Count} undisposed frames (oldest sequence 21)", e.Message, StringComparison.Ordinal);
            Assert.Contains("dispose every frame", e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("slow", e.Message, StringComparison.Ordinal);

            // Disposing the oldest gives its space back, and the writer goes on.
            held[0].Dispose();
            writer.WriteFrame(new byte[FrameSize]);
            RingOccupancy after = Assert.NotNull(BufferCatalog.Occupancy(name));
            Assert.Equal(held.Count - 1, after.HeldFrames);
            Assert.Equal(22UL, after.OldestHeldSequence);
            Assert.Equal(1, after.UnreadFrames);
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public void WriterError_ReaderHoldsMostAndReadsNoMore_SaysBothFigures()
    {
        string name = TestNames.Unique("undisposed-some");
        using (var reader = new Reader(name, new BufferConfig(0, RingSize)))
        using (var writer = new Writer(name))
        {
            (_, BufferFullException e) = FillWhileHolding(reader, writer, before: 3, take: 30);

            Assert.Equal(30, e.HeldFrames);
            Assert.Equal(4UL, e.OldestHeldSequence);
            Assert.Equal(5, e.UnreadFrames); // 35 fit: 30 held, 5 committed and unread (with the wrap tail of 36 bytes among them)
            Assert.Contains("The reader holds 30 undisposed frames (oldest sequence 4), 3480 bytes", e.Message, StringComparison.Ordinal);
            Assert.Contains("It has also not read 5 committed frames (616 bytes) yet.", e.Message, StringComparison.Ordinal);
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public void WriterError_SlowReaderThatDisposes_SaysItHasNotReadTheFrames()
    {
        string name = TestNames.Unique("slow-reader");
        using (var reader = new Reader(name, new BufferConfig(0, RingSize)))
        using (var writer = new Writer(name))
        {
            (_, BufferFullException e) = FillWhileHolding(reader, writer, before: 7, take: 0);

            Assert.Equal(0, e.HeldFrames);
            Assert.Null(e.OldestHeldSequence);
            Assert.Equal(35, e.UnreadFrames);
            Assert.False(e.Occupancy!.Value.HeldFramesDominate);
            Assert.Contains("The reader has not read 35 committed frames (4096 bytes) yet: it is slow or stalled. It holds no frames.", e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("undisposed", e.Message, StringComparison.Ordinal);

            // A slow reader busy with one frame: still slow, and the frame in hand is named too.
            using Frame current = reader.ReadFrame(ReadTimeout);
            Assert.False(writer.TryWriteFrame(new byte[FrameSize], TimeSpan.Zero));
            BufferFullException busy = Assert.Throws<BufferFullException>(() => writer.WriteFrame(new byte[FrameSize]));
            Assert.Equal(1, busy.HeldFrames);
            Assert.Equal(8UL, busy.OldestHeldSequence);
            Assert.Equal(34, busy.UnreadFrames);
            Assert.Contains("it is slow or stalled. It also holds 1 undisposed frame (oldest sequence 8), 116 bytes.", busy.Message, StringComparison.Ordinal);
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public void Occupancy_FramesDisposedOutOfOrder_WaitBehindTheOldestAndCountUntilItGoes()
    {
        string name = TestNames.Unique("undisposed-order");
        using (var reader = new Reader(name, new BufferConfig(0, RingSize)))
        using (var writer = new Writer(name))
        {
            Assert.Equal(new RingOccupancy { PayloadSize = RingSize, FreeBytes = RingSize, IsKnown = true }, BufferCatalog.Occupancy(name));
            var frames = new List<Frame>();
            for (int i = 0; i < 5; i++)
            {
                writer.WriteFrame(new byte[FrameSize + i]);
                frames.Add(reader.ReadFrame(ReadTimeout));
            }

            writer.WriteFrame(new byte[FrameSize]); // one unread
            for (int i = 1; i < 5; i++)
            {
                frames[i].Dispose(); // space returns in ring order: they wait behind frame 1
            }

            RingOccupancy o = Assert.NotNull(BufferCatalog.Occupancy(name));
            Assert.Equal(5, o.HeldFrames);
            Assert.Equal(1UL, o.OldestHeldSequence);
            Assert.Equal(5 * Footprint + 10, o.HeldBytes);
            Assert.Equal(1, o.UnreadFrames);
            Assert.Equal(Footprint, o.UnreadBytes);
            Assert.Equal("reader holds 5 undisposed frames (oldest sequence 1)", o.HeldSummary);

            frames[0].Dispose();
            o = Assert.NotNull(BufferCatalog.Occupancy(name));
            Assert.Equal(0, o.HeldFrames);
            Assert.Null(o.OldestHeldSequence);
            Assert.Null(o.HeldSummary);
            Assert.Equal(1, o.UnreadFrames);
        }

        Assert.Null(BufferCatalog.Occupancy(name));
        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task WriterInAnotherProcess_ReportsTheUndisposedFramesOfThisReader()
    {
        string name = TestNames.Unique("undisposed-cli-writer");
        using (var reader = new Reader(name, new BufferConfig(0, RingSize)))
        {
            var held = new List<Frame>();
            await using CliProcess writer = CliProcess.Start("write", name, "--count", "100", "--size", FrameSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--write-timeout-ms", "300", "--json");
            while (held.Count < 35)
            {
                Frame frame = reader.ReadFrame(TimeSpan.FromSeconds(60)); // the first waits for the tool to start
                Assert.True(frame.IsValid);
                held.Add(frame); // never disposed
            }

            JsonElement error = await writer.WaitForEventAsync("error");
            Assert.Equal(17, await writer.WaitForExitAsync());
            Assert.Equal("BufferFull", error.GetProperty("kind").GetString());
            Assert.Contains("The reader holds 35 undisposed frames (oldest sequence 1)", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        OsResources.AssertNone(name);
    }

    [Fact]
    public async Task InspectAndWatch_ReaderHoldingFrames_ShowHowManyAndTheOldest()
    {
        string name = TestNames.Unique("undisposed-cli-look");
        using (var reader = new Reader(name, new BufferConfig(0, RingSize)))
        using (var writer = new Writer(name))
        {
            (List<Frame> held, _) = FillWhileHolding(reader, writer, before: 2, take: 12);
            Assert.Equal(12, held.Count);
            const string phrase = "reader holds 12 undisposed frames (oldest sequence 3)";

            await using (CliProcess inspect = CliProcess.Start("inspect", name, "--json"))
            {
                JsonElement e = await inspect.WaitForEventAsync("inspect");
                Assert.Equal(0, await inspect.WaitForExitAsync());
                Assert.True(e.GetProperty("occupancyKnown").GetBoolean());
                Assert.Equal(12, e.GetProperty("heldFrames").GetInt64());
                Assert.Equal(3UL, e.GetProperty("oldestHeldSequence").GetUInt64());
                Assert.Equal(12 * Footprint, e.GetProperty("heldBytes").GetInt64());
                Assert.Equal(23, e.GetProperty("unreadFrames").GetInt64());
                Assert.Equal(phrase, e.GetProperty("held").GetString());
            }

            await using (CliProcess text = CliProcess.Start("inspect", name))
            {
                Assert.Equal(0, await text.WaitForExitAsync());
                Assert.Contains(phrase, string.Join('\n', text.Output), StringComparison.Ordinal);
            }

            await using (CliProcess watch = CliProcess.Start("watch", name, "--json", "--interval-ms", "20", "--count", "1"))
            {
                JsonElement s = await watch.WaitForEventAsync("sample");
                Assert.Equal(0, await watch.WaitForExitAsync());
                Assert.True(s.GetProperty("occupancyKnown").GetBoolean());
                Assert.Equal(12, s.GetProperty("heldFrames").GetInt64());
                Assert.Equal(3UL, s.GetProperty("oldestHeldSequence").GetUInt64());
                Assert.Equal(23, s.GetProperty("unreadFrames").GetInt64());
                Assert.Equal(phrase, s.GetProperty("held").GetString());
            }

            await using (CliProcess watchText = CliProcess.Start("watch", name, "--interval-ms", "20", "--count", "1"))
            {
                Assert.Equal(0, await watchText.WaitForExitAsync());
                Assert.Contains(phrase, string.Join('\n', watchText.Output), StringComparison.Ordinal);
            }

            foreach (Frame frame in held)
            {
                frame.Dispose();
            }

            await using CliProcess none = CliProcess.Start("inspect", name, "--json");
            JsonElement cleared = await none.WaitForEventAsync("inspect");
            Assert.Equal(0, await none.WaitForExitAsync());
            Assert.Equal(0, cleared.GetProperty("heldFrames").GetInt64());
            Assert.Equal(JsonValueKind.Null, cleared.GetProperty("held").ValueKind);
            Assert.Equal(JsonValueKind.Null, cleared.GetProperty("oldestHeldSequence").ValueKind);
        }

        OsResources.AssertNone(name);
    }
}
