using System.Buffers;

namespace ZeroBuffer.Protocol;

/// <summary>
/// The memory behind <see cref="Frame.Memory"/>: the frame's bytes in the ring, checked on every
/// access, so a <see cref="Memory{T}"/> kept past the frame's disposal throws
/// <see cref="ObjectDisposedException"/> instead of reading bytes the writer may have reused.
/// One small object per <see cref="Frame.Memory"/> call, never reused: a reused one would let an
/// old <see cref="Memory{T}"/> see a newer frame.
/// </summary>
internal sealed unsafe class FrameMemory : MemoryManager<byte>
{
    private readonly RingReader _owner;
    private readonly long _ticket;
    private readonly byte* _data;
    private readonly int _length;

    internal FrameMemory(RingReader owner, long ticket, byte* data, int length)
    {
        _owner = owner;
        _ticket = ticket;
        _data = data;
        _length = length;
    }

    /// <exception cref="ObjectDisposedException">The frame (or its reader) was disposed.</exception>
    public override Span<byte> GetSpan()
    {
        _owner.EnsureHeld(_ticket);
        return new Span<byte>(_data, _length);
    }

    /// <summary>
    /// The frame's bytes do not move (shared memory), so pinning is only a pointer; the pointer is
    /// valid until the frame is disposed, which nothing here can enforce.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The frame (or its reader) was disposed.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="elementIndex"/> is outside the frame.</exception>
    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, _length);
        _owner.EnsureHeld(_ticket);
        return new MemoryHandle(_data + elementIndex);
    }

    /// <summary>Nothing to undo: shared memory is never moved.</summary>
    public override void Unpin()
    {
    }

    /// <summary>Nothing to free: the ring owns the bytes.</summary>
    protected override void Dispose(bool disposing)
    {
    }
}
