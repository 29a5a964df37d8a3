using System.Buffers.Binary;
using ZeroBuffer.Lifecycle;
using ZeroBuffer.Tests.Infrastructure;

namespace ZeroBuffer.Tests.Protocol;

/// <summary>
/// Writer sessions and the commit record (docs/protocol.md §2.4, §4.4, §5.2): a new writer is
/// recognised by its session, not by sequence 1 alone, and a writer that dies in the middle of a
/// commit does not cost its successor a frame.
/// </summary>
public sealed class WriterSessionTests
{
    private const int P = 4096;
    private const int PayloadFreeAt = 40;
    private const int WritePosAt = 48;
    private const int WrittenCountAt = 64;
    private const int WriterSessionAt = 104;
    private const int SessionStartAt = 112;
    private const int CommitRecordAt = 120;
    private const int RingAt = 128; // M = 0

    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(5);

    [Fact]
    public void EveryConnectStartsANewGeneration_AndADisposeClosesIt()
    {
        string name = TestNames.Unique("ws-generation");
        ulong pid = (ulong)Environment.ProcessId;
        using (var reader = new Reader(name, new BufferConfig(0, P)))
        using (RawSegment raw = RawSegment.Open(name))
        {
            Assert.Equal(0UL, raw.ReadUInt64(WriterSessionAt)); // no session yet
            for (ulong generation = 1; generation <= 3; generation++)
            {
                using (var writer = new Writer(name))
                {
                    writer.WriteFrame([1]);
                    Assert.Equal(pid | (generation << 32) | (1UL << 56), raw.ReadUInt64(WriterSessionAt)); // connected
                    Assert.Equal(generation - 1, raw.ReadUInt64(SessionStartAt)); // the count when it connected
                    Assert.Equal(generation, BufferCatalog.Inspect(name)!.ControlBlock!.Value.WriterGeneration);
                }

                Assert.Equal(pid | (generation << 32) | (2UL << 56), raw.ReadUInt64(WriterSessionAt)); // closed
                reader.ReadFrame(Generous).Dispose(); // each session's frame 1 is a new connection, accepted
            }
        }

        OsResources.AssertNone(name);
    }

    /// <summary>A sequence-1 frame inside the session that wrote the previous frame is a duplicate, not a reconnect.</summary>
    [Fact]
    public void ASequenceOneFrameFromTheSameSession_IsASequenceError()
    {
        string name = TestNames.Unique("ws-dup1");
        using (var reader = new Reader(name, new BufferConfig(0, P)))
        using (var writer = new Writer(name))
        {
            writer.WriteFrame([1]);
            writer.WriteFrame([2]);
            writer.WriteFrame([99], sequence: 1, CancellationToken.None); // a duplicated (or damaged) number 1
            writer.WriteFrame([4]);

            Assert.Equal(1UL, ReadSequence(reader));
            Assert.Equal(2UL, ReadSequence(reader));
            SequenceError error = Assert.Throws<SequenceError>(() => reader.ReadFrame(Generous));
            Assert.Equal(3UL, error.Expected);
            Assert.Equal(1UL, error.Actual);
        }

        OsResources.AssertNone(name);
    }

    /// <summary>Frames of a new session are accepted even when the reader reads them after the session changed again.</summary>
    [Fact]
    public void ANewSessionsFirstFrame_IsAcceptedAsANewConnection()
    {
        string name = TestNames.Unique("ws-new1");
        using (var reader = new Reader(name, new BufferConfig(0, P)))
        {
            using (var first = new Writer(name))
            {
                first.WriteFrame([1]);
                first.WriteFrame([2]);
            }

            using (var second = new Writer(name))
            {
                second.WriteFrame([1]);
                second.WriteFrame([2]);
                Assert.Equal([1UL, 2UL, 1UL, 2UL], [ReadSequence(reader), ReadSequence(reader), ReadSequence(reader), ReadSequence(reader)]);
            }
        }

        OsResources.AssertNone(name);
    }

    /// <summary>
    /// A writer of ours killed in the middle of committing frame 3, at each point of §3.5 after the
    /// charge: after the record (the record names the commit), after the position (the record still
    /// names frame 2; the successor finds frame 3 in the ring), or before the position (nothing was
    /// published: the frame is lost, its bytes too, and nothing else). The successor finishes what
    /// can be finished, and its own frames are never one behind.
    /// </summary>
    [Theory]
    [InlineData("after-record")]
    [InlineData("after-position")]
    [InlineData("after-charge")]
    public async Task AWriterKilledMidCommit_ItsSuccessorFinishesTheCommit(string killedAt)
    {
        string name = TestNames.Unique("ws-midcommit");
        using (var reader = new Reader(name, new BufferConfig(0, P)))
        using (RawSegment raw = RawSegment.Open(name))
        {
            await using (CliProcess dying = CliProcess.Start("write", name, "--count", "2", "--size", "100", "--hold", "--json"))
            {
                await dying.WaitForEventAsync("holding");
                await dying.KillAsync();
            }

            // The state its death left, built from the rules of §3.5: frame 3 written and charged,
            // then the position and the record stored or not, and the count never.
            ulong position = raw.ReadUInt64(WritePosAt); // 232: after two frames of 116
            ulong count = raw.ReadUInt64(WrittenCountAt);
            Assert.Equal(2UL, count);
            Assert.Equal((position << 24) | count, raw.ReadUInt64(CommitRecordAt)); // frame 2's commit
            raw.Write(RingAt + (long)position, Frame(100, 3));
            raw.WriteUInt64(PayloadFreeAt, raw.ReadUInt64(PayloadFreeAt) - 116);
            if (killedAt != "after-charge")
            {
                raw.WriteUInt64(WritePosAt, position + 116);
            }

            if (killedAt == "after-record")
            {
                raw.WriteUInt64(CommitRecordAt, ((position + 116) << 24) | (count + 1));
            }

            using (var successor = new Writer(name))
            {
                bool finished = killedAt != "after-charge";
                Assert.Equal(finished ? 3UL : 2UL, raw.ReadUInt64(WrittenCountAt)); // finished at connect, or nothing to finish
                Assert.Equal(((position + (finished ? 116UL : 0)) << 24) | (finished ? 3UL : 2UL), raw.ReadUInt64(CommitRecordAt));
                successor.WriteFrame(new byte[10]);
                successor.WriteFrame(new byte[10]);

                // Every frame at once, none late: 1, 2, the finished 3, then the successor's 1 and 2.
                ulong[] expected = finished ? [1, 2, 3, 1, 2] : [1, 2, 1, 2];
                Assert.Equal(expected, Enumerable.Range(0, expected.Length).Select(_ => ReadSequence(reader, TimeSpan.Zero)));
                Assert.False(reader.TryReadFrame(TimeSpan.Zero, out _));
            }

            // A lost frame's charge is lost capacity (never over-credited): 116 bytes short when nothing was finished.
            Assert.Equal(killedAt == "after-charge" ? (ulong)(P - 116) : (ulong)P, raw.ReadUInt64(PayloadFreeAt));
        }

        OsResources.AssertNone(name);
    }

    /// <summary>
    /// Killed between the position and the record of a frame that wrapped with a marker: the
    /// successor finds the marker at the recorded position and the frame at 0 behind it, ending
    /// exactly at the stored position, and publishes both (two items).
    /// </summary>
    [Fact]
    public async Task AWriterKilledBetweenPositionAndRecord_AtAWrap_ItsSuccessorFindsTheFrameBehindTheMarker()
    {
        string name = TestNames.Unique("ws-midwrap");
        using (var reader = new Reader(name, new BufferConfig(0, P)))
        using (RawSegment raw = RawSegment.Open(name))
        {
            await using (CliProcess dying = CliProcess.Start("write", name, "--count", "2", "--size", "1900", "--hold", "--json"))
            {
                await dying.WaitForEventAsync("holding");
                reader.ReadFrame(Generous).Dispose();
                reader.ReadFrame(Generous).Dispose();
                await dying.KillAsync();
            }

            // Frame 3 (300 bytes) does not fit in the 264 bytes left: a marker at 3832 and the frame at 0.
            Assert.Equal(3832UL, raw.ReadUInt64(WritePosAt));
            raw.Write(RingAt + 3832, new byte[16]);
            raw.Write(RingAt, Frame(300, 3));
            raw.WriteUInt64(PayloadFreeAt, raw.ReadUInt64(PayloadFreeAt) - 264 - 316);
            raw.WriteUInt64(WritePosAt, 316);

            using (var successor = new Writer(name))
            {
                Assert.Equal(4UL, raw.ReadUInt64(WrittenCountAt)); // the marker and frame 3
                successor.WriteFrame(new byte[10]);
                Assert.Equal([3UL, 1UL], Enumerable.Range(0, 2).Select(_ => ReadSequence(reader, TimeSpan.Zero)));
            }
        }

        OsResources.AssertNone(name);
    }

    /// <summary>A writer connected to a buffer that advertises nothing (upstream) writes none of the extension words.</summary>
    [Fact]
    public void AWriterOnAnUpstreamBuffer_LeavesTheReservedWordsAlone()
    {
        string name = TestNames.Unique("ws-upstream");
        using (UpstreamBuffer.Create(name, readerPid: (ulong)Environment.ProcessId))
        using (RawSegment raw = RawSegment.Open(name))
        {
            using (var writer = new Writer(name))
            {
                writer.WriteFrame([1, 2, 3]);
            }

            Assert.Equal(new byte[32], raw.Read(96, 32));
        }

        OsResources.AssertNone(name);
    }

    private static ulong ReadSequence(Reader reader, TimeSpan? timeout = null)
    {
        using Frame frame = reader.ReadFrame(timeout ?? Generous);
        Assert.True(frame.IsValid);
        return frame.Sequence;
    }

    private static byte[] Frame(int length, ulong sequence)
    {
        byte[] bytes = new byte[16 + length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)length);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8), sequence);
        return bytes;
    }
}
