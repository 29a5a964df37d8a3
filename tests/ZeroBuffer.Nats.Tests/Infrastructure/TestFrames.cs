using System.Buffers.Binary;
using System.IO.Hashing;

namespace ZeroBuffer.Nats.Tests.Infrastructure;

/// <summary>
/// Frames that say who they are: the first 8 bytes hold the frame's index (1, 2, …), the rest is
/// a pattern derived from the index, so a frame received can be checked against the one sent
/// (by its checksum) without keeping the frames.
/// </summary>
internal static class TestFrames
{
    internal static void Fill(Span<byte> frame, ulong index)
    {
        ulong state = index * 0x9E3779B97F4A7C15UL;
        for (int i = 0; i < frame.Length; i += 8)
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            Span<byte> word = frame[i..];
            if (word.Length >= 8)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(word, state);
            }
            else
            {
                for (int j = 0; j < word.Length; j++)
                {
                    word[j] = (byte)(state >> (8 * j));
                }
            }
        }

        if (frame.Length >= 8)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(frame, index);
        }
    }

    internal static byte[] Make(int size, ulong index)
    {
        byte[] frame = new byte[size];
        Fill(frame, index);
        return frame;
    }

    /// <summary>The index a frame carries (frames of at least 8 bytes).</summary>
    internal static ulong IndexOf(ReadOnlySpan<byte> frame) => BinaryPrimitives.ReadUInt64LittleEndian(frame);

    internal static ulong Checksum(ReadOnlySpan<byte> frame) => XxHash64.HashToUInt64(frame);

    /// <summary>The checksum frame <paramref name="index"/> of <paramref name="size"/> bytes must have.</summary>
    internal static ulong ExpectedChecksum(int size, ulong index) => Checksum(Make(size, index));
}
