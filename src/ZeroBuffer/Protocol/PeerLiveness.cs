using ZeroBuffer.Primitives;

namespace ZeroBuffer.Protocol;

/// <summary>What a peer of a buffer is doing, as far as the control block and its locks tell (docs/protocol.md §6.1).</summary>
internal enum PeerState
{
    /// <summary>None there: PID 0 with nothing saying it closed (never connected, or a writer that gave up its claim or does not know the extensions). The default.</summary>
    Absent,

    /// <summary>Running: its liveness lock is held (or, for a peer without one, its PID is alive).</summary>
    Alive,

    /// <summary>A reader that has begun to close the buffer (its PID is 0, its lock still held).</summary>
    Closing,

    /// <summary>Left on purpose: a reader that closed, or a writer that closed its session (a clean end of stream).</summary>
    Closed,

    /// <summary>Gone without closing: crashed, killed, or (a peer without a lock) its PID is dead.</summary>
    Died,
}

/// <summary>
/// The one answer to "is the reader / the writer of this buffer alive?" (docs/protocol.md §6.1):
/// the OFD liveness locks on the segment between our peers, in any PID or mount namespace and
/// whatever happened to their PIDs; the PID rule for peers that do not take them.
/// </summary>
internal static class PeerLiveness
{
    /// <summary>
    /// How often a side looks at its peer while it waits or polls, and the longest wait slice: the
    /// bound on how late a death is noticed. The one liveness cadence of the library.
    /// </summary>
    internal static readonly TimeSpan CheckInterval = Deadline.LivenessSlice; // the same 100 ms: a slice ends, the peer is looked at

    /// <summary>
    /// The reader's state. <paramref name="segmentFd"/>: any descriptor of the segment other than
    /// the reader's own. <paramref name="block"/>: the snapshot the verdict rests on, read after
    /// the lock was asked about, so everything the reader stored before its lock went is in it.
    /// </summary>
    internal static PeerState Reader(ControlBlockSource source, int segmentFd, string? bufferName, out ControlBlock block)
    {
        block = source.Read();
        if (!block.Advertises(ZeroBufferLayout.FeatureReaderLock))
        {
            return block.ReaderPid == 0 ? PeerState.Absent : ByPid(block.ReaderPid);
        }

        bool held = RangeLock.IsHeldByOther(segmentFd, ZeroBufferLayout.ReaderLockOffset, ZeroBufferLayout.LivenessLockLength, bufferName);
        block = source.Read();
        return (held, block.ReaderPid) switch
        {
            (true, 0) => PeerState.Closing,
            (true, _) => PeerState.Alive,
            (false, 0) => PeerState.Closed,
            _ => PeerState.Died,
        };
    }

    /// <summary>
    /// The writer's state. <paramref name="segmentFd"/>: any descriptor of the segment other than
    /// the writer's own. The lock is asked first and the block read after it, so a writer that
    /// closed in between is seen closed, not dead; and asked once more before a verdict of "gone",
    /// so a writer that connected in between is seen alive.
    /// </summary>
    internal static PeerState Writer(ControlBlockSource source, int segmentFd, string? bufferName, out ControlBlock block)
    {
        block = source.Read();
        if (!block.Advertises(ZeroBufferLayout.FeatureWriterSessions))
        {
            return block.WriterPid == 0 ? PeerState.Absent : ByPid(block.WriterPid);
        }

        if (WriterLockHeld(segmentFd, bufferName))
        {
            return PeerState.Alive;
        }

        block = source.Read();
        PeerState verdict = WriterWithoutItsLock(block);
        if (verdict != PeerState.Alive && WriterLockHeld(segmentFd, bufferName))
        {
            block = source.Read();
            return PeerState.Alive;
        }

        return verdict;
    }

    /// <summary>The writer's state when its lock was free when asked, from a block read after that.</summary>
    private static PeerState WriterWithoutItsLock(in ControlBlock block)
    {
        ulong pid = block.WriterPid;
        if (pid == 0)
        {
            return block.SessionClosedAtCurrentCounts ? PeerState.Closed : PeerState.Absent;
        }

        WriterSessionWord session = block.Session;
        if (session.Describes(pid))
        {
            // One of ours, and its lock is free: gone, whatever that PID names in this namespace now.
            return session.State == ZeroBufferLayout.SessionStateClosed ? PeerState.Closed : PeerState.Died;
        }

        return ByPid(pid); // a writer that does not take the lock (upstream)
    }

    private static bool WriterLockHeld(int segmentFd, string? bufferName) =>
        RangeLock.IsHeldByOther(segmentFd, ZeroBufferLayout.WriterLockOffset, ZeroBufferLayout.LivenessLockLength, bufferName);

    /// <summary>Alive or not by the PID rule alone (a peer that takes no lock).</summary>
    private static PeerState ByPid(ulong pid) => ProcessLiveness.IsAlive(pid) ? PeerState.Alive : PeerState.Died;

    /// <summary>Whether a state means "the peer is running" for the purposes of keeping a name in use.</summary>
    internal static bool IsPresent(PeerState state) => state is PeerState.Alive or PeerState.Closing;
}
