using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ZeroBuffer.Diagnostics;
using ZeroBuffer.Interop;
using ZeroBuffer.Primitives;
using ZeroBuffer.Protocol;
using ZeroBuffer.Waiting;

namespace ZeroBuffer;

/// <summary>
/// The sending side of a buffer: connects to a buffer a reader created, writes its metadata
/// once, and writes frames, by copy (<see cref="WriteFrame(ReadOnlySpan{byte})"/>) or zero-copy
/// (<see cref="GetFrameBuffer(int)"/> then <see cref="CommitFrame"/>). One writer per buffer at a time.
/// </summary>
/// <remarks>
/// <para>Not thread-safe: use from one thread at a time.</para>
/// <para>Nothing becomes visible to the reader before a commit, so a writer that dies mid-frame
/// leaves no partial frame. A reader that dies is reported by <see cref="ReaderDeadException"/>
/// within about a second when waiting for space, and at the latest ~100 ms after its death otherwise.</para>
/// </remarks>
/// <example>
/// <code>
/// using var writer = new Writer("cam0") { WriteTimeout = TimeSpan.FromSeconds(2) };
/// writer.SetMetadata(formatDescription);
/// Span&lt;byte&gt; target = writer.GetFrameBuffer(frameSize);
/// camera.CaptureInto(target);
/// writer.CommitFrame();
/// </code>
/// </example>
public sealed unsafe partial class Writer : IDisposable, IPeerWaiter, IMeteredEndpoint
{
    private static readonly long LivenessCheckIntervalMs = (long)PeerLiveness.CheckInterval.TotalMilliseconds; // on Environment.TickCount64: cheap enough per frame

    private readonly ILogger _logger;
    private readonly SharedMemorySegment _segment;
    private readonly NamedSemaphore _dataAvailable;
    private readonly NamedSemaphore _spaceAvailable;
    private readonly CancellationWakeup _cancelWakeup;
    private readonly SpinHistory _spins = new();
    private readonly Oieb* _oieb;
    private readonly MetadataBlock _metadata; // written once per buffer
    private readonly WriterSession _claim; // writer_pid, and with writer sessions the lock, the session and the commit record
    private readonly RingWriter _ring; // the ring algorithm: placement, space, the ordered commit stores

    private int _pendingThreadId; // the thread that acquired the pending frame or metadata

    private readonly UsageGate _writeGate = new(); // a write in progress; Dispose waits for it to leave before unmapping
    private readonly EndpointMetrics _metrics; // the "ZeroBuffer" meter's view of this writer
    private long _nextLivenessCheck; // Environment.TickCount64 of the next look at the reader
    private long _requiredSpace; // what the current wait for space waits for
    private TimeSpan _writeTimeout = TimeSpan.FromSeconds(5);
    private WaitStrategy _waitStrategy = WaitStrategy.Default;
    private bool _disposed;

    /// <summary>Connects to the buffer <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">Invalid name.</exception>
    /// <exception cref="BufferNotFoundException">No such buffer (or it is still being created).</exception>
    /// <exception cref="ProtocolMismatchException">The control block is not protocol 1.x.</exception>
    /// <exception cref="BufferCorruptedException">The control block's sizes or positions are impossible.</exception>
    /// <exception cref="ReaderDeadException">The buffer's reader is gone.</exception>
    /// <exception cref="WriterAlreadyConnectedException">A live writer is connected.</exception>
    /// <exception cref="BufferAccessDeniedException">The buffer belongs to another user and is not shared with this one.</exception>
    public Writer(string name, ILogger? logger = null)
    {
        Platform.EnsureSupported();
        ResourceNames.Validate(name);
        _logger = logger ?? NullLogger.Instance;
        Name = name;

        WriterResources resources = WriterResources.Connect(name, _logger);
        try
        {
            _segment = resources.Segment;
            _dataAvailable = resources.DataAvailable;
            _spaceAvailable = resources.SpaceAvailable;
            _claim = resources.Claim;
            _oieb = (Oieb*)_segment.Pointer;
            _metadata = new MetadataBlock(name, _oieb, _segment.Pointer + ZeroBufferLayout.MetadataBlockOffset, resources.MetadataBlockSize);
            _ring = new RingWriter(name, _oieb, _segment.Pointer + ZeroBufferLayout.PayloadOffset(resources.MetadataBlockSize), resources.RingSize,
                _claim, resources.ReaderSkipsShortTails, _dataAvailable, _spaceAvailable);
            _cancelWakeup = new CancellationWakeup(_spaceAvailable);
            _metrics = new EndpointMetrics(this, name, EndpointRole.Writer);
            Log.WriterConnected(_logger, name, (ulong)resources.RingSize, resources.ReaderPid);
        }
        catch
        {
            _cancelWakeup?.Dispose();
            resources.Abandon(); // everything after the claim is undone too: the claim given back, only ours
            throw;
        }

        _metrics.Start();
    }

    /// <summary>
    /// Connects to the buffer <paramref name="name"/>, waiting up to <paramref name="timeout"/> for
    /// its reader to create it, or to replace a reader that crashed: the writer may start first.
    /// Nothing signals the creation of a buffer, so it looks again after a pause that grows from
    /// 1 ms to 50 ms.
    /// </summary>
    /// <param name="name">Buffer name: 1-200 characters from [A-Za-z0-9._-].</param>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits until cancelled.</param>
    /// <param name="logger">Lifecycle and error logging of the writer.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="ArgumentException">Invalid name.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative (other than infinite).</exception>
    /// <exception cref="BufferNotFoundException">No reader created the buffer in time.</exception>
    /// <exception cref="ReaderDeadException">The buffer existed, but its reader was gone until the timeout.</exception>
    /// <exception cref="WriterAlreadyConnectedException">A live writer is connected (reported at once, not waited for).</exception>
    /// <exception cref="BufferAccessDeniedException">The buffer belongs to another user and is not shared with this one (at once).</exception>
    public static Writer Connect(string name, TimeSpan timeout, ILogger? logger = null, CancellationToken cancellationToken = default) =>
        WriterConnector.Connect(name, timeout, logger, cancellationToken);

    /// <summary>Waits for the buffer's reader without a timeout (until <paramref name="cancellationToken"/> fires), then connects.</summary>
    /// <inheritdoc cref="Connect" path="/exception"/>
    public static ValueTask<Writer> ConnectAsync(string name, CancellationToken cancellationToken = default) =>
        WriterConnector.ConnectAsync(name, Timeout.InfiniteTimeSpan, null, cancellationToken);

    /// <summary>
    /// <see cref="Connect"/> without blocking a thread while it waits: the pauses between attempts
    /// are timers. Each attempt is a few system calls, made on the calling thread.
    /// </summary>
    /// <inheritdoc cref="Connect" path="/param"/>
    /// <inheritdoc cref="Connect" path="/exception"/>
    public static ValueTask<Writer> ConnectAsync(string name, TimeSpan timeout, ILogger? logger = null, CancellationToken cancellationToken = default) =>
        WriterConnector.ConnectAsync(name, timeout, logger, cancellationToken);

    /// <summary>The buffer name.</summary>
    public string Name { get; }

    /// <summary>
    /// How long <see cref="WriteFrame(ReadOnlySpan{byte})"/> and <see cref="GetFrameBuffer(int)"/> wait for
    /// ring space before <see cref="BufferFullException"/> (default 5 s; <see cref="Timeout.InfiniteTimeSpan"/> allowed).
    /// </summary>
    public TimeSpan WriteTimeout
    {
        get => _writeTimeout;
        set
        {
            if (value <= TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, $"WriteTimeout must be positive or infinite (got {value}).");
            }

            _writeTimeout = value;
        }
    }

    /// <summary>
    /// How this writer waits for ring space when the ring is full (default
    /// <see cref="WaitStrategy.Default"/>, spin then block). May be changed between writes.
    /// </summary>
    /// <exception cref="ArgumentNullException">Set to null.</exception>
    public WaitStrategy WaitStrategy
    {
        get => _waitStrategy;
        set => _waitStrategy = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Metadata block size M of the connected buffer.</summary>
    public long MetadataBlockSize => _metadata.BlockSize;

    /// <summary>Ring size P of the connected buffer.</summary>
    public long RingSize => _ring.RingSize;

    /// <summary>Frames committed by this writer.</summary>
    public ulong FramesWritten => _ring.FramesWritten;

    /// <summary>The sequence number the next frame gets.</summary>
    public ulong NextSequence => _ring.NextSequence;

    /// <summary>
    /// Largest frame that always fits, wherever the write position is, and never leaves a tail
    /// of 1 to 15 bytes at the end of the ring, so it is safe with every reader, upstream ones
    /// included: <c>⌊(P − 13) / 2⌋ − 17</c>, which is <c>P / 2 − 24</c> for an even ring
    /// (docs/protocol.md §3.2). Size the ring at least <c>2 × (largest frame + 24)</c>.
    /// </summary>
    public int MaxFrameSizeAnywhere => _ring.MaxFrameSizeAnywhere;

    /// <summary>
    /// Maps every page of the buffer into this process now, writable, so the first pass over a
    /// fresh ring takes no page faults. Call once after connecting; contents are not changed.
    /// </summary>
    /// <exception cref="SystemCallException">The kernel refused (e.g. ENOMEM).</exception>
    public void Prefault()
    {
        EnterGate();
        try
        {
            _segment.Populate(Name);
        }
        finally
        {
            _writeGate.Exit();
        }
    }

    /// <summary>Whether the reader is alive (by its liveness lock, or by its PID for a reader that takes none).</summary>
    public bool IsReaderConnected()
    {
        EnterGate();
        try
        {
            return PeerLiveness.Reader(ControlBlockSource.Mapped(_oieb, _segment.Length), _segment.Descriptor, Name, out _) == PeerState.Alive;
        }
        finally
        {
            _writeGate.Exit();
        }
    }

    /// <summary>A snapshot of the control block.</summary>
    public BufferStatus GetStatus()
    {
        EnterGate();
        try
        {
            return ControlBlock.Read(_oieb, _segment.Length).ToStatus(Name);
        }
        finally
        {
            _writeGate.Exit();
        }
    }

    /// <summary>Writes the buffer's metadata (once per buffer).</summary>
    /// <exception cref="MetadataAlreadyWrittenException">This buffer already has metadata.</exception>
    /// <exception cref="ArgumentOutOfRangeException">8 + length exceeds the metadata block.</exception>
    public void SetMetadata(ReadOnlySpan<byte> metadata)
    {
        Span<byte> target = GetMetadataBuffer(metadata.Length);
        metadata.CopyTo(target);
        CommitMetadata();
    }

    /// <summary>Zero-copy metadata: returns the space for <paramref name="size"/> bytes; <see cref="CommitMetadata"/> publishes it.</summary>
    /// <inheritdoc cref="SetMetadata" path="/exception"/>
    public Span<byte> GetMetadataBuffer(int size)
    {
        EnterGate();
        try
        {
            Span<byte> target = _metadata.Claim(size);
            _pendingThreadId = Environment.CurrentManagedThreadId;
            return target;
        }
        finally
        {
            _writeGate.Exit();
        }
    }

    /// <summary>Publishes the metadata acquired with <see cref="GetMetadataBuffer"/>.</summary>
    public void CommitMetadata()
    {
        EnterGate();
        try
        {
            _metadata.Commit();
        }
        finally
        {
            _writeGate.Exit();
        }
    }

    /// <summary>Copies <paramref name="data"/> into the ring as one frame, waiting up to <see cref="WriteTimeout"/> for space.</summary>
    /// <exception cref="InvalidFrameSizeException"><paramref name="data"/> is empty.</exception>
    /// <exception cref="FrameTooLargeException">The frame can never fit in this ring.</exception>
    /// <exception cref="BufferFullException">No space within <see cref="WriteTimeout"/> while the reader is alive.</exception>
    /// <exception cref="ReaderDeadException">The reader is gone.</exception>
    public void WriteFrame(ReadOnlySpan<byte> data) => WriteFrame(data, CancellationToken.None);

    /// <inheritdoc cref="WriteFrame(ReadOnlySpan{byte})"/>
    public void WriteFrame(ReadOnlySpan<byte> data, CancellationToken cancellationToken)
    {
        EnterGate(); // held across wait, copy and commit: a Dispose on another thread waits for all three
        try
        {
            Span<byte> target = TryClaim(data.Length, 0, _writeTimeout, cancellationToken, out bool claimed);
            if (!claimed)
            {
                throw Full(data.Length);
            }

            data.CopyTo(target);
            _ring.Commit();
        }
        finally
        {
            _writeGate.Exit();
        }
    }

    /// <summary>Like <see cref="WriteFrame(ReadOnlySpan{byte})"/>, but returns false instead of throwing when the ring stays full for <paramref name="timeout"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative (other than <see cref="Timeout.InfiniteTimeSpan"/>).</exception>
    /// <exception cref="InvalidFrameSizeException"><paramref name="data"/> is empty.</exception>
    /// <exception cref="FrameTooLargeException">The frame can never fit in this ring.</exception>
    /// <exception cref="ReaderDeadException">The reader is gone.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The writer was disposed (also from another thread while waiting).</exception>
    public bool TryWriteFrame(ReadOnlySpan<byte> data, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, $"The timeout must be zero or positive, or infinite (got {timeout}).");
        }

        return CopyFrame(data, 0, timeout, cancellationToken);
    }

    /// <summary>
    /// Zero-copy write: waits (up to <see cref="WriteTimeout"/>) for space and returns the ring
    /// bytes of the next frame. Fill them, then <see cref="CommitFrame"/> (or <see cref="AbortFrame"/>).
    /// </summary>
    /// <inheritdoc cref="WriteFrame(ReadOnlySpan{byte})" path="/exception"/>
    public Span<byte> GetFrameBuffer(int size) => GetFrameBuffer(size, out _);

    /// <summary>Zero-copy write; <paramref name="sequence"/> is the number the frame will carry.</summary>
    /// <inheritdoc cref="WriteFrame(ReadOnlySpan{byte})" path="/exception"/>
    public Span<byte> GetFrameBuffer(int size, out ulong sequence)
    {
        sequence = _ring.NextSequence;
        return GetFrameBuffer(size, 0, CancellationToken.None);
    }

    /// <summary>
    /// Duplex responses: copies <paramref name="data"/> as one frame whose header carries
    /// <paramref name="sequence"/> (the request it answers) instead of this writer's next number.
    /// Such frames do not advance <see cref="NextSequence"/>. Only for readers that check
    /// correlation, not continuity (<see cref="Reader.CheckSequenceContinuity"/> off).
    /// </summary>
    internal void WriteFrame(ReadOnlySpan<byte> data, ulong sequence, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfZero(sequence); // 0 is the wrap marker's number
        if (!CopyFrame(data, sequence, _writeTimeout, cancellationToken))
        {
            throw Full(data.Length);
        }
    }

    /// <summary>
    /// <see cref="WriteFrame(ReadOnlySpan{byte}, ulong, CancellationToken)"/> that gives up after
    /// <paramref name="timeout"/> (false) instead of <see cref="WriteTimeout"/> (duplex error responses).
    /// </summary>
    internal bool TryWriteFrame(ReadOnlySpan<byte> data, ulong sequence, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfZero(sequence); // 0 is the wrap marker's number
        return CopyFrame(data, sequence, timeout, cancellationToken);
    }

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for space, copies <paramref name="data"/> in and commits it
    /// (numbered <paramref name="sequence"/>, or this writer's next number for 0); false when the ring stayed full.
    /// The gate is held across wait, copy and commit, as in <see cref="WriteFrame(ReadOnlySpan{byte}, CancellationToken)"/>.
    /// </summary>
    private bool CopyFrame(ReadOnlySpan<byte> data, ulong sequence, TimeSpan timeout, CancellationToken cancellationToken)
    {
        EnterGate();
        try
        {
            Span<byte> target = TryClaim(data.Length, sequence, timeout, cancellationToken, out bool claimed);
            if (!claimed)
            {
                return false;
            }

            data.CopyTo(target);
            _ring.Commit();
            return true;
        }
        finally
        {
            _writeGate.Exit();
        }
    }

    /// <summary>A topic's publisher skipped a frame for this buffer's subscriber: counted in the metrics.</summary>
    internal void NoteFrameDropped() => _metrics.FrameDropped();

    /// <summary>This writer's session generation (§2.4): 1 for the first writer of the buffer; 0 without writer sessions.</summary>
    internal uint Generation => _claim.Generation;

    /// <summary>Whether the buffer's reader advertises extension <paramref name="feature"/> (a <c>ZeroBufferLayout.Feature*</c> bit, §2.4).</summary>
    internal bool ReaderAdvertises(uint feature)
    {
        EnterGate();
        try
        {
            return ControlBlock.Read(_oieb, _segment.Length).Advertises(feature);
        }
        finally
        {
            _writeGate.Exit();
        }
    }

    /// <summary>
    /// Zero-copy counterpart of <see cref="WriteFrame(ReadOnlySpan{byte}, ulong, CancellationToken)"/>
    /// (<paramref name="sequence"/> 0: the writer's next number): commit with <see cref="CommitFrame"/>.
    /// </summary>
    internal Span<byte> GetFrameBuffer(int size, ulong sequence, CancellationToken cancellationToken)
    {
        Span<byte> target = TryGetFrameBuffer(size, sequence, _writeTimeout, cancellationToken, out bool claimed);
        return claimed ? target : throw Full(size);
    }

    /// <summary>
    /// <see cref="GetFrameBuffer(int, ulong, CancellationToken)"/> that waits up to
    /// <paramref name="timeout"/> and says whether it claimed (topics: a subscriber whose ring is
    /// full misses the frame instead of holding the publisher back).
    /// </summary>
    internal Span<byte> TryGetFrameBuffer(int size, ulong sequence, TimeSpan timeout, CancellationToken cancellationToken, out bool claimed)
    {
        EnterGate();
        try
        {
            return TryClaim(size, sequence, timeout, cancellationToken, out claimed);
        }
        finally
        {
            _writeGate.Exit();
        }
    }

    /// <summary>Publishes the frame acquired with <see cref="GetFrameBuffer(int)"/>: header, counters, then one wake-up.</summary>
    /// <exception cref="InvalidOperationException">No frame is acquired.</exception>
    public void CommitFrame()
    {
        if (!_ring.HasClaim)
        {
            ThrowIfDisposed();
            throw new InvalidOperationException($"No frame of buffer '{Name}' to commit; call GetFrameBuffer first.");
        }

        EnterGate();
        try
        {
            _ring.Commit();
        }
        finally
        {
            _writeGate.Exit();
        }
    }

    /// <summary>Drops the acquired frame: nothing was published, the next frame reuses the space and sequence number.</summary>
    public void AbortFrame()
    {
        ThrowIfDisposed();
        _ring.Abort();
    }

    /// <summary>
    /// Plans a frame of <paramref name="size"/> bytes, waits for its space, and claims it; returns
    /// the bytes to fill (<paramref name="claimed"/> false on timeout). The caller holds the gate.
    /// </summary>
    private Span<byte> TryClaim(int size, ulong sequence, TimeSpan timeout, CancellationToken cancellationToken, out bool claimed)
    {
        ThrowIfDisposed();
        if (_asyncWaiting != 0)
        {
            throw new InvalidOperationException($"An asynchronous write to buffer '{Name}' is waiting; await it before writing again.");
        }

        long required = _ring.Plan(size);
        EnsureReaderAlive(force: false);
        if (!_ring.HasSpace(required) && !WaitForSpace(required, timeout, cancellationToken))
        {
            claimed = false;
            return default;
        }

        _pendingThreadId = Environment.CurrentManagedThreadId;
        claimed = true;
        return _ring.Claim(sequence);
    }

    /// <summary>
    /// Waits until <c>payload_free_bytes &gt;= required</c>, as <see cref="WaitStrategy"/> says
    /// (<see cref="PeerWait"/>); false on timeout. The caller holds the gate.
    /// </summary>
    private bool WaitForSpace(long required, TimeSpan timeout, CancellationToken cancellationToken)
    {
        _cancelWakeup.Arm(cancellationToken); // kept across waits: registers once per token, not per wait
        _requiredSpace = required;
        long started = Stopwatch.GetTimestamp(); // one clock reading for the deadline, the metrics and the wait
        _metrics.WaitStarted(started);
        return PeerWait.Wait(this, _spaceAvailable, _waitStrategy, Deadline.After(timeout, started), started, _metrics, cancellationToken);
    }

    SpinHistory IPeerWaiter.Spins => _spins;

    bool IPeerWaiter.TryComplete(bool tokenHeld) => _ring.RefreshSpace(_requiredSpace);

    bool IPeerWaiter.CheckPeer(long now, bool force)
    {
        EnsureReaderAlive(force); // its own clock: Environment.TickCount64 is cheaper per frame
        return false;
    }

    void IPeerWaiter.GoIdle() => _spaceAvailable.Drain();

    void IPeerWaiter.ThrowIfClosed() => ThrowIfClosedWhileWaiting();

    private void ThrowIfClosedWhileWaiting()
    {
        if (_writeGate.IsClosed)
        {
            throw new ObjectDisposedException(nameof(Writer), $"The writer of buffer '{Name}' was disposed while waiting for space.");
        }
    }

    /// <summary>
    /// Looks at the reader now (one liveness probe) and throws <see cref="ReaderDeadException"/>
    /// if it is gone, giving up this writer's claim like any write would (protocol §5.3).
    /// </summary>
    internal void ThrowIfReaderGone()
    {
        EnterGate();
        try
        {
            EnsureReaderAlive(force: true);
        }
        finally
        {
            _writeGate.Exit();
        }
    }

    /// <summary>
    /// Throws <see cref="ReaderDeadException"/> (<see cref="ReaderClosedException"/> when it closed
    /// on purpose) once the reader is gone. Reads the PID every call, asks the reader's lock (or its
    /// PID) at most once per liveness interval unless forced.
    /// </summary>
    private void EnsureReaderAlive(bool force)
    {
        ulong pid = Volatile.Read(ref _oieb->ReaderPid);
        if (pid != 0)
        {
            long now = Environment.TickCount64;
            if (!force && now < _nextLivenessCheck)
            {
                return;
            }

            _nextLivenessCheck = now + LivenessCheckIntervalMs;
        }

        PeerState reader = PeerLiveness.Reader(ControlBlockSource.Mapped(_oieb, _segment.Length), _segment.Descriptor, Name, out ControlBlock block);
        if (reader == PeerState.Alive)
        {
            return;
        }

        // Give up our claim (only our own PID, never another writer's, and our lock): with the
        // reader gone and no live writer, the name is stale and a new reader can recreate it (§5.3).
        _claim.Abandon();
        Log.ReaderGone(_logger, Name, block.ReaderPid);
        if (reader == PeerState.Died)
        {
            _metrics.PeerDied();
        }

        throw reader switch
        {
            PeerState.Closing or PeerState.Closed => new ReaderClosedException(Name, $"The reader of buffer '{Name}' has closed the buffer."),
            PeerState.Absent => new ReaderDeadException(Name, $"The reader of buffer '{Name}' has closed the buffer."),
            _ => new ReaderDeadException(Name, $"The reader of buffer '{Name}' (PID {pid}) died."),
        };
    }

    /// <summary>
    /// The error of a write that found no room within its timeout, saying what holds the space:
    /// frames the reader took and never disposed, or frames it has not read (§4.6). Measured only
    /// while the gate still lets this writer in (the mapping may be going away otherwise).
    /// </summary>
    private BufferFullException Full(int size)
    {
        long required = _requiredSpace; // set by the wait that timed out
        string waited = _writeTimeout == Timeout.InfiniteTimeSpan ? "forever" : $"{_writeTimeout.TotalMilliseconds:0} ms";
        if (!_writeGate.TryEnter())
        {
            return new BufferFullException(Name, $"Buffer '{Name}' stayed full for {waited}: a frame of {size} bytes needs {required} bytes.");
        }

        try
        {
            RingOccupancy occupancy = _ring.MeasureOccupancy();
            string message = $"Buffer '{Name}' stayed full for {waited}: a frame of {size} bytes needs {required} bytes, " +
                             $"{occupancy.FreeBytes} of {_ring.RingSize} are free. {occupancy.Describe()}";
            Log.ReportedError(_logger, Name, message);
            return new BufferFullException(Name, message, required, occupancy);
        }
        finally
        {
            _writeGate.Exit();
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>Enters the gate that keeps the mapping alive, or throws once disposed. Pair with <c>_writeGate.Exit()</c>.</summary>
    private void EnterGate()
    {
        if (!_writeGate.TryEnter())
        {
            throw new ObjectDisposedException(nameof(Writer), $"The writer of buffer '{Name}' was disposed.");
        }
    }

    ulong IMeteredEndpoint.Frames => _ring.FramesWritten;

    ulong IMeteredEndpoint.Bytes => _ring.BytesWritten;

    int IMeteredEndpoint.HeldFrames => 0;

    bool IMeteredEndpoint.TryReadUtilization(out double utilization)
    {
        utilization = 0;
        if (!_writeGate.TryEnter())
        {
            return false;
        }

        try
        {
            utilization = ControlBlock.Read(_oieb, _segment.Length).ToStatus(Name).Utilization;
            return true;
        }
        finally
        {
            _writeGate.Exit();
        }
    }

    /// <summary>Disconnects: clears the writer PID (the reader notices within its next liveness slice) and closes handles. Never removes the buffer.</summary>
    public void Dispose()
    {
        // Wake a write blocked on another thread and let it leave before the memory goes.
        if (!_writeGate.Close(() => _spaceAvailable.Post()))
        {
            return;
        }

        _metrics.Stop();

        // A zero-copy frame or metadata acquired on ANOTHER thread may still be being filled
        // through its span: unmapping now would crash that thread. Keep the mapping then (it
        // goes with the process); on the acquiring thread itself the span is no longer in use.
        bool filledElsewhere = (_ring.HasClaim || _metadata.HasClaim)
                               && _pendingThreadId != Environment.CurrentManagedThreadId;
        _disposed = true;
        _ring.Abort();
        _metadata.Abort();
        _claim.Close(); // "closed", then writer_pid 0: the reader reports a clean end of stream
        Log.WriterClosedStream(_logger, Name, _claim.Generation);
        _cancelWakeup.Dispose(); // the writing thread has left: no callback may post a closed semaphore
        _dataAvailable.Dispose();
        _spaceAvailable.Dispose();
        if (filledElsewhere)
        {
            _segment.CloseDescriptorKeepMapping(); // the mapping stays with the process (the lock went with Close)
        }
        else
        {
            _segment.Dispose();
        }

        Log.WriterDisconnected(_logger, Name, _ring.FramesWritten);
    }
}
