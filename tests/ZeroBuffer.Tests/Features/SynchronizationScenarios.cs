using System.Security.Cryptography;
using ZeroBuffer.Tests.Infrastructure;
using static ZeroBuffer.Tests.Features.ScenarioData;

namespace ZeroBuffer.Tests.Features;

/// <summary>Upstream feature 6, "Synchronization and Data Integrity", under protocol-v1's rules.</summary>
public sealed class SynchronizationScenarios
{
    private static readonly TimeSpan Liveness = TimeSpan.FromSeconds(5);

    /// <summary>Frames 1-4 written, 1-3 read, frame 4's sequence overwritten with 5: "expected 4, got 5".</summary>
    [Fact]
    public void Feature_6_1_SequenceNumberGapDetection()
    {
        string name = TestNames.Unique("f6-1");
        using (var reader = new Reader(name, new BufferConfig(0, 10240)))
        using (var writer = new Writer(name))
        using (RawSegment raw = RawSegment.Open(name))
        {
            for (int i = 0; i < 4; i++)
            {
                writer.WriteFrame(Pattern(100, i));
            }

            for (int i = 0; i < 3; i++)
            {
                ReadPattern(reader, (ulong)i + 1, 100, i).Dispose();
            }

            // Frame 4's header is at ring offset 3 × 116; its sequence is the second u64.
            const int frame4 = 128 + 3 * 116;
            Assert.Equal(4UL, raw.ReadUInt64(frame4 + 8));
            raw.WriteUInt64(frame4 + 8, 5);

            var error = Assert.Throws<SequenceError>(() => reader.ReadFrame(Liveness));
            Assert.Equal(4UL, error.Expected);
            Assert.Equal(5UL, error.Actual);
            Assert.Equal(ZeroBufferErrorKind.SequenceError, error.Kind);
            Assert.Contains("expected 4, got 5", error.Message, StringComparison.Ordinal);
            Assert.Equal(3UL, reader.GetStatus().ReadCount); // not consumed

            // The frame is kept: the next read returns it, and the reader follows on from 5.
            using Frame kept = reader.ReadFrame(Liveness);
            Assert.True(kept.IsValid);
            Assert.Equal(5UL, kept.Sequence);
            Assert.Equal(-1, FirstMismatch(kept.Span, 3));
        }

        OsResources.AssertNone(name);
    }

    /// <summary>50 × 1 KiB written in a burst without waiting, then read: all there, in order, intact.</summary>
    [Fact]
    public void Feature_6_2_BurstWritePerformance()
    {
        string name = TestNames.Unique("f6-2");
        using (var reader = new Reader(name, new BufferConfig(0, 102400)))
        using (var writer = new Writer(name))
        {
            byte[][] sent = new byte[50][];
            for (int i = 0; i < sent.Length; i++)
            {
                sent[i] = RandomNumberGenerator.GetBytes(1024);
                Assert.True(writer.TryWriteFrame(sent[i], TimeSpan.Zero), $"burst write {i} had to wait");
            }

            Assert.Equal(50UL, reader.GetStatus().WrittenCount);
            Assert.Equal(50, RawSegment.SemaphoreValue("/sem-w-" + name));
            for (int i = 0; i < sent.Length; i++)
            {
                using Frame frame = reader.ReadFrame(Liveness);
                Assert.Equal((ulong)i + 1, frame.Sequence);
                Assert.Equal(sent[i], frame.ToArray());
            }

            Assert.Equal(102400UL, reader.GetStatus().PayloadFreeBytes);
        }

        OsResources.AssertNone(name);
    }

    /// <summary>
    /// A 50 KiB ring, 4 KiB frames, a reader taking one frame every 5 ms: the writer stops when 12
    /// frames fill the ring, resumes as frames are released, and every frame arrives intact.
    /// </summary>
    [Fact]
    public async Task Feature_6_3_SlowReaderFlowControl()
    {
        const int frames = 40;
        string name = TestNames.Unique("f6-3");
        using (var reader = new Reader(name, new BufferConfig(0, 51200)))
        using (var writer = new Writer(name) { WriteTimeout = TimeSpan.FromSeconds(10) })
        {
            byte[][] sent = new byte[frames][];
            for (int i = 0; i < frames; i++)
            {
                sent[i] = RandomNumberGenerator.GetBytes(4096);
            }

            var firstBlock = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            Task<int> writing = OnOwnThread(() =>
            {
                int blocked = 0;
                for (int i = 0; i < frames; i++)
                {
                    if (!writer.TryWriteFrame(sent[i], TimeSpan.Zero))
                    {
                        blocked++;
                        firstBlock.TrySetResult(i);
                        writer.WriteFrame(sent[i]);
                    }
                }

                firstBlock.TrySetResult(-1);
                return blocked;
            });

            // 12 × 4112 = 49344; the 13th needs a wrap (1856 + 4112) with 1856 free.
            Assert.Equal(12, await firstBlock.Task.WaitAsync(Liveness));
            Assert.True(reader.GetStatus().PayloadFreeBytes < 4112 + 1856);
            for (int i = 0; i < frames; i++)
            {
                Thread.Sleep(5); // the slow reader: this delay is the scenario
                using Frame frame = reader.ReadFrame(Liveness);
                Assert.True(frame.IsValid, $"frame {i} missing");
                Assert.Equal((ulong)i + 1, frame.Sequence);
                Assert.Equal(SHA256.HashData(sent[i]), SHA256.HashData(frame.Span));
            }

            Assert.True(await writing.WaitAsync(Liveness) >= 1);
            Assert.Equal(51200UL, reader.GetStatus().PayloadFreeBytes);
        }

        OsResources.AssertNone(name);
    }

    /// <summary>
    /// Two frames posted back to back, the second before the reader handled the first: both
    /// arrive, in order. One sem-w token per frame, none for a wrap marker.
    /// </summary>
    [Fact]
    public async Task Feature_6_4_SemaphoreSignalOrdering()
    {
        string name = TestNames.Unique("f6-4");
        using (var reader = new Reader(name, new BufferConfig(0, 1024)) { WaitStrategy = WaitStrategy.Blocking }) // one token per frame
        using (var writer = new Writer(name))
        {
            // A reader already waiting when both frames arrive.
            Task<(ulong, byte, ulong, byte)> waiting = OnOwnThread(() =>
            {
                using Frame a = reader.ReadFrame(Liveness);
                using Frame b = reader.ReadFrame(Liveness);
                return (a.Sequence, a.Span[0], b.Sequence, b.Span[0]);
            });
            writer.WriteFrame([0xA1]);
            writer.WriteFrame([0xB2]);
            Assert.Equal((1UL, (byte)0xA1, 2UL, (byte)0xB2), await waiting.WaitAsync(Liveness));

            // Tokens equal frames: two pending frames, two tokens; a wrap marker adds none.
            string dataAvailable = "/sem-w-" + name;
            Assert.Equal(0, RawSegment.SemaphoreValue(dataAvailable));
            writer.WriteFrame(Pattern(600, 3)); // at 34: up to 650
            ReadPattern(reader, 3, 600, 3).Dispose();
            writer.WriteFrame(Pattern(400, 4)); // 416 > 374 to the end: a marker at 650, the frame at 0
            writer.WriteFrame(Pattern(100, 5));
            BufferStatus status = reader.GetStatus();
            Assert.Equal(6UL, status.WrittenCount); // 5 frames + 1 marker
            Assert.Equal(532UL, status.WritePosition);
            Assert.Equal(2, RawSegment.SemaphoreValue(dataAvailable));

            ReadPattern(reader, 4, 400, 4).Dispose();
            ReadPattern(reader, 5, 100, 5).Dispose();
            Assert.Equal(0, RawSegment.SemaphoreValue(dataAvailable));
            Assert.False(reader.ReadFrame(TimeSpan.FromMilliseconds(50)).IsValid);
        }

        OsResources.AssertNone(name);
    }
}
