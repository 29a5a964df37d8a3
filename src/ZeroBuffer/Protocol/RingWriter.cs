using System.Runtime.CompilerServices;
using ZeroBuffer.Primitives;

namespace ZeroBuffer.Protocol;

/// <summary>
/// The writer's half of the ring algorithm (docs/protocol.md §3): where a frame goes, whether its
/// space is free now, claiming it, and publishing it with the ordered stores of §3.5. It never
/// waits and never looks at the reader: the <see cref="Writer"/> endpoint does both, and calls
/// these steps from inside its gate.
/// </summary>
/// <remarks>
/// A frame is planned (<see cref="Plan"/>), its space checked (<see cref="HasSpace"/>), claimed
/// (<see cref="Claim"/>, which hands out the bytes to fill), then published (<see cref="Commit"/>)
/// or dropped (<see cref="Abort"/>). Nothing reaches the shared control block before the commit,
/// so a writer that dies before it leaves nothing half-visible.
/// </remarks>
internal sealed unsafe class RingWriter
{
    private const ulong StaleTokenDrainInterval = (1 << 16) - 1; // drain sem-r every 65 536 frames

    private readonly string _name;
    private readonly Oieb* _oieb;
    private readonly byte* _ring;
    private readonly WriterSession _claim; // keeps the commit record, with the extensions
    private readonly bool _recordsCommits;
    private readonly bool _readerSkipsShortTails; // the reader advertises our extensions, so it skips tails of 1-15 bytes
    private readonly NamedSemaphore _dataAvailable;
    private readonly NamedSemaphore _spaceAvailable;

    // Writer-owned state, mirrored into the OIEB at each commit.
    private long _writePosition;
    private ulong _writtenCount;
    private ulong _nextSequence = ZeroBufferLayout.FirstSequence;
    private ulong _framesWritten;
    private ulong _bytesWritten; // payload bytes of the frames written, for the metrics

    // payload_free_bytes as this writer last learned it (the result of its last atomic subtraction,
    // or a read): a lower bound of the truth, since only the reader adds and only this writer
    // subtracts. The shared field is read again only when this says there is no room, so a writer
    // that keeps finding room never pulls the control block's cache line from the reader to look.
    private long _freeBound;

    // The last plan, and the claimed frame between Claim and Commit (length < 0: none).
    private WritePlan _plan;
    private int _plannedLength;
    private int _claimedLength = -1;
    private ulong _claimedSequence; // an explicit number (duplex responses); 0 = the writer's next

    /// <param name="name">The buffer, for messages.</param>
    /// <param name="oieb">The mapped control block.</param>
    /// <param name="ring">The first byte of the ring.</param>
    /// <param name="ringSize">P.</param>
    /// <param name="claim">This writer's claim on the buffer (commit record).</param>
    /// <param name="readerSkipsShortTails">Whether the reader advertises our extensions (§3.2).</param>
    /// <param name="dataAvailable">sem-w, posted once per commit.</param>
    /// <param name="spaceAvailable">sem-r, drained now and then so its count stays bounded.</param>
    internal RingWriter(string name, Oieb* oieb, byte* ring, long ringSize, WriterSession claim, bool readerSkipsShortTails,
        NamedSemaphore dataAvailable, NamedSemaphore spaceAvailable)
    {
        _name = name;
        _oieb = oieb;
        _ring = ring;
        RingSize = ringSize;
        _claim = claim;
        _recordsCommits = claim.KeepsCommitRecord;
        _readerSkipsShortTails = readerSkipsShortTails;
        _dataAvailable = dataAvailable;
        _spaceAvailable = spaceAvailable;

        // Take over where the previous writer (if any) stopped (after a finished interrupted commit).
        _writePosition = (long)Volatile.Read(ref oieb->PayloadWritePos);
        _writtenCount = Volatile.Read(ref oieb->PayloadWrittenCount);
    }

    /// <summary>P.</summary>
    internal long RingSize { get; }

    /// <summary>Frames committed.</summary>
    internal ulong FramesWritten => Volatile.Read(ref _framesWritten);

    /// <summary>Payload bytes of the frames committed by this writer.</summary>
    internal ulong BytesWritten => Volatile.Read(ref _bytesWritten);

    /// <summary>The sequence number the next frame of this writer gets.</summary>
    internal ulong NextSequence => _nextSequence;

    /// <summary>Whether a frame is claimed and not yet committed or aborted.</summary>
    internal bool HasClaim => _claimedLength >= 0;

    /// <summary>The largest frame that fits anywhere and never leaves a short tail (§3.2).</summary>
    internal int MaxFrameSizeAnywhere => (int)Math.Min(int.MaxValue, WritePlan.MaxFrameSizeAnywhere(RingSize));

    /// <summary><c>payload_free_bytes</c> now.</summary>
    internal long FreeBytes => Volatile.Read(ref *(long*)&_oieb->PayloadFreeBytes);

    /// <summary>
    /// Validates a frame of <paramref name="size"/> bytes and plans its place (§3.1, §3.2); returns
    /// the free bytes it needs. Never waits: a frame that can never be placed from here is refused
    /// at once. <see cref="Claim"/> takes the plan.
    /// </summary>
    /// <exception cref="InvalidOperationException">A frame is already claimed.</exception>
    /// <exception cref="InvalidFrameSizeException"><paramref name="size"/> is 0 or negative.</exception>
    /// <exception cref="FrameTooLargeException">It can never fit, or not from this position, or it would leave a tail the reader cannot skip.</exception>
    internal long Plan(int size)
    {
        long total = ZeroBufferLayout.FrameHeaderSize + (long)size;
        if (_claimedLength >= 0 || size <= 0 || total > RingSize
            || !WritePlan.TryCreate(RingSize, _writePosition, total, out WritePlan plan)
            || (!_readerSkipsShortTails && plan.LeavesShortTail(RingSize, total)))
        {
            throw Refusal(size); // the rare paths, out of line
        }

        _plan = plan;
        _plannedLength = size;
        return plan.Required;
    }

    /// <summary>Why <see cref="Plan"/> refuses a frame of <paramref name="size"/> bytes.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private Exception Refusal(int size)
    {
        if (_claimedLength >= 0)
        {
            return new InvalidOperationException($"A frame of buffer '{_name}' is already acquired; call CommitFrame or AbortFrame first.");
        }

        if (size <= 0)
        {
            return new InvalidFrameSizeException(_name, $"Frame size {size} is invalid for buffer '{_name}': frames must have at least 1 byte (length 0 is the wrap marker).");
        }

        long total = ZeroBufferLayout.FrameHeaderSize + (long)size;
        if (total > RingSize)
        {
            return new FrameTooLargeException(_name, $"Frame of {size} bytes can never fit buffer '{_name}': 16 + {size} > ring of {RingSize} bytes.");
        }

        if (!WritePlan.TryCreate(RingSize, _writePosition, total, out WritePlan plan))
        {
            return new FrameTooLargeException(_name,
                $"Frame of {size} bytes cannot be placed in buffer '{_name}' at write position {_writePosition}: it does not fit before the end of the " +
                $"{RingSize}-byte ring, and wrapping would need {RingSize - _writePosition} + {total} bytes, more than the ring. " +
                $"Frames of up to {MaxFrameSizeAnywhere} bytes always fit; size the ring at least 2 x (largest frame + 24) bytes.");
        }

        // An upstream reader reads a header across the end of the ring there, and fails.
        long tail = RingSize - (plan.FramePosition + total);
        return new FrameTooLargeException(_name,
            $"Frame of {size} bytes cannot be placed in buffer '{_name}' at write position {_writePosition}: it would leave a " +
            $"{tail}-byte tail at the end of the {RingSize}-byte ring, which the buffer's reader (an implementation without " +
            $"the ZeroBuffer extensions) cannot skip. Frames of up to {MaxFrameSizeAnywhere} bytes never leave such a tail.");
    }

    /// <summary>What takes the ring's space now (for the message of a write that found no room, §4.6).</summary>
    internal RingOccupancy MeasureOccupancy() => OccupancyWalk.Measure(_oieb, _ring, RingSize);

    /// <summary>
    /// Whether <paramref name="required"/> bytes are free now: at once when the last free count
    /// this writer learned covers them, else from a fresh read of <c>payload_free_bytes</c>.
    /// </summary>
    /// <exception cref="BufferCorruptedException">Free bytes exceed the ring: trusting them would overwrite unread frames.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool HasSpace(long required) => _freeBound >= required || RefreshSpace(required);

    /// <summary>Reads <c>payload_free_bytes</c> afresh (the reader may have given space back) and says whether <paramref name="required"/> bytes are free.</summary>
    /// <exception cref="BufferCorruptedException">Free bytes exceed the ring: trusting them would overwrite unread frames.</exception>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal bool RefreshSpace(long required)
    {
        long available = FreeBytes;
        if ((ulong)available > (ulong)RingSize)
        {
            ThrowFreeBytesAboveRing(available);
        }

        _freeBound = available;
        return available >= required;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowFreeBytesAboveRing(long available) =>
        throw new BufferCorruptedException(_name,
            $"Buffer '{_name}' is corrupted: payload_free_bytes is {(ulong)available}, more than the {RingSize}-byte ring.");

    /// <summary>
    /// Claims the space the last <see cref="Plan"/> needs, once it is free, and returns the frame's
    /// bytes, to be filled before <see cref="Commit"/>.
    /// </summary>
    /// <param name="sequence">The number the frame carries; 0 for the writer's next.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Span<byte> Claim(ulong sequence)
    {
        _claimedLength = _plannedLength; // the claimed frame's plan stays in _plan: Plan refuses to run again before the commit
        _claimedSequence = sequence;
        return new Span<byte>(_ring + _plan.FramePosition + ZeroBufferLayout.FrameHeaderSize, _plannedLength);
    }

    /// <summary>Publishes the claimed frame: header (and marker), then the ordered stores of §3.5, then one wake-up.</summary>
    internal void Commit()
    {
        ref readonly WritePlan plan = ref _plan;
        long total = ZeroBufferLayout.FrameHeaderSize + (long)_claimedLength;
        ulong written = _writtenCount;
        if (plan.WritesMarker)
        {
            FrameHeader.WriteWrapMarker(_ring + _writePosition);
            written++;
        }

        ulong sequence = _claimedSequence != 0 ? _claimedSequence : _nextSequence;
        FrameHeader.Write(_ring + plan.FramePosition, (ulong)_claimedLength, sequence);
        written++;
        long next = plan.FramePosition + total;
        _writePosition = next == RingSize ? 0 : next;
        _writtenCount = written;

        // Space first: a writer killed mid-commit can only leak capacity, never over-credit it. Then
        // the position, the record and the count: a successor finishes a commit interrupted after
        // the position (§5.2). The record sits on the count's cache line, stored right before it, so
        // the line travels to the writer once per commit, as without a record.
        long freeAfter = Interlocked.Add(ref *(long*)&_oieb->PayloadFreeBytes, -plan.Required);
        _freeBound = (ulong)freeAfter <= (ulong)RingSize ? freeAfter : 0; // out of range: the next look reads afresh, and reports it
        Volatile.Write(ref _oieb->PayloadWritePos, (ulong)_writePosition);
        if (_recordsCommits)
        {
            _claim.RecordCommit(_writePosition, written);
        }

        Volatile.Write(ref _oieb->PayloadWrittenCount, written); // release: header and data first; pairs with the reader's acquire
        _dataAvailable.Post();

        if (_claimedSequence == 0)
        {
            _nextSequence++;
        }

        Volatile.Write(ref _framesWritten, _framesWritten + 1);
        Volatile.Write(ref _bytesWritten, _bytesWritten + (ulong)_claimedLength);
        _claimedLength = -1;
        _claimedSequence = 0;
        if ((_framesWritten & StaleTokenDrainInterval) == 0)
        {
            // The reader posts sem-r per release even when nobody waits; a writer that never has
            // to wait would let the count climb towards SEM_VALUE_MAX. Keep it bounded.
            _spaceAvailable.Drain();
        }
    }

    /// <summary>Drops the claimed frame: nothing was published, the next frame reuses the space and number.</summary>
    internal void Abort()
    {
        _claimedLength = -1;
        _claimedSequence = 0;
    }
}
