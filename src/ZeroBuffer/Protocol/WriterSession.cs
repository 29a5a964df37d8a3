using Microsoft.Extensions.Logging;
using ZeroBuffer.Primitives;

namespace ZeroBuffer.Protocol;

/// <summary>
/// A writer's claim on a buffer (docs/protocol.md §5.2, §5.3): its <c>writer_pid</c>, and, when the
/// reader advertises writer sessions, the writer lock on the segment, the session word (PID tag,
/// generation, state) and the commit record. Taken at connect; given up at dispose ("closed", a
/// clean end of stream) or when the reader is found gone.
/// </summary>
internal sealed unsafe class WriterSession
{
    private readonly SharedMemorySegment _segment;
    private readonly Oieb* _oieb;
    private readonly WriterSessionWord _session;
    private int _claimed; // 1 while this writer holds writer_pid (and the lock); set once, cleared once

    private WriterSession(SharedMemorySegment segment, bool usesSessions, bool keepsCommitRecord, WriterSessionWord session)
    {
        _segment = segment;
        _oieb = (Oieb*)segment.Pointer;
        UsesSessions = usesSessions;
        KeepsCommitRecord = keepsCommitRecord;
        _session = session;
        _claimed = 1;
    }

    /// <summary>Whether the buffer's reader advertised writer sessions (and this writer keeps one).</summary>
    internal bool UsesSessions { get; }

    /// <summary>Whether each commit stores the commit record first (§3.5 step 3).</summary>
    internal bool KeepsCommitRecord { get; }

    /// <summary>This session's generation (0 without sessions).</summary>
    internal uint Generation => _session.Generation;

    /// <summary>
    /// Claims the buffer for this process (§5.2 steps 5-9): takes the writer lock, decides whether
    /// <c>writer_pid</c> is free, finishes the half commit of a predecessor of ours that died in one,
    /// stores the new session and swaps <c>writer_pid</c> to our PID.
    /// </summary>
    /// <exception cref="WriterAlreadyConnectedException">A live writer is connected (in any namespace, for writers that take the lock).</exception>
    internal static WriterSession Claim(SharedMemorySegment segment, NamedSemaphore dataAvailable, string name, ILogger logger)
    {
        Oieb* oieb = (Oieb*)segment.Pointer;
        ControlBlock block = ControlBlock.Read(oieb, segment.Length);
        bool sessions = block.Advertises(ZeroBufferLayout.FeatureWriterSessions);
        bool record = sessions && block.Advertises(ZeroBufferLayout.FeatureCommitRecord);
        if (sessions && !RangeLock.TryLock(segment.Descriptor, ZeroBufferLayout.WriterLockOffset, ZeroBufferLayout.LivenessLockLength, name))
        {
            throw new WriterAlreadyConnectedException(name,
                $"Buffer '{name}' already has a live writer (PID {block.WriterPid} in its own PID namespace; it holds the writer lock).");
        }

        try
        {
            while (true)
            {
                block = ControlBlock.Read(oieb, segment.Length);
                ulong found = block.WriterPid;
                WriterSessionWord previous = block.Session;

                // A predecessor of ours whose lock was free (we hold it now) is gone, whatever its PID names here.
                bool oursAndGone = sessions && previous.Describes(found);
                if (found != 0 && !oursAndGone && ProcessLiveness.IsAlive(found))
                {
                    throw new WriterAlreadyConnectedException(name, $"Buffer '{name}' already has a live writer (PID {found}).");
                }

                var session = new WriterSessionWord((uint)ProcessLiveness.Self, 0, ZeroBufferLayout.SessionStateConnected);
                if (sessions)
                {
                    if (record && oursAndGone && previous.State == ZeroBufferLayout.SessionStateConnected)
                    {
                        FinishInterruptedCommit(segment, block, dataAvailable, name, logger);
                    }

                    // Record, start, then the session with one release store; writer_pid last, so an
                    // observer that sees our PID there also sees the session that describes it.
                    ulong position = Volatile.Read(ref oieb->PayloadWritePos);
                    ulong count = Volatile.Read(ref oieb->PayloadWrittenCount);
                    Volatile.Write(ref oieb->CommitRecord, CommitRecordWord.Pack(position, count));
                    Volatile.Write(ref oieb->SessionStart, count);
                    session = session with { Generation = WriterSessionWord.NextGeneration(previous.Generation) };
                    Volatile.Write(ref oieb->WriterSession, session.Pack());
                }

                if (Interlocked.CompareExchange(ref oieb->WriterPid, ProcessLiveness.Self, found) == found)
                {
                    return new WriterSession(segment, sessions, record, session);
                }

                // Only a writer that ignores the lock can have changed writer_pid meanwhile: look again.
            }
        }
        catch
        {
            if (sessions)
            {
                RangeLock.Unlock(segment.Descriptor, ZeroBufferLayout.WriterLockOffset, ZeroBufferLayout.LivenessLockLength);
            }

            throw;
        }
    }

    /// <summary>
    /// A predecessor of ours died in the middle of a commit, after it charged the frame's free bytes
    /// and stored its position, before it published its count (§5.2 step 7). The frame is complete
    /// (header and data come before the charge): publish it as that writer would have, and post its
    /// one token. Two cases: the record already names the commit (it died between record and count);
    /// or the record still names the previous commit while the position moved on (it died between
    /// position and record), and the frame is found in the ring at the record's position and must
    /// end exactly at the stored one.
    /// </summary>
    private static void FinishInterruptedCommit(SharedMemorySegment segment, in ControlBlock block, NamedSemaphore dataAvailable, string name, ILogger logger)
    {
        CommitRecordWord record = block.Record;
        ulong count = block.WrittenCount;
        ulong ring = block.PayloadSize;
        int items = record.ItemsAheadOf(count);
        if (items == 0 && record.Matches(record.Position, count) && record.Position != block.WritePosition)
        {
            items = ItemsOfTheFrameAt(segment, block, record.Position);
        }

        if (items == 0 || record.Position > ring)
        {
            return;
        }

        Oieb* oieb = (Oieb*)segment.Pointer;
        ulong published = count + (ulong)items;
        ulong position = Volatile.Read(ref oieb->PayloadWritePos);
        Volatile.Write(ref oieb->CommitRecord, CommitRecordWord.Pack(position, published));
        Volatile.Write(ref oieb->PayloadWrittenCount, published);
        dataAvailable.Post();
        Log.FinishedInterruptedCommit(logger, name, published);
    }

    /// <summary>
    /// How many items (1, or 2 with a wrap marker) a commit placed at <paramref name="from"/> wrote,
    /// when the frame the ring holds there ends exactly at the stored write position; 0 otherwise.
    /// Follows the placement rules of §3.1: an implicit wrap over a short tail, or a marker.
    /// </summary>
    private static int ItemsOfTheFrameAt(SharedMemorySegment segment, in ControlBlock block, ulong from)
    {
        ulong ring = block.PayloadSize;
        if (from >= ring)
        {
            from = 0;
        }

        byte* start = segment.Pointer + ZeroBufferLayout.PayloadOffset((long)block.MetadataSize);
        int items = 1;
        ulong position = from;
        if (ring - position < ZeroBufferLayout.FrameHeaderSize)
        {
            position = 0; // implicit wrap
        }
        else if (FrameHeader.ReadLength(start + position) == ZeroBufferLayout.WrapMarkerLength)
        {
            if (FrameHeader.ReadSequence(start + position) != 0 || position == 0)
            {
                return 0;
            }

            items = 2; // a marker, then the frame at 0
            position = 0;
        }

        ulong length = FrameHeader.ReadLength(start + position);
        if (length == 0 || FrameHeader.ReadSequence(start + position) == 0 || position + ZeroBufferLayout.FrameHeaderSize + length > ring)
        {
            return 0;
        }

        ulong end = position + ZeroBufferLayout.FrameHeaderSize + length;
        return (end == ring ? 0 : end) == block.WritePosition ? items : 0;
    }

    /// <summary>Stores the commit record of a commit that publishes <paramref name="position"/> and <paramref name="count"/> (§3.5 step 4).</summary>
    internal void RecordCommit(long position, ulong count) =>
        Volatile.Write(ref _oieb->CommitRecord, CommitRecordWord.Pack((ulong)position, count));

    /// <summary>
    /// The reader is gone: give up <c>writer_pid</c> and the writer lock, so the dead reader's
    /// buffer is stale and a new reader can recreate the name (§5.3). Idempotent.
    /// </summary>
    internal void Abandon()
    {
        if (Interlocked.Exchange(ref _claimed, 0) == 0)
        {
            return;
        }

        Interlocked.CompareExchange(ref _oieb->WriterPid, 0UL, ProcessLiveness.Self);
        if (UsesSessions)
        {
            RangeLock.Unlock(_segment.Descriptor, ZeroBufferLayout.WriterLockOffset, ZeroBufferLayout.LivenessLockLength);
        }
    }

    /// <summary>
    /// A clean close (§5.3): the session says "closed" first, then <c>writer_pid</c> goes back to 0,
    /// then the writer lock is dropped, explicitly: a mapping of the segment keeps its open file
    /// description, and with it the lock, alive after the descriptor is closed. Idempotent.
    /// </summary>
    internal void Close()
    {
        if (Interlocked.Exchange(ref _claimed, 0) == 0)
        {
            return;
        }

        if (UsesSessions)
        {
            Volatile.Write(ref _oieb->WriterSession, (_session with { State = ZeroBufferLayout.SessionStateClosed }).Pack());
        }

        Interlocked.CompareExchange(ref _oieb->WriterPid, 0UL, ProcessLiveness.Self);
        if (UsesSessions)
        {
            RangeLock.Unlock(_segment.Descriptor, ZeroBufferLayout.WriterLockOffset, ZeroBufferLayout.LivenessLockLength);
        }
    }
}
