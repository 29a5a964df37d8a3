using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ZeroBuffer.Diagnostics;
using ZeroBuffer.Interop;
using ZeroBuffer.Primitives;
using ZeroBuffer.Protocol;
using ZeroBuffer.Waiting;

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
public sealed unsafe partial class Reader : IDisposable, IPeerWaiter, IMeteredEndpoint
{
    private readonly ILogger _logger;
    private readonly ReaderResources _resources;
    private readonly Oieb* _oieb;
    private readonly RingReader _ring; // the ring algorithm: taking items, the budget, FIFO release
    private readonly MetadataBlock _metadata;
    private static readonly long LivenessCheckInterval = (long)(PeerLiveness.CheckInterval.TotalSeconds * Stopwatch.Frequency); // while polling
    private const int StaleTokenDrainInterval = 1 << 16; // most sem-w tokens left behind between drains

    private readonly CancellationWakeup _cancelWakeup;
    private readonly SpinHistory _spins = new();
    private Frame _waitedFrame; // what a wait's TryComplete took
    private WaitStrategy _waitStrategy = WaitStrategy.Default;
    private readonly UsageGate _readGate = new(); // a read in progress; Dispose waits for it to leave before unmapping
    private readonly EndpointMetrics _metrics; // the "ZeroBuffer" meter's view of this reader

    // Reader-thread state.
    private long _nextLivenessCheck; // Stopwatch time of the next writer check while polling (kept across waits)
    private bool _idle; // the current wait went idle (see SetIdle); the reader thread's copy, so a wait that never did ends without the release latch
    private int _tokensLeftBehind; // frames taken without their sem-w token since the last drain

    private bool _writerSeen; // a live writer was observed once, even if that writer never wrote
    private PeerState _writerDeparture; // how the writer left, once WriterIsGone said it did (Closed: a clean end of stream)

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
        _metadata = new MetadataBlock(name, _oieb, _resources.Segment.Pointer + ZeroBufferLayout.MetadataBlockOffset, config.MetadataBlockSize);
        _metrics = new EndpointMetrics(this, name, EndpointRole.Reader);
        _ring = new RingReader(name, _resources, _resources.Segment.Pointer + ZeroBufferLayout.PayloadOffset(config.MetadataBlockSize),
            config.PayloadBlockSize, MaxHeldBackBytes, _metrics, _logger);
        _cancelWakeup = new CancellationWakeup(_resources.DataAvailable);
        Log.ReaderCreated(_logger, name, config.MetadataBlockSize, config.PayloadBlockSize);
        _metrics.Start();
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
    internal bool CheckSequenceContinuity
    {
        get => _ring.CheckSequenceContinuity;
        init => _ring.CheckSequenceContinuity = value;
    }

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
    /// sem-r post per batch instead of per frame, and (with a writer of this library, which never
    /// looks at them) <c>payload_read_pos</c> and <c>payload_read_count</c> are stored with each
    /// batch instead of per frame, so the control block's cache lines stay with the writer on most
    /// frames (see docs/performance.md: 64 B one-way about twice as fast). A batch is published when it reaches
    /// <see cref="MaxHeldBackBytes"/> (or an eighth of the ring) and when the reader goes idle: its
    /// wait sleeps, gives up, or has polled for 50 µs (a busy-spinning reader too); any release
    /// while it is idle is published at once. So a writer waits for space a waiting reader holds
    /// at most that long. The cost: between reads, a writer (and <c>inspect</c>) may see up to
    /// that much less free space than the reader has released, and frames it has taken as not yet
    /// taken; space released while the reader thread is not inside a read (processing, or done
    /// reading) stays held back until its next read goes idle: bounded in amount, not in time.
    /// For readers that read continuously; turning it off publishes what is held back. May be
    /// changed between reads.
    /// </remarks>
    public bool BatchReleases
    {
        get => _ring.BatchReleases;
        set => _ring.BatchReleases = value;
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
    internal Action? BetweenReleaseStores
    {
        get => _ring.BetweenReleaseStores;
        set => _ring.BetweenReleaseStores = value;
    }

    /// <summary>Frames read and not yet given back (held, or released early and queued behind an older one).</summary>
    public int OutstandingFrames => _ring.Outstanding;

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
            return _metadata.Read();
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
        if (_asyncWaiting != 0)
        {
            throw new InvalidOperationException($"An asynchronous read of buffer '{Name}' is waiting; await it before reading again.");
        }

        EnterGate();
        try
        {
            // Hot path: a committed frame is taken without a deadline, a registration or a token.
            return TryTakeFrame(out frame) || WaitForFrame(timeout, out frame, cancellationToken);
        }
        finally
        {
            _readGate.Exit();
        }
    }

    /// <summary>
    /// Waits as <see cref="WaitStrategy"/> says (<see cref="PeerWait"/>). Held-back releases are
    /// published once the wait goes idle (<see cref="SetIdle"/>), so a writer waiting for space is
    /// not kept waiting long by a reader that is waiting too. The caller holds the gate.
    /// </summary>
    private bool WaitForFrame(TimeSpan timeout, out Frame frame, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp(); // one clock reading for the deadline, the metrics and the wait
        Deadline deadline = Deadline.After(timeout, started);
        _metrics.WaitStarted(started);
        try
        {
            _cancelWakeup.Arm(cancellationToken); // kept across waits: registers once per token, not per wait
            bool taken = PeerWait.Wait(this, _resources.DataAvailable, _waitStrategy, deadline, started, _metrics, cancellationToken);
            frame = taken ? TakeWaitedFrame() : Frame.Invalid;
            return taken;
        }
        finally
        {
            SetIdle(false);
        }
    }

    private Frame TakeWaitedFrame()
    {
        Frame frame = _waitedFrame;
        _waitedFrame = Frame.Invalid;
        return frame;
    }

    SpinHistory IPeerWaiter.Spins => _spins;

    bool IPeerWaiter.TryComplete(bool tokenHeld) => TryTakeFrame(tokenHeld, out _waitedFrame);

    bool IPeerWaiter.CheckPeer(long now, bool force)
    {
        if (!LivenessCheckDue(now) && !force)
        {
            return false;
        }

        // A frame the writer committed just before leaving is taken first, so none is ever lost to the report.
        return WriterIsGone() && (TryTakeFrame(tokenHeld: false, out _waitedFrame) ? true : throw WriterGone());
    }

    void IPeerWaiter.GoIdle()
    {
        SetIdle(true);
        DrainStaleTokens();
    }

    void IPeerWaiter.ThrowIfClosed() => ThrowIfClosedWhileReading();

    /// <summary>
    /// A wait that goes idle (sleeps, gives up, or has polled <see cref="PeerWait.IdleAfter"/>) publishes everything batching holds back, and
    /// releases made while it is idle are published at once; a wait that is still polling keeps
    /// batching, so a reader that polls through a stream does not publish per frame.
    /// </summary>
    private void SetIdle(bool idle)
    {
        if (_idle != idle)
        {
            _idle = idle;
            _ring.SetIdle(idle);
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

        if (_writerDeparture == PeerState.Died)
        {
            _metrics.PeerDied(); // not a writer without sessions that left (its PID cleared): that is no crash
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
            _metrics.PeerAlive();
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
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryTakeFrame(bool tokenHeld, out Frame frame)
    {
        if (!_ring.TryTake(out frame))
        {
            return false;
        }

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

        return true;
    }

    /// <summary>Enters the gate that keeps the mapping alive, or throws once disposed. Pair with <c>_readGate.Exit()</c>.</summary>
    private void EnterGate()
    {
        if (!_readGate.TryEnter())
        {
            throw new ObjectDisposedException(nameof(Reader), $"The reader of buffer '{Name}' was disposed.");
        }
    }

    /// <summary>A topic subscriber released a frame unread (latest-only): counted in the metrics.</summary>
    internal void NoteFrameSkipped() => _metrics.FrameSkipped();

    ulong IMeteredEndpoint.Frames => _ring.FramesTaken;

    ulong IMeteredEndpoint.Bytes => _ring.BytesTaken;

    int IMeteredEndpoint.HeldFrames => _ring.Outstanding;

    bool IMeteredEndpoint.TryReadUtilization(out double utilization)
    {
        utilization = 0;
        if (!_readGate.TryEnter())
        {
            return false;
        }

        try
        {
            utilization = ReadControlBlock().ToStatus(Name).Utilization;
            return true;
        }
        finally
        {
            _readGate.Exit();
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

        _metrics.Stop();

        _cancelWakeup.Dispose(); // the reading thread has left: no callback may post a closed semaphore
        if (!_ring.Close())
        {
            return;
        }

        _resources.Dispose(); // frames disposed from now on find the ring closed and touch nothing

        Log.ReaderClosed(_logger, Name);
    }
}
