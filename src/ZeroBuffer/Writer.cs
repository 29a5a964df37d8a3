using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ZeroBuffer.Interop;
using ZeroBuffer.Primitives;
using ZeroBuffer.Protocol;

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
public sealed unsafe class Writer : IDisposable
{
    private static readonly long LivenessCheckIntervalMs = (long)PeerLiveness.CheckInterval.TotalMilliseconds; // on Environment.TickCount64: cheap enough per frame
    private const ulong StaleTokenDrainInterval = (1 << 16) - 1; // drain sem-r every 65 536 frames

    private readonly ILogger _logger;
    private readonly SharedMemorySegment _segment;
    private readonly NamedSemaphore _dataAvailable;
    private readonly NamedSemaphore _spaceAvailable;
    private readonly CancellationWakeup _cancelWakeup;
    private readonly Oieb* _oieb;
    private readonly byte* _metadata;
    private readonly long _metadataBlockSize;
    private readonly byte* _ring;
    private readonly long _ringSize;
    private readonly WriterSession _claim; // writer_pid, and with writer sessions the lock, the session and the commit record
    private readonly bool _recordsCommits;
    private readonly bool _readerSkipsShortTails; // the reader advertises our extensions, so it skips tails of 1-15 bytes

    // Writer-owned state, mirrored into the OIEB at each commit.
    private long _writePosition;
    private ulong _writtenCount;
    private ulong _nextSequence = ZeroBufferLayout.FirstSequence;
    private ulong _framesWritten;

    // The frame between GetFrameBuffer and CommitFrame (Length < 0: none).
    private WritePlan _pendingPlan;
    private int _pendingLength = -1;
    private ulong _pendingSequence; // an explicit sequence for the acquired frame (duplex responses); 0 = the next of this writer
    private int _pendingMetadataLength = -1;
    private int _pendingThreadId; // the thread that acquired the pending frame or metadata
    private bool _metadataWritten;

    private readonly UsageGate _writeGate = new(); // a write in progress; Dispose waits for it to leave before unmapping
    private long _nextLivenessCheck;
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

        SharedMemorySegment? segment = null;
        NamedSemaphore? dataAvailable = null;
        NamedSemaphore? spaceAvailable = null;
        try
        {
            segment = SharedMemorySegment.OpenExisting(ResourceNames.Segment(name), name)
                      ?? throw new BufferNotFoundException(name, $"Buffer '{name}' not found: no reader has created it.");
            _oieb = (Oieb*)segment.Pointer;
            ControlBlock block = ControlBlock.Read(_oieb, segment.Length);
            (_metadataBlockSize, _ringSize) = ValidateControlBlock(block, name);
            _metadata = segment.Pointer + ZeroBufferLayout.MetadataBlockOffset;
            _ring = segment.Pointer + ZeroBufferLayout.PayloadOffset(_metadataBlockSize);

            dataAvailable = NamedSemaphore.OpenExisting(ResourceNames.DataAvailableSemaphore(name), name)
                            ?? throw new BufferNotFoundException(name, $"Buffer '{name}' not found: its semaphore '{ResourceNames.DataAvailableSemaphore(name)}' is missing.");
            spaceAvailable = NamedSemaphore.OpenExisting(ResourceNames.SpaceAvailableSemaphore(name), name)
                             ?? throw new BufferNotFoundException(name, $"Buffer '{name}' not found: its semaphore '{ResourceNames.SpaceAvailableSemaphore(name)}' is missing.");

            PeerState reader = PeerLiveness.Reader(ControlBlockSource.Mapped(_oieb, segment.Length), segment.Descriptor, name, out block);
            if (reader != PeerState.Alive)
            {
                throw new ReaderDeadException(name, reader switch
                {
                    PeerState.Absent => $"Buffer '{name}' has no reader (reader PID 0).",
                    PeerState.Closing or PeerState.Closed => $"The reader of buffer '{name}' has closed it.",
                    _ => $"The reader of buffer '{name}' (PID {block.ReaderPid}) is not alive.",
                });
            }

            _claim = WriterSession.Claim(segment, dataAvailable, name, _logger);
            _recordsCommits = _claim.KeepsCommitRecord;
            _readerSkipsShortTails = block.ExtensionMagic == ZeroBufferLayout.ExtensionMagic;

            // Take over where the previous writer (if any) stopped (after a finished interrupted commit).
            _writePosition = (long)Volatile.Read(ref _oieb->PayloadWritePos);
            _writtenCount = Volatile.Read(ref _oieb->PayloadWrittenCount);
            _metadataWritten = Volatile.Read(ref _oieb->MetadataWrittenBytes) != 0;
            _segment = segment;
            _dataAvailable = dataAvailable;
            _spaceAvailable = spaceAvailable;
            _cancelWakeup = new CancellationWakeup(spaceAvailable);
            Log.WriterConnected(_logger, name, (ulong)_ringSize, block.ReaderPid);
        }
        catch
        {
            _claim?.Abandon(); // a failed connect undoes its own claim (PID and lock), never another's
            spaceAvailable?.Dispose();
            dataAvailable?.Dispose();
            segment?.Dispose(); // unmapping and closing also drop a writer lock a failed claim took
            throw;
        }
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
    public long MetadataBlockSize => _metadataBlockSize;

    /// <summary>Ring size P of the connected buffer.</summary>
    public long RingSize => _ringSize;

    /// <summary>Frames committed by this writer.</summary>
    public ulong FramesWritten => _framesWritten;

    /// <summary>The sequence number the next frame gets.</summary>
    public ulong NextSequence => _nextSequence;

    /// <summary>
    /// Largest frame that always fits, wherever the write position is, and never leaves a tail
    /// of 1 to 15 bytes at the end of the ring, so it is safe with every reader, upstream ones
    /// included: <c>⌊(P − 13) / 2⌋ − 17</c>, which is <c>P / 2 − 24</c> for an even ring
    /// (docs/protocol.md §3.2). Size the ring at least <c>2 × (largest frame + 24)</c>.
    /// </summary>
    public int MaxFrameSizeAnywhere => (int)Math.Min(int.MaxValue, WritePlan.MaxFrameSizeAnywhere(_ringSize));

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
            return GetMetadataBufferUnsynchronized(size);
        }
        finally
        {
            _writeGate.Exit();
        }
    }

    private Span<byte> GetMetadataBufferUnsynchronized(int size)
    {
        if (_pendingMetadataLength >= 0)
        {
            throw new InvalidOperationException($"Metadata of buffer '{Name}' is already acquired; call CommitMetadata first.");
        }

        if (_metadataWritten || Volatile.Read(ref _oieb->MetadataWrittenBytes) != 0)
        {
            _metadataWritten = true;
            throw new MetadataAlreadyWrittenException(Name, $"Metadata of buffer '{Name}' was already written; it is written once per buffer.");
        }

        if (size <= 0)
        {
            // C++ and Python readers reject a stored length of 0 as invalid metadata.
            throw new ArgumentOutOfRangeException(nameof(size), size,
                $"Metadata of {size} bytes is invalid for buffer '{Name}': write at least 1 byte, or none at all.");
        }

        if (ZeroBufferLayout.MetadataPrefixSize + (long)size > _metadataBlockSize)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size,
                $"Metadata of {size} bytes does not fit buffer '{Name}': 8 + {size} > metadata block of {_metadataBlockSize} bytes (at most {Math.Max(0, _metadataBlockSize - ZeroBufferLayout.MetadataPrefixSize)}).");
        }

        _pendingMetadataLength = size;
        _pendingThreadId = Environment.CurrentManagedThreadId;
        return new Span<byte>(_metadata + ZeroBufferLayout.MetadataPrefixSize, size);
    }

    /// <summary>Publishes the metadata acquired with <see cref="GetMetadataBuffer"/>.</summary>
    public void CommitMetadata()
    {
        EnterGate();
        try
        {
            CommitMetadataUnsynchronized();
        }
        finally
        {
            _writeGate.Exit();
        }
    }

    private void CommitMetadataUnsynchronized()
    {
        if (_pendingMetadataLength < 0)
        {
            throw new InvalidOperationException($"No metadata of buffer '{Name}' to commit; call GetMetadataBuffer first.");
        }

        ulong written = ZeroBufferLayout.MetadataPrefixSize + (ulong)_pendingMetadataLength;
        *(ulong*)_metadata = (ulong)_pendingMetadataLength;
        Volatile.Write(ref _oieb->MetadataFreeBytes, (ulong)_metadataBlockSize - written);
        Volatile.Write(ref _oieb->MetadataWrittenBytes, written); // release: prefix and content first
        _pendingMetadataLength = -1;
        _metadataWritten = true;
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
            if (!TryAcquire(data.Length, _writeTimeout, cancellationToken))
            {
                throw Full(data.Length);
            }

            data.CopyTo(new Span<byte>(_ring + _pendingPlan.FramePosition + ZeroBufferLayout.FrameHeaderSize, data.Length));
            CommitUnsynchronized();
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

        EnterGate();
        try
        {
            if (!TryAcquire(data.Length, timeout, cancellationToken))
            {
                return false;
            }

            data.CopyTo(new Span<byte>(_ring + _pendingPlan.FramePosition + ZeroBufferLayout.FrameHeaderSize, data.Length));
            CommitUnsynchronized();
            return true;
        }
        finally
        {
            _writeGate.Exit();
        }
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
        EnterGate();
        try
        {
            if (!TryAcquire(size, _writeTimeout, CancellationToken.None))
            {
                throw Full(size);
            }
        }
        finally
        {
            _writeGate.Exit();
        }

        sequence = _nextSequence;
        return new Span<byte>(_ring + _pendingPlan.FramePosition + ZeroBufferLayout.FrameHeaderSize, size);
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
        EnterGate(); // held across wait, copy and commit, as in WriteFrame(ReadOnlySpan<byte>, CancellationToken)
        try
        {
            if (!TryAcquire(data.Length, _writeTimeout, cancellationToken))
            {
                throw Full(data.Length);
            }

            _pendingSequence = sequence;
            data.CopyTo(new Span<byte>(_ring + _pendingPlan.FramePosition + ZeroBufferLayout.FrameHeaderSize, data.Length));
            CommitUnsynchronized();
        }
        finally
        {
            _writeGate.Exit();
        }
    }

    /// <summary>Zero-copy counterpart of <see cref="WriteFrame(ReadOnlySpan{byte}, ulong, CancellationToken)"/>: commit with <see cref="CommitFrame"/>.</summary>
    internal Span<byte> GetFrameBuffer(int size, ulong sequence, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfZero(sequence);
        EnterGate();
        try
        {
            if (!TryAcquire(size, _writeTimeout, cancellationToken))
            {
                throw Full(size);
            }
        }
        finally
        {
            _writeGate.Exit();
        }

        _pendingSequence = sequence;
        return new Span<byte>(_ring + _pendingPlan.FramePosition + ZeroBufferLayout.FrameHeaderSize, size);
    }

    /// <summary>Publishes the frame acquired with <see cref="GetFrameBuffer(int)"/>: header, counters, then one wake-up.</summary>
    /// <exception cref="InvalidOperationException">No frame is acquired.</exception>
    public void CommitFrame()
    {
        if (_pendingLength < 0)
        {
            ThrowIfDisposed();
            throw new InvalidOperationException($"No frame of buffer '{Name}' to commit; call GetFrameBuffer first.");
        }

        EnterGate();
        try
        {
            CommitUnsynchronized();
        }
        finally
        {
            _writeGate.Exit();
        }
    }

    private void CommitUnsynchronized()
    {
        WritePlan plan = _pendingPlan;
        long total = ZeroBufferLayout.FrameHeaderSize + (long)_pendingLength;
        ulong written = _writtenCount;
        if (plan.WritesMarker)
        {
            FrameHeader.WriteWrapMarker(_ring + _writePosition);
            written++;
        }

        ulong sequence = _pendingSequence != 0 ? _pendingSequence : _nextSequence;
        FrameHeader.Write(_ring + plan.FramePosition, (ulong)_pendingLength, sequence);
        written++;
        long next = plan.FramePosition + total;
        _writePosition = next == _ringSize ? 0 : next;
        _writtenCount = written;

        // Space first: a writer killed mid-commit can only leak capacity, never over-credit it. Then
        // the position, the record and the count: a successor finishes a commit interrupted after
        // the position (§5.2). The record sits on the count's cache line, stored right before it, so
        // the line travels to the writer once per commit, as without a record.
        Interlocked.Add(ref *(long*)&_oieb->PayloadFreeBytes, -plan.Required);
        Volatile.Write(ref _oieb->PayloadWritePos, (ulong)_writePosition);
        if (_recordsCommits)
        {
            _claim.RecordCommit(_writePosition, written);
        }

        Volatile.Write(ref _oieb->PayloadWrittenCount, written); // release: header and data first; pairs with the reader's acquire
        _dataAvailable.Post();

        if (_pendingSequence == 0)
        {
            _nextSequence++;
        }

        _framesWritten++;
        _pendingLength = -1;
        _pendingSequence = 0;
        if ((_framesWritten & StaleTokenDrainInterval) == 0)
        {
            // The reader posts sem-r per release even when nobody waits; a writer that never has
            // to wait would let the count climb towards SEM_VALUE_MAX. Keep it bounded.
            _spaceAvailable.Drain();
        }
    }

    /// <summary>Drops the acquired frame: nothing was published, the next frame reuses the space and sequence number.</summary>
    public void AbortFrame()
    {
        ThrowIfDisposed();
        _pendingLength = -1;
        _pendingSequence = 0;
    }

    /// <summary>Validates the frame, plans its place, and waits for its space. False on timeout. The caller holds the gate.</summary>
    private bool TryAcquire(int size, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        if (_pendingLength >= 0)
        {
            throw new InvalidOperationException($"A frame of buffer '{Name}' is already acquired; call CommitFrame or AbortFrame first.");
        }

        if (size <= 0)
        {
            throw new InvalidFrameSizeException(Name, $"Frame size {size} is invalid for buffer '{Name}': frames must have at least 1 byte (length 0 is the wrap marker).");
        }

        long total = ZeroBufferLayout.FrameHeaderSize + (long)size;
        if (total > _ringSize)
        {
            throw new FrameTooLargeException(Name, $"Frame of {size} bytes can never fit buffer '{Name}': 16 + {size} > ring of {_ringSize} bytes.");
        }

        if (!WritePlan.TryCreate(_ringSize, _writePosition, total, out WritePlan plan))
        {
            throw new FrameTooLargeException(Name,
                $"Frame of {size} bytes cannot be placed in buffer '{Name}' at write position {_writePosition}: it does not fit before the end of the " +
                $"{_ringSize}-byte ring, and wrapping would need {_ringSize - _writePosition} + {total} bytes, more than the ring. " +
                $"Frames of up to {MaxFrameSizeAnywhere} bytes always fit; size the ring at least 2 x (largest frame + 24) bytes.");
        }

        if (!_readerSkipsShortTails && plan.LeavesShortTail(_ringSize, total))
        {
            // An upstream reader reads a header across the end of the ring there, and fails.
            long end = plan.FramePosition + total;
            throw new FrameTooLargeException(Name,
                $"Frame of {size} bytes cannot be placed in buffer '{Name}' at write position {_writePosition}: it would leave a " +
                $"{_ringSize - end}-byte tail at the end of the {_ringSize}-byte ring, which the buffer's reader (an implementation without " +
                $"the ZeroBuffer extensions) cannot skip. Frames of up to {MaxFrameSizeAnywhere} bytes never leave such a tail.");
        }

        EnsureReaderAlive(force: false);
        if (!WaitForSpace(plan.Required, timeout, cancellationToken))
        {
            return false;
        }

        _pendingPlan = plan;
        _pendingLength = size;
        _pendingThreadId = Environment.CurrentManagedThreadId;
        return true;
    }

    /// <summary>
    /// Waits until <c>payload_free_bytes &gt;= required</c>: polls while <see cref="WaitStrategy"/>
    /// says so, then sleeps on sem-r in liveness slices. Stale sem-r tokens are drained before
    /// each sleep so their count stays bounded (protocol-v1 §6).
    /// </summary>
    private bool WaitForSpace(long required, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ref long free = ref *(long*)&_oieb->PayloadFreeBytes;
        long available = Volatile.Read(ref free);
        if ((ulong)available > (ulong)_ringSize)
        {
            // More free bytes than the ring holds: trusting it would overwrite unread frames.
            throw new BufferCorruptedException(Name,
                $"Buffer '{Name}' is corrupted: payload_free_bytes is {(ulong)available}, more than the {_ringSize}-byte ring.");
        }

        if (available >= required)
        {
            return true; // the common case: no clock read, no registration
        }

        Deadline deadline = Deadline.After(timeout);
        _cancelWakeup.Arm(cancellationToken); // kept across waits: registers once per token, not per wait
        WaitStrategy strategy = _waitStrategy;
        long start = Stopwatch.GetTimestamp();
        int attempt = 0;
        while (strategy.Idle(attempt, Stopwatch.GetElapsedTime(start)))
        {
            attempt = attempt == int.MaxValue ? attempt : attempt + 1;
            if (Volatile.Read(ref free) >= required)
            {
                return true;
            }

            ThrowIfClosedWhileWaiting();
            cancellationToken.ThrowIfCancellationRequested();
            EnsureReaderAlive(force: false); // looks at the reader at most every 100 ms
            if (deadline.HasExpired)
            {
                return false;
            }
        }

        while (true)
        {
            // No wake-up is lost: space returned after the drain posts after it.
            _spaceAvailable.Drain();
            if (Volatile.Read(ref free) >= required)
            {
                return true;
            }

            cancellationToken.ThrowIfCancellationRequested();
            ThrowIfClosedWhileWaiting();
            EnsureReaderAlive(force: false);
            if (deadline.HasExpired)
            {
                return false;
            }

            if (!_spaceAvailable.Wait(deadline.NextSliceMilliseconds()))
            {
                EnsureReaderAlive(force: true); // a quiet slice: look at the reader now
            }
            else if (Volatile.Read(ref free) >= required)
            {
                return true;
            }
        }
    }

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
        throw reader switch
        {
            PeerState.Closing or PeerState.Closed => new ReaderClosedException(Name, $"The reader of buffer '{Name}' has closed the buffer."),
            PeerState.Absent => new ReaderDeadException(Name, $"The reader of buffer '{Name}' has closed the buffer."),
            _ => new ReaderDeadException(Name, $"The reader of buffer '{Name}' (PID {pid}) died."),
        };
    }

    private BufferFullException Full(int size)
    {
        ulong free = Volatile.Read(ref _oieb->PayloadFreeBytes);
        string message = $"Buffer '{Name}' stayed full for {_writeTimeout.TotalMilliseconds:0} ms: a frame of {size} bytes needs {16 + (long)size}+ bytes, {free} of {_ringSize} are free.";
        Log.ReportedError(_logger, Name, message);
        return new BufferFullException(Name, message);
    }

    /// <summary>The sizes of a valid control block; the typed error of an invalid one (§5.2 step 2).</summary>
    private static (long MetadataBlockSize, long RingSize) ValidateControlBlock(in ControlBlock block, string name)
    {
        ControlBlockValidation validation = block.Validate();
        return validation.Status switch
        {
            ControlBlockStatus.Ok => ((long)block.MetadataSize, (long)block.PayloadSize),
            ControlBlockStatus.NotInitialized => throw new BufferNotFoundException(name,
                $"Buffer '{name}' is not initialised yet (its reader is still creating it, or died doing so)."),
            ControlBlockStatus.ProtocolMismatch => throw new ProtocolMismatchException(name,
                $"Buffer '{name}' speaks an incompatible protocol: OIEB size {block.OiebSize} (expected {ZeroBufferLayout.OiebSize}), " +
                $"version {block.VersionMajor}.{block.VersionMinor}.{block.VersionPatch} (expected major {ZeroBufferLayout.VersionMajor})."),
            _ => throw new BufferCorruptedException(name,
                $"Buffer '{name}' has an impossible control block: metadata size {block.MetadataSize}, payload size {block.PayloadSize}, " +
                $"segment length {block.SegmentLength}, write position {block.WritePosition}, read position {block.ReadPosition}, " +
                $"free bytes {block.PayloadFreeBytes} ({validation.Describe()})."),
        };
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

    /// <summary>Disconnects: clears the writer PID (the reader notices within its next liveness slice) and closes handles. Never removes the buffer.</summary>
    public void Dispose()
    {
        // Wake a write blocked on another thread and let it leave before the memory goes.
        if (!_writeGate.Close(() => _spaceAvailable.Post()))
        {
            return;
        }

        // A zero-copy frame or metadata acquired on ANOTHER thread may still be being filled
        // through its span: unmapping now would crash that thread. Keep the mapping then (it
        // goes with the process); on the acquiring thread itself the span is no longer in use.
        bool filledElsewhere = (_pendingLength >= 0 || _pendingMetadataLength >= 0)
                               && _pendingThreadId != Environment.CurrentManagedThreadId;
        _disposed = true;
        _pendingLength = -1;
        _pendingMetadataLength = -1;
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

        Log.WriterDisconnected(_logger, Name, _framesWritten);
    }
}
