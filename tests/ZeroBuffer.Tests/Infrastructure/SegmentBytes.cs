using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using ZeroBuffer.Protocol;

namespace ZeroBuffer.Tests.Infrastructure;

/// <summary>
/// Reads and patches raw bytes of a live buffer's segment through its file in <c>/dev/shm</c>,
/// the way a foreign process or a memory fault would: tmpfs file I/O hits the same pages the
/// reader and writer have mapped. For corruption tests only.
/// </summary>
internal static class SegmentBytes
{
    /// <summary>Offset of the payload ring in the segment: 128 + M.</summary>
    internal static long PayloadOffset(BufferStatus status) =>
        ZeroBufferLayout.PayloadOffset((long)status.MetadataSize);

    /// <summary>Segment offset of the sequence field of the frame header at ring offset <paramref name="headerPosition"/>.</summary>
    internal static long FrameSequenceOffset(BufferStatus status, long headerPosition) =>
        PayloadOffset(status) + headerPosition + ZeroBufferLayout.FrameSequenceOffset;

    /// <summary>Segment offset of the length field of the frame header at ring offset <paramref name="headerPosition"/>.</summary>
    internal static long FrameLengthOffset(BufferStatus status, long headerPosition) =>
        PayloadOffset(status) + headerPosition + ZeroBufferLayout.FrameLengthOffset;

    /// <summary>Reads the little-endian u64 at <paramref name="offset"/> of buffer <paramref name="name"/>'s segment.</summary>
    internal static ulong ReadUInt64(string name, long offset)
    {
        using SafeFileHandle handle = Open(name);
        Span<byte> bytes = stackalloc byte[sizeof(ulong)];
        int read = RandomAccess.Read(handle, bytes, offset);
        if (read != bytes.Length)
        {
            throw new InvalidOperationException($"Segment of '{name}' ends before offset {offset} + 8.");
        }

        return BinaryPrimitives.ReadUInt64LittleEndian(bytes);
    }

    /// <summary>Overwrites the little-endian u64 at <paramref name="offset"/> of buffer <paramref name="name"/>'s segment.</summary>
    internal static void WriteUInt64(string name, long offset, ulong value)
    {
        using SafeFileHandle handle = Open(name);
        if (offset + sizeof(ulong) > RandomAccess.GetLength(handle))
        {
            throw new InvalidOperationException($"Segment of '{name}' ends before offset {offset} + 8.");
        }

        Span<byte> bytes = stackalloc byte[sizeof(ulong)];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        RandomAccess.Write(handle, bytes, offset);
    }

    private static SafeFileHandle Open(string name) =>
        File.OpenHandle(ResourceNames.SegmentFile(name), FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
}
