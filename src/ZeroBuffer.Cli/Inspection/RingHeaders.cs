using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using ZeroBuffer.Protocol;

namespace ZeroBuffer.Cli.Inspection;

/// <summary>
/// Reads frame headers (length, sequence) of a segment's ring through its file, read-only, a
/// chunk at a time: walking many small frames costs one <c>pread</c> per chunk, not per frame.
/// A header may be overwritten by the writer while it is read; callers check what they get.
/// </summary>
internal sealed class RingHeaders(SafeFileHandle file, long ringOffset, long ringSize)
{
    private const int ChunkSize = 64 * 1024;

    private readonly byte[] _chunk = new byte[ChunkSize];
    private long _chunkStart = -1;
    private int _chunkLength;

    /// <summary>Forgets what was read: the next header comes from the file afresh.</summary>
    internal void Invalidate() => _chunkStart = -1;

    /// <summary>The header at ring offset <paramref name="position"/>; false when the file is shorter.</summary>
    internal bool TryRead(long position, out ulong length, out ulong sequence)
    {
        (length, sequence) = (0, 0);
        if (_chunkStart < 0 || position < _chunkStart || position + ZeroBufferLayout.FrameHeaderSize > _chunkStart + _chunkLength)
        {
            int want = (int)Math.Min(ChunkSize, ringSize - position);
            _chunkLength = RandomAccess.Read(file, _chunk.AsSpan(0, want), ringOffset + position);
            _chunkStart = position;
            if (_chunkLength < ZeroBufferLayout.FrameHeaderSize)
            {
                _chunkStart = -1;
                return false;
            }
        }

        ReadOnlySpan<byte> header = _chunk.AsSpan((int)(position - _chunkStart), ZeroBufferLayout.FrameHeaderSize);
        length = BinaryPrimitives.ReadUInt64LittleEndian(header[ZeroBufferLayout.FrameLengthOffset..]);
        sequence = BinaryPrimitives.ReadUInt64LittleEndian(header[ZeroBufferLayout.FrameSequenceOffset..]);
        return true;
    }
}
