using System.Runtime.CompilerServices;

namespace ZeroBuffer.Protocol;

/// <summary>
/// Reads and writes the 16-byte frame header. Frames are packed without padding, so a header
/// may sit at any address: every access is unaligned.
/// </summary>
internal static unsafe class FrameHeader
{
    internal static ulong ReadLength(byte* header) =>
        Unsafe.ReadUnaligned<ulong>(header + ZeroBufferLayout.FrameLengthOffset);

    internal static ulong ReadSequence(byte* header) =>
        Unsafe.ReadUnaligned<ulong>(header + ZeroBufferLayout.FrameSequenceOffset);

    internal static void Write(byte* header, ulong length, ulong sequence)
    {
        Unsafe.WriteUnaligned(header + ZeroBufferLayout.FrameLengthOffset, length);
        Unsafe.WriteUnaligned(header + ZeroBufferLayout.FrameSequenceOffset, sequence);
    }

    internal static void WriteWrapMarker(byte* header) =>
        Write(header, ZeroBufferLayout.WrapMarkerLength, 0);
}
