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
    private readonly ReleaseQueue _releases = new();
    private readonly Lock _memoryGate = new(); // held while touching shared memory from Release; Dispose takes it to unmap
    private readonly UsageGate _readGate = new(); // a read in progress; Dispose waits for it to leave before unmapping

    // Reader-thread state (mirrors of the OIEB fields only the reader writes).
    private long _readPosition;
    private ulong _readCount;
    private ulong _expectedSequence = ZeroBufferLayout.FirstSequence;

    private bool _writerSeen; // a live writer PID was observed once, even if that writer never wrote
    private bool _disposed;

    /// <summary>Creates the buffer <paramref name="name"/> and becomes its reader.</summary>
    /// <param name="name">Buffer name: 1-200 characters from [A-Za-z0-9._-].</param>
    /// <param name="config">Metadata and ring sizes.</param>
    /// <param name="logger">Lifecycle and error logging; nothing is logged per frame.</param>
    /// <exception cref="ArgumentException">Invalid name.</exception>
    /// <exception cref="ReaderAlreadyConnectedException">A live reader (or a live writer of a crashed reader) owns the name.</exception>
    /// <exception cref="SystemCallException">The OS refused (e.g. ENOSPC: <c>/dev/shm</c> too small).</exception>
    public Reader(string name, BufferConfig config, ILogger? logger = null)
    {
        Platform.EnsureSupported();
        ResourceNames.Validate(name);
        ArgumentNullException.ThrowIfNull(config);
        _logger = logger ?? NullLogger.Instance;
        Name = name;
        Config = config;

        StaleBufferSweeper.Sweep(exceptName: name, _logger);
        _resources = ReaderResources.Create(name, config, _logger);
        _oieb = _resources.Oieb;
        _metadata = _resources.Segment.Pointer + ZeroBufferLayout.MetadataBlockOffset;
        _metadataBlockSize = config.MetadataBlockSize;
        _ring = _resources.Segment.Pointer + ZeroBufferLayout.PayloadOffset(config.MetadataBlockSize);
        _ringSize = config.PayloadBlockSize;
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

    /// <summary>Frames read and not yet given back (held, or released early and queued behind an older one).</summary>
    public int OutstandingFrames => _releases.Outstanding;

    /// <summary>Whether a writer is connected and its process alive.</summary>
    public bool IsWriterConnected()
    {
        EnterGate();
        try
        {
            return ProcessLiveness.IsAlive(Volatile.Read(ref _oieb->WriterPid));
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
            return OiebSnapshot.Read(_oieb, Name);
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
    /// <exception cref="WriterDeadException">The writer is gone and every frame it committed was read.</exception>
    /// <exception cref="SequenceError">The next frame's sequence number is not the expected one (the frame is kept for the next read).</exception>
    /// <exception cref="BufferCorruptedException">A frame header is impossible.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Frame ReadFrame(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        _ = TryReadFrame(timeout, out Frame frame, cancellationToken);
        return frame;
    }

    /// <summary>Waits for the next frame; false when none arrived within <paramref name="timeout"/>.</summary>
    /// <inheritdoc cref="ReadFrame" path="/exception"/>
    public bool TryReadFrame(TimeSpan timeout, out Frame frame, CancellationToken cancellationToken = default)
    {
        Deadline deadline = Deadline.After(timeout);
        EnterGate();

        CancellationTokenRegistration wakeOnCancel = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static s => ((NamedSemaphore)s!).Post(), _resources.DataAvailable)
            : default;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                bool token = _resources.DataAvailable.Wait(deadline.NextSliceMilliseconds());
                if (_readGate.IsClosed)
                {
                    throw new ObjectDisposedException(nameof(Reader), $"The reader of buffer '{Name}' was disposed while reading.");
                }

                if (token)
                {
                    // A token is trusted only when a frame is really there (extra tokens are harmless).
                    if (TryTakeFrame(tokenHeld: true, out frame))
                    {
                        return true;
                    }

                    continue;
                }

                // A quiet slice with a committed frame means its token is late or lost (a writer
                // between its count store and its post, killed there, or a foreign writer that
                // skips posts): take it; the token, if it comes, is then stale and harmless.
                if (TryTakeFrame(tokenHeld: false, out frame))
                {
                    return true;
                }

                if (WriterIsGone())
                {

                    ulong pid = Volatile.Read(ref _oieb->WriterPid);
                    Log.WriterGone(_logger, Name, pid);
                    throw new WriterDeadException(Name, pid == 0
                        ? $"The writer of buffer '{Name}' disconnected and every frame it wrote has been read."
                        : $"The writer of buffer '{Name}' (PID {pid}) died and every frame it committed has been read.");
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
            wakeOnCancel.Dispose();
            _readGate.Exit();
        }
    }

    /// <summary>
    /// Whether a writer that was connected is no longer: its PID is 0 or dead, after a writer was
    /// seen (a live PID observed here, a PID left behind, or frames written).
    /// </summary>
    private bool WriterIsGone()
    {
        ulong pid = Volatile.Read(ref _oieb->WriterPid);
        if (ProcessLiveness.IsAlive(pid))
        {
            _writerSeen = true;
            return false;
        }

        return _writerSeen || pid != 0 || Volatile.Read(ref _oieb->PayloadWrittenCount) != 0;
    }

    /// <summary>
    /// Consumes the next frame if one is committed (written count ahead of read count). With
    /// <paramref name="tokenHeld"/>, the consumed sem-w token is given back whenever the frame is
    /// not consumed (an error), so the token count keeps matching the frames.
    /// </summary>
    private bool TryTakeFrame(bool tokenHeld, out Frame frame)
    {
        frame = Frame.Invalid;
        ulong written = Volatile.Read(ref _oieb->PayloadWrittenCount); // acquire: header and data are visible
        if (written <= _readCount)
        {
            return false;
        }

        long position = _readPosition;
        if (_ringSize - position < ZeroBufferLayout.FrameHeaderSize)
        {
            // Implicit wrap: a tail too short for a header (or read_pos == P) holds nothing.
            ReturnSpace(_releases.EnqueueTail(_ringSize - position));
            position = 0;
            PublishPosition(position);
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
                throw FailRead(tokenHeld, $"frame header at ring offset {position} has length 0 and sequence {markerSequence}: neither a frame (length > 0) nor a wrap marker (sequence 0, not at offset 0)");
            }

            // Explicit wrap marker: skip the tail, count the marker, read the frame at 0 under the same token.
            _readCount++;
            ReturnSpace(_releases.EnqueueTail(_ringSize - position));
            position = 0;
            PublishPosition(position);
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
            throw FailRead(tokenHeld, $"frame header at ring offset {position} has length {length}, which does not fit the {_ringSize}-byte ring");
        }

        if (CheckSequenceContinuity && sequence != _expectedSequence && !IsNewWriterConnection(sequence))
        {
            // Keep the frame for the next read, and expect its successors from now on.
            ulong expected = _expectedSequence;
            _expectedSequence = sequence;
            if (tokenHeld)
            {
                _resources.DataAvailable.Post();
            }

            Log.ReportedError(_logger, Name, $"sequence error: expected {expected}, got {sequence}");
            throw new SequenceError(Name, expected, sequence);
        }

        long total = ZeroBufferLayout.FrameHeaderSize + (long)length;
        long ticket = _releases.EnqueueFrame(total);
        long next = position + total;
        _readPosition = next == _ringSize ? 0 : next;
        _readCount++;
        Volatile.Write(ref _oieb->PayloadReadPos, (ulong)_readPosition);
        Volatile.Write(ref _oieb->PayloadReadCount, _readCount);

        _expectedSequence = sequence + 1;

        frame = new Frame(this, ticket, header + ZeroBufferLayout.FrameHeaderSize, (int)length, sequence);
        return true;
    }

    /// <summary>
    /// A frame with sequence 1 where another number was expected starts a new writer connection
    /// (protocol-v1 §4.4): a writer numbers its frames from 1 and never repeats a number, so 1
    /// can only come from a new connection. Its PID cannot tell: by the time the reader reaches
    /// the frame, the PID in the OIEB may already belong to yet another writer.
    /// </summary>
    private bool IsNewWriterConnection(ulong sequence)
    {
        if (sequence != ZeroBufferLayout.FirstSequence)
        {
            return false;
        }

        Log.WriterRestarted(_logger, Name);
        return true;
    }

    private void PublishPosition(long position)
    {
        _readPosition = position;
        Volatile.Write(ref _oieb->PayloadReadPos, (ulong)position);
        Volatile.Write(ref _oieb->PayloadReadCount, _readCount);
    }

    private BufferCorruptedException FailRead(bool tokenHeld, string problem)
    {
        if (tokenHeld)
        {
            _resources.DataAvailable.Post();
        }

        return Corrupted(problem);
    }

    private BufferCorruptedException Corrupted(string problem)
    {
        Log.ReportedError(_logger, Name, problem);
        return new BufferCorruptedException(Name, $"Buffer '{Name}' is corrupted: {problem}.");
    }

    /// <summary>Called by <see cref="Frame.Dispose"/>.</summary>
    internal void Release(long ticket)
    {
        lock (_memoryGate)
        {
            if (_disposed)
            {
                return;
            }

            ReturnSpace(_releases.Release(ticket));
        }
    }

    /// <summary>Called by <see cref="Frame.Span"/>: a disposed frame's bytes may already be rewritten.</summary>
    internal void EnsureHeld(long ticket)
    {
        if (_disposed || !_releases.IsHeld(ticket))
        {
            throw new ObjectDisposedException(nameof(Frame), $"The frame was disposed (buffer '{Name}'); its bytes may have been reused.");
        }
    }

    /// <summary>Gives space back to the writer: one atomic add, and one sem-r post when a frame (not only a tail) was returned.</summary>
    private void ReturnSpace(ReleaseQueue.Returned returned)
    {
        if (returned.IsEmpty)
        {
            return;
        }

        Interlocked.Add(ref *(long*)&_oieb->PayloadFreeBytes, returned.Bytes);
        if (returned.Frames > 0)
        {
            _resources.SpaceAvailable.Post();
        }
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

        lock (_memoryGate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _resources.Dispose();
        }

        Log.ReaderClosed(_logger, Name);
    }
}
