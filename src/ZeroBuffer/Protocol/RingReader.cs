using Microsoft.Extensions.Logging;
using ZeroBuffer.Diagnostics;
using ZeroBuffer.Primitives;

namespace ZeroBuffer.Protocol;

/// <summary>
/// The reader's half of the ring algorithm (docs/protocol.md §4): taking the next item the counts
/// announce (wraps, markers, header validation, the committed-bytes budget of §4.3, sequence
/// numbers of §4.4, wrap counts of upstream writers), and giving space back strictly in ring order,
/// at once or in batches (§4.5). It never waits and never decides that the writer is gone: the
/// <see cref="Reader"/> endpoint does both, and calls <see cref="TryTake"/> from inside its gate.
/// </summary>
/// <remarks>
/// Taking runs on the reader's thread only. Releases come from any thread (<see cref="Frame.Dispose"/>)
/// and are serialised under a spin latch with the queue and the held-back space.
/// </remarks>
internal sealed unsafe class RingReader
{
    private readonly string _name;
    private readonly ILogger _logger;
    private readonly EndpointMetrics _metrics; // counts sequence errors
    private readonly ReaderResources _resources;
    private readonly Oieb* _oieb;
    private readonly byte* _ring;
    private readonly long _ringSize;

    private readonly ReleaseQueue _releases = new();
    private SpinLatch _releaseGate; // guards _releases, the held-back space and _closed; Close takes it
    private readonly long _batchThreshold; // the most held back when batching is on
    private long _publishThreshold; // 0 (publish every release at once) or _batchThreshold
    private bool _idle; // the reader's wait is idle: nothing may be held back (guarded by _releaseGate)
    private long _heldBackBytes;  // released in FIFO order, not yet added to payload_free_bytes (guarded by _releaseGate)
    private int _heldBackFrames;  // frames among them (a sem-r post is owed)
    private bool _releaseOverflow; // a release would have taken free bytes above P (guarded by _releaseGate)
    private bool _closed; // the buffer is going away: releases do nothing (guarded by _releaseGate)
    private long _takenPosition; // read_pos and read_count as taken so far (guarded by _releaseGate) ...
    private ulong _takenCount;
    private bool _takenUnpublished; // ... and not yet stored into the OIEB: batching publishes them with its batches (guarded by _releaseGate)
    private bool _writerIgnoresReadPosition; // the writer is ours, which never looks at read_pos (reader thread; as of the last look at the count)

    // Reader-thread state (mirrors of the OIEB fields only the reader writes).
    private long _readPosition;
    private ulong _readCount;
    private ulong _expectedSequence = ZeroBufferLayout.FirstSequence;
    private ulong _knownWritten; // written_count as last read: frames up to it are committed, no need to look again
    private ulong _uncountedWraps; // wrap points without a marker crossed with an upstream writer, which may have counted them (§4.2)
    private ulong _framesTaken; // for the metrics: frames handed to the caller, and their payload bytes
    private ulong _bytesTaken;
    private ulong _lastFrameIndex = ulong.MaxValue; // place in the count sequence of the last frame accepted (MaxValue: none yet)

    // Committed bytes (§4.3): every item consumed must fit in P - free - what the reader has
    // consumed and not yet published. _budget is a lower bound of that, refreshed only when an
    // item does not fit (RefreshBudget); _consumedBytes is reader-thread state, _publishedBytes is
    // advanced under _releaseGate after the atomic add it counts.
    private long _budget;
    private long _consumedBytes;
    private long _publishedBytes;

    /// <param name="name">The buffer, for messages.</param>
    /// <param name="resources">The buffer the reader created.</param>
    /// <param name="ring">The first byte of the ring.</param>
    /// <param name="ringSize">P.</param>
    /// <param name="maxHeldBackBytes">The most space batching holds back (capped at an eighth of the ring).</param>
    /// <param name="metrics">Where sequence errors are counted.</param>
    /// <param name="logger">Where reported errors go.</param>
    internal RingReader(string name, ReaderResources resources, byte* ring, long ringSize, long maxHeldBackBytes, EndpointMetrics metrics, ILogger logger)
    {
        _name = name;
        _metrics = metrics;
        _resources = resources;
        _oieb = resources.Oieb;
        _ring = ring;
        _ringSize = ringSize;
        _logger = logger;
        _batchThreshold = Math.Min(ringSize / 8, maxHeldBackBytes);
    }

    /// <summary>Whether each frame's number must follow the previous one (§4.4). Off for a duplex client's responses.</summary>
    internal bool CheckSequenceContinuity { get; set; } = true;

    /// <summary>Test hook: runs inside a release, between its add to free bytes and its published total.</summary>
    internal Action? BetweenReleaseStores { get; set; }

    /// <summary>Frames handed to the caller since the reader was created.</summary>
    internal ulong FramesTaken => Volatile.Read(ref _framesTaken);

    /// <summary>Their payload bytes.</summary>
    internal ulong BytesTaken => Volatile.Read(ref _bytesTaken);

    /// <summary>Frames consumed and not yet given back (held, or released early and queued behind an older one).</summary>
    internal int Outstanding
    {
        get
        {
            _releaseGate.Enter();
            try
            {
                return _releases.Outstanding;
            }
            finally
            {
                _releaseGate.Exit();
            }
        }
    }

    /// <summary>Whether released space is published in batches (see <see cref="Reader.BatchReleases"/>).</summary>
    /// <exception cref="ObjectDisposedException">Set after <see cref="Close"/>.</exception>
    internal bool BatchReleases
    {
        get => Volatile.Read(ref _publishThreshold) != 0;
        set
        {
            _releaseGate.Enter();
            try
            {
                ObjectDisposedException.ThrowIf(_closed, typeof(Reader));
                _publishThreshold = value ? _batchThreshold : 0;
                PublishHeldBackUnsynchronized();
            }
            finally
            {
                _releaseGate.Exit();
            }
        }
    }

    /// <summary>
    /// The reader's wait goes idle (true: it sleeps, gives up, or has polled a while) or ends
    /// (false): going idle publishes everything held back, and releases made while idle are
    /// published at once, so a writer is never kept waiting long by a reader that waits too.
    /// </summary>
    internal void SetIdle(bool idle)
    {
        _releaseGate.Enter();
        try
        {
            _idle = idle;
            PublishHeldBackUnsynchronized();
        }
        finally
        {
            _releaseGate.Exit();
        }
    }

    /// <summary>The buffer goes away: from now on releases do nothing and frames report disposed. False if already closed.</summary>
    internal bool Close()
    {
        _releaseGate.Enter();
        try
        {
            if (_closed)
            {
                return false;
            }

            _closed = true;
            return true;
        }
        finally
        {
            _releaseGate.Exit();
        }
    }

    private ControlBlockSource Source => ControlBlockSource.Mapped(_oieb, _resources.Segment.Length);

    /// <summary>
    /// Consumes the next frame if one is committed (written count ahead of read count): the counts
    /// decide, not tokens, so a frame found by polling and a frame announced by a token are taken
    /// the same way, and a frame that fails validation stays for the next read.
    /// </summary>
    /// <param name="frame">The frame, or <see cref="Frame.Invalid"/>.</param>
    /// <exception cref="BufferCorruptedException">The counts or a frame header are impossible.</exception>
    /// <exception cref="SequenceError">The frame's number is not the expected one (it stays for the next read).</exception>
    internal bool TryTake(out Frame frame)
    {
        frame = Frame.Invalid;
        ulong written = _knownWritten;
        if (written <= _readCount)
        {
            // Only when caught up is the writer's cache line read again (acquire: the headers and
            // data of every frame up to the count are visible).
            written = Volatile.Read(ref _oieb->PayloadWrittenCount);
            if (written <= _readCount)
            {
                if (_uncountedWraps != 0)
                {
                    ForgetSettledWraps();
                }

                return false;
            }

            _knownWritten = written;
            _writerIgnoresReadPosition = WriterIsOurs(); // read with the count: the same cache line
        }

        if (_releaseOverflow)
        {
            throw Corrupted("a release would have taken payload_free_bytes above the ring size, so the counts of the buffer are damaged");
        }

        long position = _readPosition;
        if (_ringSize - position < ZeroBufferLayout.FrameHeaderSize)
        {
            // Implicit wrap: a tail too short for a header (or read_pos == P) holds nothing.
            long tail = _ringSize - position;
            if (!Consume(tail))
            {
                return false;
            }

            position = 0;
            PublishPosition(position);
            ReturnTail(tail); // after the published read count, which tells whether frames are still waiting
            NoteMarkerlessWrap();
        }

        if (_uncountedWraps != 0 && OnlyWrapCountsAnnounced(position))
        {
            return false;
        }

        byte* header = _ring + position;
        ulong length = FrameHeader.ReadLength(header);
        if (length == ZeroBufferLayout.WrapMarkerLength)
        {
            // A marker is {0, 0} and never at offset 0 (a frame always fits there): anything else
            // with length 0 is a damaged frame header, not a reason to jump to offset 0.
            ulong markerSequence = FrameHeader.ReadSequence(header);
            if (markerSequence != 0 || position == 0)
            {
                throw Corrupted($"frame header at ring offset {position} has length 0 and sequence {markerSequence}: neither a frame (length > 0) nor a wrap marker (sequence 0, not at offset 0)");
            }

            // Explicit wrap marker: skip the tail, count the marker, read the frame at 0 under the same token.
            long tail = _ringSize - position;
            if (!Consume(tail))
            {
                return false;
            }

            _readCount++;
            position = 0;
            PublishPosition(position);
            ReturnTail(tail);
            if (written <= _readCount)
            {
                // Only the marker is committed so far (a writer that wraps at acquire time, as
                // upstream C# does, counts it early): the token was stale; the frame comes later.
                return false;
            }

            header = _ring;
            length = FrameHeader.ReadLength(header);
        }

        ulong sequence = FrameHeader.ReadSequence(header);
        if (length == 0 || length > int.MaxValue || (ulong)position + ZeroBufferLayout.FrameHeaderSize + length > (ulong)_ringSize)
        {
            throw Corrupted($"frame header at ring offset {position} has length {length}, which does not fit the {_ringSize}-byte ring");
        }

        if (sequence == 0)
        {
            // Numbers start at 1; 0 is the marker's. Refused by every reader, continuity checked or not.
            throw Corrupted($"frame header at ring offset {position} has length {length} and sequence 0: frame sequence numbers start at 1");
        }

        ulong index = _readCount; // this frame's place in the count sequence
        if (CheckSequenceContinuity && sequence != _expectedSequence && !IsNewWriterConnection(sequence, index))
        {
            // Keep the frame for the next read, and expect its successors from now on.
            ulong expected = _expectedSequence;
            _expectedSequence = sequence;
            _knownWritten = _readCount; // look at the counts afresh next time

            Log.ReportedError(_logger, _name, $"sequence error: expected {expected}, got {sequence}");
            _metrics.SequenceError();
            throw new SequenceError(_name, expected, sequence);
        }

        long total = ZeroBufferLayout.FrameHeaderSize + (long)length;
        if (!Consume(total))
        {
            return false;
        }

        long next = position + total;
        _readPosition = next == _ringSize ? 0 : next;
        _readCount++;
        long ticket;
        _releaseGate.Enter();
        try
        {
            ticket = _releases.EnqueueFrame(total);
            _takenPosition = _readPosition;
            _takenCount = _readCount;
            if (_publishThreshold == 0 || _idle || !_writerIgnoresReadPosition)
            {
                PublishTakenUnsynchronized();
            }
            else
            {
                // Batching with a writer of ours, which places frames by free bytes alone: read_pos
                // and read_count go out with the next batch of space (or when the reader goes
                // idle), so the counts' cache line stays with the writer meanwhile. Upstream
                // Python's writer looks at read_pos to decide whether to wrap: it gets it per frame.
                _takenUnpublished = true;
            }
        }
        finally
        {
            _releaseGate.Exit();
        }

        if (next == _ringSize)
        {
            NoteMarkerlessWrap(); // an exact fit: some writers wrap from P, without a marker, at their next write
        }

        _expectedSequence = sequence + 1;
        _lastFrameIndex = index;
        Volatile.Write(ref _framesTaken, _framesTaken + 1);
        Volatile.Write(ref _bytesTaken, _bytesTaken + length);
        frame = new Frame(this, ticket, header + ZeroBufferLayout.FrameHeaderSize, (int)length, sequence);
        return true;
    }

    /// <summary>
    /// A wrap point without a marker was crossed (a tail of 0-15 bytes). Upstream Python's writer
    /// counts such a wrap in <c>payload_written_count</c>; ours and upstream C++'s do not. With a
    /// writer of ours it is certainly not counted; otherwise remember that it may be (§4.2).
    /// </summary>
    private void NoteMarkerlessWrap()
    {
        if (!WriterIsOurs())
        {
            _uncountedWraps++;
        }
    }

    /// <summary>
    /// Whether the writer (or, with none connected, the last one, which closed its session) is an
    /// implementation of ours: its session word describes <c>writer_pid</c>.
    /// </summary>
    private bool WriterIsOurs()
    {
        ulong pid = Volatile.Read(ref _oieb->WriterPid);
        var session = WriterSessionWord.Unpack(Volatile.Read(ref _oieb->WriterSession));
        return pid != 0 ? session.Describes(pid) : session.State == ZeroBufferLayout.SessionStateClosed;
    }

    /// <summary>
    /// Caught up with the counts: every wrap count already published has been reconciled. Only a
    /// writer whose position rests at P (after an exact fit) may still count a wrap, at its next write.
    /// </summary>
    private void ForgetSettledWraps() =>
        _uncountedWraps = Volatile.Read(ref _oieb->PayloadWritePos) == (ulong)_ringSize ? 1UL : 0UL;

    /// <summary>
    /// With wrap points crossed that an upstream writer may have counted (§4.2): whether the items
    /// the counts announce are nothing but such wrap counts. They are when nothing was written from
    /// the read position on (the writer's position is ours) and no committed byte is unconsumed:
    /// the read count takes them over, and true is returned (no item). True also when it cannot
    /// tell yet (look again later). More announced items than wraps crossed is corruption.
    /// </summary>
    private bool OnlyWrapCountsAnnounced(long position)
    {
        ulong written = Volatile.Read(ref _oieb->PayloadWrittenCount); // afresh: the count known so far may be older
        ulong writePosition = Volatile.Read(ref _oieb->PayloadWritePos); // after the count: at least as new
        if ((writePosition == (ulong)_ringSize ? 0 : (long)writePosition) != position || RefreshBudget(1, exact: true))
        {
            return false; // something was written from here on (or a full ring is unconsumed)
        }

        // One item leaves the writer's position where it was: a frame that fills the whole ring.
        // An upstream writer charges it after counting it, so until then it looks like nothing.
        ulong announced = written - _readCount;
        bool wholeRingFrame = position == 0 && _consumedBytes == Volatile.Read(ref _publishedBytes)
                              && FrameHeader.ReadLength(_ring) == (ulong)(_ringSize - ZeroBufferLayout.FrameHeaderSize)
                              && FrameHeader.ReadSequence(_ring) is not 0 and var sequence && sequence != _expectedSequence - 1;
        if (announced > _uncountedWraps || wholeRingFrame)
        {
            if (ChargeMayBeInFlight()
                || Volatile.Read(ref _oieb->PayloadWrittenCount) != written || Volatile.Read(ref _oieb->PayloadWritePos) != writePosition)
            {
                // A live writer that charges after it counts, or one that wrote (and maybe left) since the
                // look above: what it wrote is judged afresh.
                _knownWritten = _readCount; // look again later
                return true;
            }

            if (announced > _uncountedWraps)
            {
                throw Corrupted($"the counts announce {announced} items at ring offset {position}, but nothing was written there " +
                    $"(payload_write_pos {writePosition}) and only {_uncountedWraps} wraps without a marker could have been counted");
            }
        }

        _readCount = written;
        PublishPosition(_readPosition);
        _knownWritten = written;
        ForgetSettledWraps(); // caught up with the counts now
        return true;
    }

    /// <summary>
    /// Accounts for consuming <paramref name="bytes"/> (a frame or a skipped tail) against the
    /// committed bytes (docs/protocol.md §4.3). True when they fit. False when they may simply not
    /// be charged yet (a live writer that does not know the extensions charges after it counts):
    /// the caller looks again later. Throws <see cref="BufferCorruptedException"/> when the counts
    /// claim more than the writer can have charged.
    /// </summary>
    private bool Consume(long bytes)
    {
        if (bytes > _budget && !RefreshBudget(bytes, exact: false) && !RefreshBudget(bytes, exact: true))
        {
            if (ChargeMayBeInFlight())
            {
                _knownWritten = _readCount; // look at the counts afresh next time
                return false;
            }

            // Gone now, but it may have charged, finished and left between the look at free bytes
            // and the look at it: whatever a writer that left had to charge is charged by now.
            if (RefreshBudget(bytes, exact: true))
            {
                _budget -= bytes;
                _consumedBytes += bytes;
                return true;
            }

            long free = (long)Volatile.Read(ref _oieb->PayloadFreeBytes);
            throw Corrupted($"the counts announce an item of {bytes} bytes at ring offset {_readPosition}, but only {Math.Max(_budget, 0)} committed bytes " +
                $"are unread (payload_free_bytes {(ulong)free} of {_ringSize}, {_consumedBytes - Volatile.Read(ref _publishedBytes)} held by this reader): " +
                "payload_written_count is ahead of what the writer charged");
        }

        _budget -= bytes;
        _consumedBytes += bytes;
        return true;
    }

    /// <summary>
    /// Recomputes the budget; true when <paramref name="bytes"/> fit. Lock-free (<paramref name="exact"/>
    /// false), it may come out smaller than the truth, never larger: releases (other threads, under
    /// the release gate) add to free bytes first and to <see cref="_publishedBytes"/> second, and it
    /// reads them the other way round, so whatever it sees of a release in between only lowers the
    /// figure. Exact, it reads both under the gate, where no release can interleave: the last word
    /// before the reader reports corruption.
    /// </summary>
    private bool RefreshBudget(long bytes, bool exact)
    {
        long published;
        long free;
        if (exact)
        {
            _releaseGate.Enter();
            try
            {
                published = _publishedBytes;
                free = (long)Volatile.Read(ref _oieb->PayloadFreeBytes);
            }
            finally
            {
                _releaseGate.Exit();
            }
        }
        else
        {
            published = Volatile.Read(ref _publishedBytes);
            free = (long)Volatile.Read(ref _oieb->PayloadFreeBytes);
        }

        _budget = _ringSize - free - (_consumedBytes - published);
        return bytes <= _budget;
    }

    /// <summary>Whether a live writer that does not know the extensions may still be between publishing a count and charging its bytes.</summary>
    private bool ChargeMayBeInFlight()
    {
        PeerState writer = PeerLiveness.Writer(Source, _resources.Segment.Descriptor, _name, out ControlBlock block);
        bool ours = block.Advertises(ZeroBufferLayout.FeatureWriterSessions) && block.Session.Describes(block.WriterPid);
        return !ours && writer == PeerState.Alive;
    }

    /// <summary>
    /// Whether a frame with sequence 1, where another number was expected, starts a new writer
    /// connection (docs/protocol.md §4.4). Without writer sessions a 1 always does: a writer
    /// numbers its frames from 1 and never repeats a number. With them, a 1 inside the session
    /// that also wrote the previous frame is a duplicated or damaged frame instead.
    /// </summary>
    private bool IsNewWriterConnection(ulong sequence, ulong index)
    {
        if (sequence != ZeroBufferLayout.FirstSequence)
        {
            return false;
        }

        ControlBlock block = ControlBlock.Read(_oieb, _resources.Segment.Length); // rare: only on a sequence mismatch
        if (block.Advertises(ZeroBufferLayout.FeatureWriterSessions) && _lastFrameIndex != ulong.MaxValue
            && SessionRange(block) is (ulong start, ulong end)
            && _lastFrameIndex >= start && _lastFrameIndex < end && index >= start && index < end)
        {
            return false;
        }

        Log.WriterRestarted(_logger, _name);
        return true;
    }

    /// <summary>
    /// The places in the count sequence written by the last writer session, when the session can
    /// be placed: connected and describing <c>writer_pid</c> (no end yet), or closed (ending where
    /// its commit record says).
    /// </summary>
    private static (ulong Start, ulong End)? SessionRange(in ControlBlock block)
    {
        WriterSessionWord session = block.Session;
        if (session.State == ZeroBufferLayout.SessionStateConnected && session.Describes(block.WriterPid))
        {
            return (block.SessionStart, ulong.MaxValue);
        }

        if (session.State != ZeroBufferLayout.SessionStateClosed)
        {
            return null;
        }

        if (!block.Advertises(ZeroBufferLayout.FeatureCommitRecord))
        {
            return (block.SessionStart, ulong.MaxValue);
        }

        // The record keeps the low bits of the count the session ended at: the latest count with those bits.
        const ulong mask = (1UL << ZeroBufferLayout.CommitRecordCountBits) - 1;
        ulong end = block.WrittenCount - ((block.WrittenCount - block.Record.CountLow) & mask);
        return (block.SessionStart, end);
    }

    /// <summary>Moves the read position (markers, tails, settled wrap counts: once per lap at most) and publishes it with the read count at once.</summary>
    private void PublishPosition(long position)
    {
        _readPosition = position;
        _releaseGate.Enter();
        try
        {
            _takenPosition = position;
            _takenCount = _readCount;
            PublishTakenUnsynchronized();
        }
        finally
        {
            _releaseGate.Exit();
        }
    }

    /// <summary>
    /// Stores read_pos and read_count as taken. Always before the space of what was taken is added
    /// to free bytes (docs/protocol.md §4.6: an observer reads free bytes first, then the read
    /// position). All stores happen under <see cref="_releaseGate"/>, so they never go backwards.
    /// </summary>
    private void PublishTakenUnsynchronized()
    {
        if (_closed)
        {
            return;
        }

        Volatile.Write(ref _oieb->PayloadReadPos, (ulong)_takenPosition);
        Volatile.Write(ref _oieb->PayloadReadCount, _takenCount);
        _takenUnpublished = false;
    }

    private BufferCorruptedException Corrupted(string problem)
    {
        _knownWritten = _readCount; // look at the counts afresh next time
        Log.ReportedError(_logger, _name, problem);
        return new BufferCorruptedException(_name, $"Buffer '{_name}' is corrupted: {problem}.");
    }

    /// <summary>Called by <see cref="Frame.Dispose"/>: the frame's space returns in FIFO order.</summary>
    internal void Release(long ticket)
    {
        _releaseGate.Enter();
        try
        {
            if (!_closed)
            {
                ReturnSpace(_releases.Release(ticket));
            }
        }
        finally
        {
            _releaseGate.Exit();
        }
    }

    /// <summary>Called by <see cref="Frame.Span"/>: a disposed frame's bytes may already be rewritten.</summary>
    internal void EnsureHeld(long ticket)
    {
        bool held;
        _releaseGate.Enter();
        try
        {
            held = !_closed && _releases.IsHeld(ticket);
        }
        finally
        {
            _releaseGate.Exit();
        }

        if (!held)
        {
            throw new ObjectDisposedException(nameof(Frame), $"The frame was disposed (buffer '{_name}'); its bytes may have been reused.");
        }
    }

    /// <summary>A skipped wrap tail: enqueued already released, returned in FIFO order with the frames before it.</summary>
    private void ReturnTail(long bytes)
    {
        _releaseGate.Enter();
        try
        {
            ReturnSpace(_releases.EnqueueTail(bytes));
        }
        finally
        {
            _releaseGate.Exit();
        }
    }

    /// <summary>
    /// Space that became returnable (FIFO). Published at once, unless <see cref="BatchReleases"/>
    /// is on, the reader is not idle and the batch is below its threshold. The caller
    /// holds <see cref="_releaseGate"/>.
    /// </summary>
    private void ReturnSpace(ReleaseQueue.Returned returned)
    {
        if (returned.IsEmpty)
        {
            return;
        }

        _heldBackBytes += returned.Bytes;
        _heldBackFrames += returned.Frames;
        if (_heldBackBytes >= _publishThreshold || _idle)
        {
            PublishHeldBackUnsynchronized();
        }
    }

    private void PublishHeldBackUnsynchronized()
    {
        if (_takenUnpublished)
        {
            PublishTakenUnsynchronized();
        }

        if (_heldBackBytes == 0 || _closed)
        {
            return;
        }

        // Free bytes first, then the published total: the reader's lock-free budget refresh reads
        // them the other way round (RefreshBudget), so it can see too little, never too much.
        long freeAfter = Interlocked.Add(ref *(long*)&_oieb->PayloadFreeBytes, _heldBackBytes);
        if ((ulong)freeAfter > (ulong)_ringSize)
        {
            // Above P (§4.3): the counts are damaged. Taken back at once (looking first would cost
            // every release a trip of the cache line to read it); reported by the next read.
            Interlocked.Add(ref *(long*)&_oieb->PayloadFreeBytes, -_heldBackBytes);
            _releaseOverflow = true;
            _heldBackBytes = 0;
            _heldBackFrames = 0;
            return;
        }

        BetweenReleaseStores?.Invoke();
        Volatile.Write(ref _publishedBytes, _publishedBytes + _heldBackBytes);
        if (_heldBackFrames > 0)
        {
            _resources.SpaceAvailable.Post(); // one wake-up per publication; tails alone post none (protocol §4)
        }

        _heldBackBytes = 0;
        _heldBackFrames = 0;
    }
}
