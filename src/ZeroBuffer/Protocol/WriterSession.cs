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
                        FinishInterruptedCommit(oieb, block, dataAvailable, name, logger);
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
    /// A predecessor of ours died after charging a frame's free bytes and storing the commit record,
    /// before publishing its count (§5.2 step 7): the frame is complete, so publish it as that
    /// writer would have, and post its one token.
    /// </summary>
    private static void FinishInterruptedCommit(Oieb* oieb, in ControlBlock block, NamedSemaphore dataAvailable, string name, ILogger logger)
    {
        CommitRecordWord record = block.Record;
        int items = record.ItemsAheadOf(block.WrittenCount);
        if (items == 0 || record.Position > block.PayloadSize)
        {
            return;
        }

        ulong count = block.WrittenCount + (ulong)items;
        Volatile.Write(ref oieb->PayloadWritePos, record.Position == block.PayloadSize ? 0 : record.Position);
        Volatile.Write(ref oieb->PayloadWrittenCount, count);
        dataAvailable.Post();
        Log.FinishedInterruptedCommit(logger, name, count);
    }

    /// <summary>Stores the commit record of a commit that will publish <paramref name="position"/> and <paramref name="count"/> (§3.5 step 3).</summary>
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
