using System.Buffers.Binary;

namespace ZeroBuffer.Nats.Wire;

/// <summary>
/// The body of a batch message (docs/bridge.md, "Wire format", batch): its frames one after the
/// other, each as <c>[u32 little-endian LENGTH][LENGTH bytes]</c>, nothing before, between or
/// after. The frame count travels in <c>Zb-Batch</c>, so a body is checked against it before any
/// frame is taken from it: a malformed batch is skipped whole, never half-imported.
/// </summary>
internal static class BatchBody
{
    /// <summary>Bytes of a frame's length prefix.</summary>
    internal const int PrefixSize = sizeof(uint);

    /// <summary>The most frames one batch carries: bounds the exporter's held frames and the importer's loop.</summary>
    internal const int MaxFrames = 1024;

    /// <summary>Bytes a frame of <paramref name="length"/> bytes takes in a body.</summary>
    internal static long SizeOf(int length) => PrefixSize + (long)length;

    /// <summary>Writes one frame at the start of <paramref name="destination"/>; returns the bytes written.</summary>
    internal static int Write(Span<byte> destination, ReadOnlySpan<byte> frame)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)frame.Length);
        frame.CopyTo(destination[PrefixSize..]);
        return PrefixSize + frame.Length;
    }

    /// <summary>
    /// Whether <paramref name="body"/> holds exactly <paramref name="count"/> frames of 1 byte or
    /// more, whose lengths stay inside the body and end it exactly.
    /// </summary>
    internal static bool TryCheck(ReadOnlySpan<byte> body, int count, out string? problem)
    {
        int offset = 0;
        for (int index = 0; index < count; index++)
        {
            if (body.Length - offset < PrefixSize)
            {
                problem = $"the batch body ({body.Length} bytes) ends before the length of frame {index} of {count}";
                return false;
            }

            uint length = BinaryPrimitives.ReadUInt32LittleEndian(body[offset..]);
            offset += PrefixSize;
            if (length == 0 || length > (uint)(body.Length - offset))
            {
                problem = $"frame {index} of {count} in the batch claims {length} bytes where {body.Length - offset} remain";
                return false;
            }

            offset += (int)length;
        }

        if (offset != body.Length)
        {
            problem = $"the batch body has {body.Length - offset} bytes after its {count} frames";
            return false;
        }

        problem = null;
        return true;
    }

    /// <summary>Takes the next frame off a body <see cref="TryCheck"/> accepted.</summary>
    internal static ReadOnlySpan<byte> Next(ref ReadOnlySpan<byte> rest)
    {
        int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(rest);
        ReadOnlySpan<byte> frame = rest.Slice(PrefixSize, length);
        rest = rest[(PrefixSize + length)..];
        return frame;
    }
}
