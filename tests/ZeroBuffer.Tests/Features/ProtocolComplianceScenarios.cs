using ZeroBuffer.Tests.Infrastructure;
using static ZeroBuffer.Tests.Features.ScenarioData;

namespace ZeroBuffer.Tests.Features;

/// <summary>Upstream feature 12, "Protocol Compliance" (12.1, 12.2), under protocol-v1's rules.</summary>
public sealed class ProtocolComplianceScenarios
{
    /// <summary>
    /// The OIEB after every write, read and release, against values worked out by hand from
    /// protocol-v1 §3-§4 for a 1 KiB ring: in-place frames, a marker wrap, an unavoidable short
    /// tail with its implicit wrap, and an exact fill. Frames are packed, so positions are not
    /// 64-byte aligned; the block sizes are.
    /// </summary>
    [Fact]
    public void Feature_12_1_ProtocolComplianceOieb()
    {
        (int Size, int WritePos, int Written, int FreeAfterWrite, int ReadPos, int ReadCount, int FreeWhileHeld)[] steps =
        [
            (100, 116, 1, 908, 116, 1, 908),
            (1, 133, 2, 1007, 133, 2, 1007),
            (300, 449, 3, 708, 449, 3, 708),
            (17, 482, 4, 991, 482, 4, 991),
            (500, 998, 5, 508, 998, 5, 508),
            (200, 216, 7, 782, 216, 7, 808), // 26 to the end: marker (+1 count; 26 wasted until passed)
            (64, 296, 8, 944, 296, 8, 944),
            (704, 1016, 9, 304, 1016, 9, 304), // leaves 8: a wrap would need 728 + 720 > 1024
            (84, 100, 10, 916, 100, 10, 924), // implicit wrap over the 8 bytes: no marker, no count
            (908, 0, 11, 100, 0, 11, 100), // exactly to the end
        ];

        string name = TestNames.Unique("f12-1");
        using (var reader = new Reader(name, new BufferConfig(0, 1024)))
        using (var writer = new Writer(name))
        {
            BufferStatus start = reader.GetStatus();
            Assert.Equal(128U, start.OiebSize);
            Assert.Equal(new Version(1, 0, 0), start.ProtocolVersion);
            Assert.Equal(0UL, start.PayloadSize % 64);
            Assert.Equal(0UL, start.MetadataSize % 64);

            for (int i = 0; i < steps.Length; i++)
            {
                var step = steps[i];
                string at = $"step {i + 1} ({step.Size} B)";
                BufferStatus before = reader.GetStatus();
                Assert.Equal(1024UL, before.PayloadFreeBytes);

                writer.WriteFrame(Pattern(step.Size, i));
                BufferStatus afterWrite = reader.GetStatus();
                Assert.True((ulong)step.WritePos == afterWrite.WritePosition, $"{at}: write_pos {afterWrite.WritePosition}");
                Assert.True((ulong)step.Written == afterWrite.WrittenCount, $"{at}: written_count {afterWrite.WrittenCount}");
                Assert.True((ulong)step.FreeAfterWrite == afterWrite.PayloadFreeBytes, $"{at}: free after write {afterWrite.PayloadFreeBytes}");
                Assert.Equal(before.ReadPosition, afterWrite.ReadPosition); // a write leaves the reader's fields alone
                Assert.Equal(before.ReadCount, afterWrite.ReadCount);

                Frame frame = ReadPattern(reader, (ulong)i + 1, step.Size, i);
                BufferStatus afterRead = reader.GetStatus();
                Assert.True((ulong)step.ReadPos == afterRead.ReadPosition, $"{at}: read_pos {afterRead.ReadPosition}");
                Assert.True((ulong)step.ReadCount == afterRead.ReadCount, $"{at}: read_count {afterRead.ReadCount}");
                Assert.True((ulong)step.FreeWhileHeld == afterRead.PayloadFreeBytes, $"{at}: free while held {afterRead.PayloadFreeBytes}");
                Assert.Equal(afterWrite.WritePosition, afterRead.WritePosition); // a read leaves the writer's fields alone
                Assert.Equal(afterWrite.WrittenCount, afterRead.WrittenCount);

                frame.Dispose();
                BufferStatus afterRelease = reader.GetStatus();
                Assert.Equal(1024UL, afterRelease.PayloadFreeBytes); // 16 + size back
                Assert.Equal(afterRead.ReadPosition, afterRelease.ReadPosition);
                Assert.Equal(afterRead.ReadCount, afterRelease.ReadCount);
            }
        }

        OsResources.AssertNone(name);
    }

    /// <summary>
    /// OIEB at 0, metadata at 128, ring at 128 + M, with M and P multiples of 64 (so each block
    /// starts 64-byte aligned in every mapping); frames inside the ring are packed back to back.
    /// </summary>
    [Theory]
    [InlineData(0, 64)]
    [InlineData(1, 1)]
    [InlineData(11, 100)]
    [InlineData(100, 1000)]
    [InlineData(64, 4096)]
    [InlineData(65, 4097)]
    [InlineData(1024, 10240)]
    public unsafe void Feature_12_2_MemoryAlignmentVerification(int metadataSize, int payloadSize)
    {
        long m = (metadataSize + 63) / 64 * 64;
        long p = (payloadSize + 63) / 64 * 64;
        string name = TestNames.Unique("f12-2");
        using (var reader = new Reader(name, new BufferConfig(metadataSize, payloadSize)))
        using (var writer = new Writer(name))
        using (RawSegment raw = RawSegment.Open(name))
        {
            Assert.Equal(128 + m + p, raw.Length);
            Assert.Equal(128U, raw.ReadUInt32(0));
            Assert.Equal((ulong)m, raw.ReadUInt64(8));
            Assert.Equal((ulong)p, raw.ReadUInt64(32));
            Assert.Equal(0, m % 64);
            Assert.Equal(0, p % 64);

            if (m >= 8 + 3)
            {
                writer.SetMetadata("abc"u8);
                Assert.Equal(3UL, raw.ReadUInt64(128));
                Assert.Equal("abc"u8.ToArray(), raw.Read(128 + 8, 3));
            }

            // Sizes 1, 7 and 8 (footprints 17, 23, 24) fit even the 64-byte ring, at 0, 17 and 40.
            int[] sizes = [1, 7, 8];
            long ring = 128 + m;
            long offset = 0;
            for (int i = 0; i < sizes.Length; i++)
            {
                writer.WriteFrame(Pattern(sizes[i], i));
                Assert.Equal((ulong)sizes[i], raw.ReadUInt64(ring + offset));
                Assert.Equal((ulong)i + 1, raw.ReadUInt64(ring + offset + 8));
                Assert.Equal(Pattern(sizes[i], i), raw.Read(ring + offset + 16, sizes[i]));
                offset += 16 + sizes[i];
            }

            Assert.Equal((ulong)(offset % p), reader.GetStatus().WritePosition);
            for (int i = 0; i < sizes.Length; i++)
            {
                using Frame frame = ReadPattern(reader, (ulong)i + 1, sizes[i], i);
                if (i == 0)
                {
                    // The first frame's header is the start of the ring: 64-byte aligned in our mapping.
                    fixed (byte* data = frame.Span)
                    {
                        Assert.Equal(0UL, ((ulong)data - 16) % 64);
                    }
                }
            }
        }

        OsResources.AssertNone(name);
    }
}
