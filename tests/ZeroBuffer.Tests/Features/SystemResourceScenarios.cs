using System.Buffers.Binary;
using ZeroBuffer.Internal;
using ZeroBuffer.Tests.Infrastructure;
using static ZeroBuffer.Tests.Features.ScenarioData;

namespace ZeroBuffer.Tests.Features;

/// <summary>Upstream feature 7, "System Resources" (7.3, 7.4), under protocol-v1's rules.</summary>
public sealed class SystemResourceScenarios
{
    private static readonly TimeSpan Liveness = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A writer thread fills multi-field records straight into the ring (zero copy) and commits;
    /// a reader thread checks every field of every record after the wake-up. A field still holding
    /// an older record's bytes would show as an inconsistency. A small ring makes the writer
    /// overwrite released space all the time.
    /// </summary>
    [Fact]
    public async Task Feature_7_3_MemoryBarrierVerification()
    {
        const int frames = 50_000;
        string name = TestNames.Unique("f7-3");
        using (var reader = new Reader(name, new BufferConfig(0, 4096)))
        using (var writer = new Writer(name) { WriteTimeout = Liveness })
        {
            Task writing = OnOwnThread(() =>
            {
                for (ulong seq = 1; seq <= frames; seq++)
                {
                    Span<byte> record = writer.GetFrameBuffer(RecordLength(seq));
                    WriteRecord(record, seq);
                    writer.CommitFrame();
                }
            });

            string? problem = null;
            for (ulong seq = 1; seq <= frames && problem is null; seq++)
            {
                using Frame frame = reader.ReadFrame(Liveness);
                problem = !frame.IsValid ? $"record {seq} did not arrive"
                    : frame.Sequence != seq ? $"record {seq} arrived as sequence {frame.Sequence}"
                    : CheckRecord(frame.Span, seq);
            }

            Assert.Null(problem);
            await writing.WaitAsync(Liveness);
            Assert.Equal(4096UL, reader.GetStatus().PayloadFreeBytes);
        }

        OsResources.AssertNone(name);
    }

    private static int RecordLength(ulong seq) => 36 + (int)(seq * 7919 % 211);

    // Layout: [u64 seq][u64 a][u64 ~a][i32 length][filler (seq + i)][u64 a, written last].
    private static void WriteRecord(Span<byte> record, ulong seq)
    {
        ulong a = seq * 0x9E3779B97F4A7C15UL;
        BinaryPrimitives.WriteUInt64LittleEndian(record, seq);
        BinaryPrimitives.WriteUInt64LittleEndian(record[8..], a);
        BinaryPrimitives.WriteUInt64LittleEndian(record[16..], ~a);
        BinaryPrimitives.WriteInt32LittleEndian(record[24..], record.Length);
        for (int i = 28; i < record.Length - 8; i++)
        {
            record[i] = (byte)(seq + (ulong)i);
        }

        BinaryPrimitives.WriteUInt64LittleEndian(record[^8..], a);
    }

    private static string? CheckRecord(ReadOnlySpan<byte> record, ulong seq)
    {
        ulong a = seq * 0x9E3779B97F4A7C15UL;
        if (record.Length != RecordLength(seq))
        {
            return $"record {seq}: length {record.Length}, expected {RecordLength(seq)}";
        }

        if (BinaryPrimitives.ReadUInt64LittleEndian(record) != seq
            || BinaryPrimitives.ReadUInt64LittleEndian(record[8..]) != a
            || BinaryPrimitives.ReadUInt64LittleEndian(record[16..]) != ~a
            || BinaryPrimitives.ReadInt32LittleEndian(record[24..]) != record.Length
            || BinaryPrimitives.ReadUInt64LittleEndian(record[^8..]) != a)
        {
            return $"record {seq}: a field is inconsistent: {Convert.ToHexString(record)}";
        }

        for (int i = 28; i < record.Length - 8; i++)
        {
            if (record[i] != (byte)(seq + (ulong)i))
            {
                return $"record {seq}: filler byte {i} is 0x{record[i]:X2}";
            }
        }

        return null;
    }

    /// <summary>Frames of 1 B, 1 KiB, 1 MiB and 10 MiB with an incrementing pattern through a 32 MiB ring: every byte checked.</summary>
    [Fact]
    public void Feature_7_4_PatternValidation()
    {
        int[] sizes = [1, 1024, 1024 * 1024, 10 * 1024 * 1024];
        string name = TestNames.Unique("f7-4");
        using (var reader = new Reader(name, new BufferConfig(0, 32 * 1024 * 1024)))
        using (var writer = new Writer(name))
        {
            for (int i = 0; i < sizes.Length; i++)
            {
                writer.WriteFrame(Pattern(sizes[i], i * 51));
            }

            for (int i = 0; i < sizes.Length; i++)
            {
                using Frame frame = reader.ReadFrame(Liveness);
                Assert.True(frame.IsValid);
                Assert.Equal((ulong)i + 1, frame.Sequence);
                Assert.Equal(sizes[i], frame.Size);
                Assert.True(frame.Span.SequenceEqual(Pattern(sizes[i], i * 51)), $"frame {i + 1}: first bad byte at {FirstMismatch(frame.Span, i * 51)}");
            }

            Assert.Equal(32UL * 1024 * 1024, reader.GetStatus().PayloadFreeBytes);
        }

        OsResources.AssertNone(name);
    }

    /// <summary>
    /// Creation failing at each step (semaphores, segment, control block) throws and leaves no
    /// segment, semaphore or lock file behind; the name then works.
    /// </summary>
    [Theory]
    [InlineData("create-sem-w")]
    [InlineData("create-sem-r")]
    [InlineData("create-segment")]
    [InlineData("init-oieb")]
    public void Feature_7_4_PartialInitializationFailureLeavesNothing(string point)
    {
        string name = TestNames.Unique("f7-4-init");
        using (FaultInjection.Arm(point))
        {
            var error = Assert.Throws<ZeroBufferException>(() => new Reader(name, new BufferConfig(64, 4096)));
            Assert.Contains(point, error.Message, StringComparison.Ordinal);
        }

        OsResources.AssertNone(name);
        Assert.Throws<BufferNotFoundException>(() => new Writer(name));

        using (var reader = new Reader(name, new BufferConfig(64, 4096)))
        using (var writer = new Writer(name))
        {
            writer.WriteFrame([7]);
            using Frame frame = reader.ReadFrame(Liveness);
            Assert.Equal(1UL, frame.Sequence);
        }

        OsResources.AssertNone(name);
    }
}
