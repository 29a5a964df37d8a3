using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ZeroBuffer.Interop;
using ZeroBuffer.Primitives;
using ZeroBuffer.Protocol;

namespace ZeroBuffer;

/// <summary>
/// The receiving side of a buffer. A reader creates the buffer (segment, semaphores, lock file),
/// receives frames zero-copy, and removes the buffer when disposed. One reader per name.
/// </summary>
/// <remarks>
/// <para>Not thread-safe for reading: call <see cref="ReadFrame"/> from one thread at a time.
/// Frames may be disposed on any thread.</para>
/// <para>A writer that crashes or disconnects is reported by <see cref="WriterDeadException"/>
/// within about a second, once every frame it committed has been read, whatever the timeout.</para>
/// </remarks>
/// <example>
/// Process A (reader):
/// <code>
/// using var reader = new Reader("cam0", new BufferConfig(metadataSize: 4096, payloadSize: 64 &lt;&lt; 20));
/// while (true)
/// {
///     using Frame frame = reader.ReadFrame(Timeout.InfiniteTimeSpan);
///     Consume(frame.Span);
/// }
/// </code>
/// Process B (writer):
/// <code>
/// using var writer = new Writer("cam0");
/// writer.WriteFrame(pixels);
/// </code>
/// </example>
public sealed unsafe class Reader : IDisposable
{
    private readonly ILogger _logger;
    private readonly ReaderResources _resources;
    private readonly Oieb* _oieb;
    private readonly byte* _ring;
    private readonly long _ringSize;
    private readonly byte* _metadata;
    private readonly long _metadataBlockSize;
    private static readonly long LivenessCheckInterval = (long)(PeerLiveness.CheckInterval.TotalSeconds * Stopwatch.Frequency); // while polling
    private const int StaleTokenDrainInterval = 1 << 16; // most sem-w tokens left behind between drains

    private readonly ReleaseQueue _releases = new();
    private readonly CancellationWakeup _cancelWakeup;
    private SpinLatch _releaseGate; // guards _releases, the held-back space and _disposed; Dispose takes it to unmap
    private readonly long _batchThreshold; // the most held back when BatchReleases is on
    private long _publishThreshold; // 0 (publish every release at once) or _batchThreshold
    private bool _waiting; // the reader thread is inside WaitForFrame: nothing may be held back (guarded by _releaseGate)
    private long _heldBackBytes;  // released in FIFO order, not yet added to payload_free_bytes (guarded by _releaseGate)
    private int _heldBackFrames;  // frames among them (a sem-r post is owed)
    private WaitStrategy _waitStrategy = WaitStrategy.Default;
    private readonly UsageGate _readGate = new(); // a read in progress; Dispose waits for it to leave before unmapping

    // Reader-thread state (mirrors of the OIEB fields only the reader writes).
    private long _readPosition;
    private ulong _readCount;
    private ulong _expectedSequence = ZeroBufferLayout.FirstSequence;
    private ulong _knownWritten; // written_count as last read: frames up to it are committed, no need to look again
    private long _nextLivenessCheck; // Stopwatch time of the next writer check while polling (kept across waits)
    private int _tokensLeftBehind; // frames taken without their sem-w token since the last drain
    private ulong _uncountedWraps; // wrap points without a marker crossed with an upstream writer, which may have counted them (§4.2)

    private bool _writerSeen; // a live writer was observed once, even if that writer never wrote
    private PeerState _writerDeparture; // how the writer left, once WriterIsGone said it did (Closed: a clean end of stream)
    private ulong _lastFrameIndex = ulong.MaxValue; // place in the count sequence of the last frame accepted (MaxValue: none yet)

    // Committed bytes (docs/protocol.md §4.3): every item consumed must fit in P - free - what the
    // reader has consumed and not yet published. _budget is a lower bound of that, refreshed only
    // when an item does not fit (RefreshBudget); _consumedBytes is reader-thread state,
    // _publishedBytes is advanced under _releaseGate after the atomic add it counts.
    private long _budget;
    private long _consumedBytes;
    private long _publishedBytes;
    private bool _releaseOverflow; // a release would have taken free bytes above P (guarded by _releaseGate)
    private bool _disposed;

    /// <summary>Creates the buffer <paramref name="name"/> and becomes its reader.</summary>
    /// <param name="name">Buffer name: 1-200 characters from [A-Za-z0-9._-].</param>
    /// <param name="config">Metadata and ring sizes.</param>
    /// <param name="logger">Lifecycle and error logging; nothing is logged per frame.</param>
    /// <exception cref="ArgumentException">Invalid name.</exception>
    /// <exception cref="ReaderAlreadyConnectedException">A live reader (or a live writer of a crashed reader) owns the name.</exception>
    /// <exception cref="BufferAccessDeniedException">The name's files belong to another user who did not share them.</exception>
    /// <exception cref="SystemCallException">The OS refused (e.g. ENOSPC: <c>/dev/shm</c> too small).</exception>
    public Reader(string name, BufferConfig config, ILogger? logger = null)
    {
        Platform.EnsureSupported();
        ResourceNames.Validate(name);
        ArgumentNullException.ThrowIfNull(config);
        _logger = logger ?? NullLogger.Instance;
        Name = name;
        Config = config;

        BufferCensus.Sweep(exceptName: name, _logger);
        _resources = ReaderResources.Create(name, config, _logger);
        _oieb = _resources.Oieb;
        _metadata = _resources.Segment.Pointer + ZeroBufferLayout.MetadataBlockOffset;
        _metadataBlockSize = config.MetadataBlockSize;
        _ring = _resources.Segment.Pointer + ZeroBufferLayout.PayloadOffset(config.MetadataBlockSize);
        _ringSize = config.PayloadBlockSize;
        _cancelWakeup = new CancellationWakeup(_resources.DataAvailable);
        _batchThreshold = Math.Min(_ringSize / 8, MaxHeldBackBytes);
        Log.ReaderCreated(_logger, name, config.MetadataBlockSize, config.PayloadBlockSize);
    }

    /// <summary>The buffer name.</summary>
    public string Name { get; }

    /// <summary>The configuration the buffer was created with.</summary>
    public BufferConfig Config { get; }

    /// <summary>
    /// Whether each frame's sequence must be the previous one plus 1 (default true;
    /// <see cref="SequenceError"/> otherwise). Off for a duplex client's response buffer, whose
    /// frames carry the sequence of the request they answer and may arrive in any order: the
    /// client checks correlation instead. Set before the first read.
    /// </summary>
    internal bool CheckSequenceContinuity { get; init; } = true;

    /// <summary>
    /// Most ring space a reader with <see cref="BatchReleases"/> holds back before publishing it:
    /// 64 KiB, or an eighth of the ring if that is less.
    /// </summary>
    public const long MaxHeldBackBytes = 64 * 1024;

    /// <summary>
    /// Whether released frames give their space back in batches (default false: each
    /// <see cref="Frame.Dispose"/> publishes its space at once, so <c>payload_free_bytes</c> is
    /// exact after every release).
    /// </summary>
    /// <remarks>
    /// With batching on, space is added to <c>payload_free_bytes</c> with one atomic add and one
    /// sem-r post per batch instead of per frame, which spares the control block's cache line a
    /// trip between the cores on most frames (see docs/performance.md). A batch is published when
    /// it reaches <see cref="MaxHeldBackBytes"/> (or an eighth of the ring), when the reader
    /// starts waiting for a frame, and at once for any release while it waits; so a writer never
    /// waits for space a waiting reader holds. The cost: between reads, a writer may see up to that
    /// much less free space than the reader has released, and space released while the reader
    /// thread is not inside a read (processing, or done reading) stays held back until its next
    /// read that has to wait: bounded in amount, not in time. For readers that read continuously;
    /// turning it off publishes what is held back. May be changed between reads.
    /// </remarks>
    public bool BatchReleases
    {
        get => Volatile.Read(ref _publishThreshold) != 0;
        set
        {
            _releaseGate.Enter();
            try
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
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
    /// How this reader waits for frames (default <see cref="WaitStrategy.Default"/>, spin then
    /// block). May be changed between reads.
    /// </summary>
    /// <exception cref="ArgumentNullException">Set to null.</exception>
    public WaitStrategy WaitStrategy
    {
        get => _waitStrategy;
        set => _waitStrategy = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Test hook: runs just before the reader looks at the writer's PID (to stage a writer that commits and leaves right then).</summary>
    internal Action? BeforeWriterCheck { get; set; }

    /// <summary>Test hook: runs inside a release, between its add to free bytes and its published total (to stage a budget refresh right then).</summary>
    internal Action? BetweenReleaseStores { get; set; }

    /// <summary>Frames read and not yet given back (held, or released early and queued behind an older one).</summary>
    public int OutstandingFrames
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

    /// <summary>
    /// Maps every page of the buffer into this process now, so reading a fresh ring takes no page
    /// faults: call once after creating the reader when the first frames must not stall (a large
    /// ring's first pass otherwise faults once per 4 KiB page). Contents are not changed.
    /// </summary>
    /// <exception cref="SystemCallException">The kernel refused (e.g. ENOMEM).</exception>
    public void Prefault()
    {
        EnterGate();
        try
        {
            _resources.Segment.Populate(Name);
        }
        finally
        {
            _readGate.Exit();
        }
    }

    /// <summary>Whether a writer is connected and its process alive (by its liveness lock, or by its PID for a writer that takes none).</summary>
    public bool IsWriterConnected()
    {
        EnterGate();
        try
        {
            return PeerLiveness.Writer(Source, _resources.Segment.Descriptor, Name, out _) == PeerState.Alive;
        }
        finally
        {
            _readGate.Exit();
        }
    }

    /// <summary>A snapshot of the control block.</summary>
    public BufferStatus GetStatus()
    {
        EnterGate();
        try
        {
            return ReadControlBlock().ToStatus(Name);
        }
        finally
        {
            _readGate.Exit();
        }
    }

    /// <summary>
    /// The metadata content (without its length prefix), zero-copy; empty when none was written.
    /// </summary>
    /// <exception cref="BufferCorruptedException">The stored length does not fit the metadata block.</exception>
    public ReadOnlySpan<byte> GetMetadata()
    {
        EnterGate();
        try
        {
            ulong written = Volatile.Read(ref _oieb->MetadataWrittenBytes); // acquire: pairs with the writer's commit
            if (written == 0)
            {
                return [];
            }

            ulong length = *(ulong*)_metadata;
            if (written < ZeroBufferLayout.MetadataPrefixSize || length > written - ZeroBufferLayout.MetadataPrefixSize
                || written > (ulong)_metadataBlockSize || length > int.MaxValue)
            {
                throw Corrupted($"metadata length {length} (written bytes {written}) does not fit the {_metadataBlockSize}-byte metadata block");
            }

            return new ReadOnlySpan<byte>(_metadata + ZeroBufferLayout.MetadataPrefixSize, (int)length);
        }
        finally
        {
            _readGate.Exit();
        }
    }

    /// <summary>
    /// Waits for the next frame. Returns <see cref="Frame.Invalid"/> when none arrives within
    /// <paramref name="timeout"/> (<see cref="Timeout.InfiniteTimeSpan"/> waits forever).
    /// </summary>
    /// <exception cref="WriterClosedException">The end of the stream: the writer closed the buffer on purpose and every frame it committed was read.</exception>
    /// <exception cref="WriterDeadException">The writer crashed (or, without writer sessions, left) and every frame it committed was read.</exception>
    /// <exception cref="SequenceError">The next frame's sequence number is not the expected one (the frame is kept for the next read).</exception>
    /// <exception cref="BufferCorruptedException">A frame header is impossible.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (see docs/protocol.md §6.7 for a source reset with TryReset).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative (other than <see cref="Timeout.InfiniteTimeSpan"/>).</exception>
    /// <exception cref="ObjectDisposedException">The reader was disposed (also from another thread while waiting).</exception>
    public Frame ReadFrame(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        _ = TryReadFrame(timeout, out Frame frame, cancellationToken);
        return frame;
    }

    /// <summary>Waits for the next frame; false when none arrived within <paramref name="timeout"/>.</summary>
    /// <inheritdoc cref="ReadFrame" path="/exception"/>
    public bool TryReadFrame(TimeSpan timeout, out Frame frame, CancellationToken cancellationToken = default)
    {
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, $"The timeout must be zero or positive, or infinite (got {timeout}).");
        }

        cancellationToken.ThrowIfCancellationRequested();
        EnterGate();
        try
        {
            // Hot path: a committed frame is taken without a deadline, a registration or a token.
            return TryTakeFrame(out frame) || WaitForFrame(Deadline.After(timeout), out frame, cancellationToken);
        }
        finally
        {
            _readGate.Exit();
        }
    }

    /// <summary>
    /// Waits as <see cref="WaitStrategy"/> says: polls while it says so, then sleeps on sem-w in
    /// liveness slices. Held-back releases are published first, so a writer waiting for space
    /// is never kept waiting by a reader that is waiting too. The caller holds the gate.
    /// </summary>
    private bool WaitForFrame(Deadline deadline, out Frame frame, CancellationToken cancellationToken)
    {
        SetWaiting(true);
        try
        {
            _cancelWakeup.Arm(cancellationToken); // kept across waits: registers once per token, not per wait
            WaitStrategy strategy = _waitStrategy;
            long start = Stopwatch.GetTimestamp();
            long now = start;
            int attempt = 0;
            while (strategy.Idle(attempt, Stopwatch.GetElapsedTime(start, now)))
            {
                if (TryTakeFrame(out frame))
                {
                    return true;
                }

                ThrowIfClosedWhileReading();
                cancellationToken.ThrowIfCancellationRequested();
                attempt = attempt == int.MaxValue ? attempt : attempt + 1;
                now = Stopwatch.GetTimestamp(); // one clock read per poll serves the strategy, liveness and deadline
                if (LivenessCheckDue(now) && WriterIsGone())
                {
                    return TryTakeFrame(out frame) ? true : throw WriterGone();
                }

                if (deadline.HasExpiredAt(now))
                {
                    DrainStaleTokens(); // giving up counts as going idle, like a sleep
                    return false;
                }
            }

            while (true)
            {
                // Tokens of frames already taken by polling are stale: drop them so the count stays
                // bounded. No wake-up is lost: a frame committed after the drain posts after it.
                DrainStaleTokens();
                ThrowIfClosedWhileReading();
                cancellationToken.ThrowIfCancellationRequested();
                if (TryTakeFrame(out frame))
                {
                    return true;
                }

                bool token = _resources.DataAvailable.Wait(deadline.NextSliceMilliseconds());
                ThrowIfClosedWhileReading();
                if (TryTakeFrame(tokenHeld: token, out frame))
                {
                    return true;
                }

                // A quiet slice: look at the writer. A frame it committed just before dying is
                // taken first (the second TryTakeFrame), so none is ever lost to the death report.
                if (!token && LivenessCheckDue(Stopwatch.GetTimestamp()) && WriterIsGone())
                {
                    return TryTakeFrame(out frame) ? true : throw WriterGone();
                }

                if (deadline.HasExpired)
                {
                    frame = Frame.Invalid;
                    return false;
                }
            }
        }
        finally
        {
            SetWaiting(false);
        }
    }

    /// <summary>Entering a wait publishes everything held back, and releases made during the wait are published at once.</summary>
    private void SetWaiting(bool waiting)
    {
        _releaseGate.Enter();
        try
        {
            _waiting = waiting;
            PublishHeldBackUnsynchronized();
        }
        finally
        {
            _releaseGate.Exit();
        }
    }

    /// <summary>
    /// Whether to look at the writer now: at most once per liveness interval, kept per reader,
    /// not per wait, so callers polling with short or zero timeouts still learn of a dead writer
    /// without probing /proc on every call.
    /// </summary>
    private bool LivenessCheckDue(long now)
    {
        if (now < _nextLivenessCheck)
        {
            return false;
        }

        _nextLivenessCheck = now + LivenessCheckInterval;
        return true;
    }

    private void DrainStaleTokens()
    {
        _ = _resources.DataAvailable.Drain();
        _tokensLeftBehind = 0;
    }

    /// <summary>The end of a wait for a writer that is gone: a clean end of stream, or its death.</summary>
    private ZeroBufferException WriterGone()
    {
        DrainStaleTokens(); // the wait ends for good: leave no tokens of frames taken by polling
        ulong pid = Volatile.Read(ref _oieb->WriterPid);
        Log.WriterGone(_logger, Name, pid);
        if (_writerDeparture == PeerState.Closed)
        {
            return new WriterClosedException(Name,
                $"The writer of buffer '{Name}' closed the stream and every frame it committed has been read (end of stream).");
        }

        return new WriterDeadException(Name, pid == 0
            ? $"The writer of buffer '{Name}' disconnected and every frame it wrote has been read."
            : $"The writer of buffer '{Name}' (PID {pid}) died and every frame it committed has been read.");
    }

    private void ThrowIfClosedWhileReading()
    {
        if (_readGate.IsClosed)
        {
            throw new ObjectDisposedException(nameof(Reader), $"The reader of buffer '{Name}' was disposed while reading.");
        }
    }

    /// <summary>
    /// Whether a writer that was connected is no longer (closed, died, or gave up its claim), after a
    /// writer was seen: a live writer observed here, a PID left behind, frames written, or a writer
    /// session stored. Remembers how it left in <see cref="_writerDeparture"/>.
    /// </summary>
    private bool WriterIsGone()
    {
        BeforeWriterCheck?.Invoke();
        PeerState writer = PeerLiveness.Writer(Source, _resources.Segment.Descriptor, Name, out ControlBlock block);
        if (writer == PeerState.Alive)
        {
            _writerSeen = true;
            return false;
        }

        _writerDeparture = writer;
        return _writerSeen || block.WriterPid != 0 || block.WrittenCount != 0 || block.Session.Exists;
    }

    private ControlBlock ReadControlBlock() => ControlBlock.Read(_oieb, _resources.Segment.Length);

    private ControlBlockSource Source => ControlBlockSource.Mapped(_oieb, _resources.Segment.Length);

    /// <summary>
    /// Consumes the next frame if one is committed (written count ahead of read count): the counts
    /// decide, not tokens, so a frame found by polling and a frame announced by a token are taken
    /// the same way, and a frame that fails validation stays for the next read.
    /// </summary>
    private bool TryTakeFrame(out Frame frame) => TryTakeFrame(tokenHeld: false, out frame);

    /// <param name="tokenHeld">The caller just took a sem-w token; otherwise one is taken if there.</param>
    /// <param name="frame">The frame, or <see cref="Frame.Invalid"/>.</param>
    private bool TryTakeFrame(bool tokenHeld, out Frame frame)
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

            Log.ReportedError(_logger, Name, $"sequence error: expected {expected}, got {sequence}");
            throw new SequenceError(Name, expected, sequence);
        }

        long total = ZeroBufferLayout.FrameHeaderSize + (long)length;
        if (!Consume(total))
        {
            return false;
        }

        long ticket;
        _releaseGate.Enter();
        try
        {
            ticket = _releases.EnqueueFrame(total);
        }
        finally
        {
            _releaseGate.Exit();
        }

        long next = position + total;
        _readPosition = next == _ringSize ? 0 : next;
        _readCount++;
        Volatile.Write(ref _oieb->PayloadReadPos, (ulong)_readPosition);
        Volatile.Write(ref _oieb->PayloadReadCount, _readCount);
        if (next == _ringSize)
        {
            NoteMarkerlessWrap(); // an exact fit: some writers wrap from P, without a marker, at their next write
        }

        _expectedSequence = sequence + 1;
        _lastFrameIndex = index;
        if (!tokenHeld && _waitStrategy.TakesTokenPerFrame)
        {
            // The blocking strategy keeps the count exactly one per unread frame. A token not
            // posted yet (writer between its count store and its post) arrives late and is
            // drained before the next sleep.
            _ = _resources.DataAvailable.TryWait();
        }
        else if (!tokenHeld && ++_tokensLeftBehind > StaleTokenDrainInterval)
        {
            // A frame found by polling leaves its sem-w token behind. Taking it per frame would
            // pull the semaphore's cache line from the writer on every frame; instead the tokens
            // are drained in bulk before the reader sleeps, or here for a reader that never does.
            DrainStaleTokens();
        }

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
        ulong pid = Volatile.Read(ref _oieb->WriterPid);
        var session = WriterSessionWord.Unpack(Volatile.Read(ref _oieb->WriterSession));
        bool ours = pid != 0 ? session.Describes(pid) : session.State == ZeroBufferLayout.SessionStateClosed;
        if (!ours)
        {
            _uncountedWraps++;
        }
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
            if (ChargeMayBeInFlight())
            {
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
        Volatile.Write(ref _oieb->PayloadReadCount, _readCount);
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
        PeerState writer = PeerLiveness.Writer(Source, _resources.Segment.Descriptor, Name, out ControlBlock block);
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

        ControlBlock block = ReadControlBlock(); // rare: only on a sequence mismatch
        if (block.Advertises(ZeroBufferLayout.FeatureWriterSessions) && _lastFrameIndex != ulong.MaxValue
            && SessionRange(block) is (ulong start, ulong end)
            && _lastFrameIndex >= start && _lastFrameIndex < end && index >= start && index < end)
        {
            return false;
        }

        Log.WriterRestarted(_logger, Name);
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

    private void PublishPosition(long position)
    {
        _readPosition = position;
        Volatile.Write(ref _oieb->PayloadReadPos, (ulong)position);
        Volatile.Write(ref _oieb->PayloadReadCount, _readCount);
    }

    private BufferCorruptedException Corrupted(string problem)
    {
        _knownWritten = _readCount; // look at the counts afresh next time
        Log.ReportedError(_logger, Name, problem);
        return new BufferCorruptedException(Name, $"Buffer '{Name}' is corrupted: {problem}.");
    }

    /// <summary>Called by <see cref="Frame.Dispose"/>.</summary>
    internal void Release(long ticket)
    {
        _releaseGate.Enter();
        try
        {
            if (!_disposed)
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
            held = !_disposed && _releases.IsHeld(ticket);
        }
        finally
        {
            _releaseGate.Exit();
        }

        if (!held)
        {
            throw new ObjectDisposedException(nameof(Frame), $"The frame was disposed (buffer '{Name}'); its bytes may have been reused.");
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
    /// is on, the reader thread is not waiting and the batch is below its threshold. The caller
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
        if (_heldBackBytes >= _publishThreshold || _waiting)
        {
            PublishHeldBackUnsynchronized();
        }
    }

    private void PublishHeldBackUnsynchronized()
    {
        if (_heldBackBytes == 0 || _disposed)
        {
            return;
        }

        // Never above P (§4.3): only the reader adds, so free bytes can only go down until our add.
        if ((ulong)Volatile.Read(ref _oieb->PayloadFreeBytes) + (ulong)_heldBackBytes > (ulong)_ringSize)
        {
            _releaseOverflow = true; // reported by the next read as BufferCorruptedException
            _heldBackBytes = 0;
            _heldBackFrames = 0;
            return;
        }

        // Free bytes first, then the published total: the reader's lock-free budget refresh reads
        // them the other way round (RefreshBudget), so it can see too little, never too much.
        Interlocked.Add(ref *(long*)&_oieb->PayloadFreeBytes, _heldBackBytes);
        BetweenReleaseStores?.Invoke();
        Volatile.Write(ref _publishedBytes, _publishedBytes + _heldBackBytes);
        if (_heldBackFrames > 0)
        {
            _resources.SpaceAvailable.Post(); // one wake-up per publication; tails alone post none (protocol §4)
        }

        _heldBackBytes = 0;
        _heldBackFrames = 0;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>Enters the gate that keeps the mapping alive, or throws once disposed. Pair with <c>_readGate.Exit()</c>.</summary>
    private void EnterGate()
    {
        if (!_readGate.TryEnter())
        {
            throw new ObjectDisposedException(nameof(Reader), $"The reader of buffer '{Name}' was disposed.");
        }
    }

    /// <summary>Removes the buffer: marks the reader gone, unlinks every resource, releases the lock. Held frames become invalid.</summary>
    public void Dispose()
    {
        // Wake a read blocked on another thread and let it leave before the memory goes.
        if (!_readGate.Close(() => _resources.DataAvailable.Post()))
        {
            return;
        }

        _cancelWakeup.Dispose(); // the reading thread has left: no callback may post a closed semaphore
        _releaseGate.Enter();
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _resources.Dispose();
        }
        finally
        {
            _releaseGate.Exit();
        }

        Log.ReaderClosed(_logger, Name);
    }
}
