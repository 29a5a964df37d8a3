using ZeroBuffer.Interop;
using ZeroBuffer.Primitives;

namespace ZeroBuffer.Protocol;

/// <summary>
/// Works out a ring's <see cref="RingOccupancy"/> from protocol 1.0 fields and frame headers
/// alone (docs/protocol.md §4.6), so the writer, or any process that can read the segment, can
/// say what the reader holds: no extension word is needed, and none is written.
/// </summary>
/// <remarks>
/// Space returns in ring order (§4.5), so the <c>P − payload_free_bytes</c> bytes in use end at
/// <c>payload_write_pos</c> and run back without a gap to the oldest entry not given back. The
/// reader's <c>payload_read_pos</c> splits them: before it, what the reader consumed and holds;
/// from it, what is committed and unread. Walking the headers of each part counts its frames,
/// and the walk must end exactly at the next position, which checks the snapshot. Only the writer
/// writes the ring, so the headers of space not yet given back are intact.
/// </remarks>
internal static unsafe class OccupancyWalk
{
    /// <summary>The most entries one walk visits; a ring holding more (tiny frames in a huge ring) is reported as unknown.</summary>
    internal const long MaxEntries = 1L << 24;

    /// <summary>Snapshots taken until one is consistent (a busy buffer moves between the reads of its fields).</summary>
    private const int Attempts = 8;

    /// <summary>
    /// Measures a mapped ring. The writer calls it between its own commits, where the positions
    /// cannot move under it; an observer retries until the counts and the write position stayed
    /// put around its reads.
    /// </summary>
    internal static RingOccupancy Measure(Oieb* oieb, byte* ring, long ringSize)
    {
        RingOccupancy last = default;
        for (int attempt = 0; attempt < Attempts; attempt++)
        {
            // Order matters. Free bytes before the read position: a release in between only makes the
            // held part start earlier, at headers nobody has overwritten yet (the next commit would
            // change the count). The count and the write position before and after: a commit
            // subtracts free bytes before it moves the position, so only a snapshot with neither
            // moving describes one state.
            ulong writtenBefore = Volatile.Read(ref oieb->PayloadWrittenCount);
            ulong writeBefore = Volatile.Read(ref oieb->PayloadWritePos);
            ulong free = Volatile.Read(ref oieb->PayloadFreeBytes);
            ulong readPosition = Volatile.Read(ref oieb->PayloadReadPos);
            ulong readCount = Volatile.Read(ref oieb->PayloadReadCount);
            ulong writeAfter = Volatile.Read(ref oieb->PayloadWritePos);
            ulong writtenAfter = Volatile.Read(ref oieb->PayloadWrittenCount);

            last = Walk(ring, ringSize, free, writeBefore, readPosition, writtenBefore, readCount);
            if (last.IsKnown && writtenBefore == writtenAfter && writeBefore == writeAfter)
            {
                return last;
            }
        }

        return last;
    }

    /// <summary>
    /// The occupancy of buffer <paramref name="name"/>, looked at through its segment file mapped
    /// read-only (no connection, nothing written); null without an initialised protocol-1 segment
    /// this process may read.
    /// </summary>
    internal static RingOccupancy? MeasureSegmentFile(string name)
    {
        // O_NONBLOCK: anyone can plant a FIFO in /dev/shm, and opening one for reading would wait for a writer.
        int fd = LibC.Open(ResourceNames.SegmentFile(name), LibC.O_RDONLY | LibC.O_CLOEXEC | LibC.O_NOFOLLOW | LibC.O_NONBLOCK, 0);
        if (fd < 0)
        {
            return null;
        }

        try
        {
            long length = LibC.LSeek(fd, 0, LibC.SEEK_END);
            if (!FileStatus.IsRegularFile(fd) || length < ZeroBufferLayout.OiebSize)
            {
                return null;
            }

            nint address = LibC.MMap(0, (nuint)length, LibC.PROT_READ, LibC.MAP_SHARED, fd, 0);
            if (address == -1)
            {
                return null;
            }

            try
            {
                var oieb = (Oieb*)address;
                ControlBlock block = ControlBlock.Read(oieb, length);
                if (!block.IsProtocol1WithLayout || block.PayloadSize > long.MaxValue)
                {
                    return null;
                }

                byte* ring = (byte*)address + ZeroBufferLayout.PayloadOffset((long)block.MetadataSize);
                return Measure(oieb, ring, (long)block.PayloadSize);
            }
            finally
            {
                _ = LibC.MUnmap(address, (nuint)length);
            }
        }
        finally
        {
            _ = LibC.Close(fd);
        }
    }

    /// <summary>Splits the bytes in use at the read position and walks both parts; unknown when anything does not add up.</summary>
    internal static RingOccupancy Walk(byte* ring, long ringSize, ulong free, ulong writePosition, ulong readPosition, ulong written, ulong read)
    {
        var unknown = new RingOccupancy
        {
            PayloadSize = ringSize,
            FreeBytes = free <= (ulong)ringSize ? (long)free : ringSize,
            IsKnown = false,
        };
        if (ringSize <= ZeroBufferLayout.FrameHeaderSize || free > (ulong)ringSize || writePosition > (ulong)ringSize
            || readPosition > (ulong)ringSize || read > written)
        {
            return unknown;
        }

        // P as a position is the end of the ring: the same place as 0 (§3.4).
        long write = writePosition == (ulong)ringSize ? 0 : (long)writePosition;
        long readAt = readPosition == (ulong)ringSize ? 0 : (long)readPosition;
        long used = ringSize - (long)free;
        long unreadBytes = (write - readAt + ringSize) % ringSize;
        if (unreadBytes == 0 && written != read && used == ringSize)
        {
            unreadBytes = ringSize; // the positions meet: a ring full of unread entries (else nothing unread)
        }

        long heldBytes = used - unreadBytes;
        if (heldBytes < 0)
        {
            return unknown;
        }

        long oldest = (readAt - heldBytes + ringSize) % ringSize;
        if (!TryCount(ring, ringSize, oldest, heldBytes, readAt, out long heldFrames, out ulong? oldestSequence)
            || !TryCount(ring, ringSize, readAt, unreadBytes, write, out long unreadFrames, out _))
        {
            return unknown;
        }

        return unknown with
        {
            IsKnown = true,
            HeldFrames = heldFrames,
            OldestHeldSequence = oldestSequence,
            HeldBytes = heldBytes,
            UnreadFrames = unreadFrames,
            UnreadBytes = unreadBytes,
        };
    }

    /// <summary>
    /// Walks <paramref name="bytes"/> bytes of entries from <paramref name="position"/> by the
    /// placement rules (§3.4): a tail under 16 bytes and a wrap marker go on at 0, a frame takes
    /// 16 + its length. True when every header is possible and the walk ends at <paramref name="end"/>.
    /// </summary>
    private static bool TryCount(byte* ring, long ringSize, long position, long bytes, long end, out long frames, out ulong? firstSequence)
    {
        frames = 0;
        firstSequence = null;
        for (long entries = 0; bytes > 0; entries++)
        {
            if (entries == MaxEntries)
            {
                return false;
            }

            long toEnd = ringSize - position;
            if (toEnd < ZeroBufferLayout.FrameHeaderSize)
            {
                if (toEnd > bytes)
                {
                    return false;
                }

                bytes -= toEnd; // a tail no header fits in
                position = 0;
                continue;
            }

            byte* header = ring + position;
            ulong length = FrameHeader.ReadLength(header);
            ulong sequence = FrameHeader.ReadSequence(header);
            if (length == ZeroBufferLayout.WrapMarkerLength)
            {
                if (sequence != 0 || position == 0 || toEnd > bytes)
                {
                    return false; // not a marker (a marker is {0, 0}, never at 0), or more than is left
                }

                bytes -= toEnd;
                position = 0;
                continue;
            }

            if (sequence == 0 || length > (ulong)(toEnd - ZeroBufferLayout.FrameHeaderSize)
                || ZeroBufferLayout.FrameHeaderSize + (long)length > bytes)
            {
                return false;
            }

            firstSequence ??= sequence;
            frames++;
            bytes -= ZeroBufferLayout.FrameHeaderSize + (long)length;
            position += ZeroBufferLayout.FrameHeaderSize + (long)length;
            if (position == ringSize)
            {
                position = 0;
            }
        }

        return position == end;
    }
}
