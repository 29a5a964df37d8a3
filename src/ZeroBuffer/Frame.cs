using ZeroBuffer.Protocol;

namespace ZeroBuffer;

/// <summary>
/// A frame read from a buffer: a view straight into the shared ring (zero copy), valid until
/// disposed. Disposing gives its ring space back to the writer; frames may be disposed in any
/// order (space returns in ring order) and disposing twice does nothing.
/// </summary>
/// <remarks>
/// <see cref="Reader.ReadFrame"/> returns an invalid frame (<see cref="IsValid"/> false) when no frame
/// arrived in time. Accessing <see cref="Span"/> after dispose throws <see cref="ObjectDisposedException"/>;
/// a span obtained earlier must not be used after dispose, since the writer may reuse the bytes.
/// </remarks>
/// <example>
/// <code>
/// using var reader = new Reader("cam0", new BufferConfig(4096, 64 &lt;&lt; 20));
/// using Frame frame = reader.ReadFrame(TimeSpan.FromSeconds(1));
/// if (frame.IsValid) Process(frame.Span, frame.Sequence);
/// </code>
/// </example>
public readonly unsafe struct Frame : IDisposable, IEquatable<Frame>
{
    private readonly RingReader? _owner;
    private readonly long _ticket;
    private readonly byte* _data;

    internal Frame(RingReader owner, long ticket, byte* data, int size, ulong sequence)
    {
        _owner = owner;
        _ticket = ticket;
        _data = data;
        Size = size;
        Sequence = sequence;
    }

    /// <summary>The "no frame" value.</summary>
    public static Frame Invalid => default;

    /// <summary>True for a frame that was read; false for the "no frame" result of a timeout.</summary>
    public bool IsValid => _owner is not null;

    /// <summary>Payload length in bytes.</summary>
    public int Size { get; }

    /// <summary>The writer's sequence number for this frame (1, 2, … per writer connection).</summary>
    public ulong Sequence { get; }

    /// <summary>The payload, in shared memory. Empty for an invalid frame.</summary>
    /// <exception cref="ObjectDisposedException">The frame (or its reader) was disposed.</exception>
    public ReadOnlySpan<byte> Span => GetMutableSpan();

    /// <summary>
    /// The payload as memory in the ring (zero copy) that may be held across awaits until the
    /// frame is disposed; after that, any access through it throws
    /// <see cref="ObjectDisposedException"/>, so it never reads bytes the writer has reused.
    /// Empty for an invalid frame. Each call allocates one small object (use <see cref="Span"/>
    /// where no await intervenes).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The frame (or its reader) was disposed.</exception>
    public ReadOnlyMemory<byte> Memory
    {
        get
        {
            if (_owner is null)
            {
                return ReadOnlyMemory<byte>.Empty;
            }

            _owner.EnsureHeld(_ticket);
            return new FrameMemory(_owner, _ticket, _data, Size).Memory;
        }
    }

    /// <summary>
    /// The payload as writable memory, for in-place processing (the mutable duplex server). The
    /// writer never touches these bytes until the frame is disposed.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The frame (or its reader) was disposed.</exception>
    public Span<byte> GetMutableSpan()
    {
        if (_owner is null)
        {
            return [];
        }

        _owner.EnsureHeld(_ticket);
        return new Span<byte>(_data, Size);
    }

    /// <summary>Copies the payload to a new array.</summary>
    public byte[] ToArray() => Span.ToArray();

    /// <summary>Returns the frame's ring space to the writer. Idempotent; safe from any thread.</summary>
    public void Dispose() => _owner?.Release(_ticket);

    /// <inheritdoc/>
    public bool Equals(Frame other) => ReferenceEquals(_owner, other._owner) && _ticket == other._ticket && _data == other._data;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Frame other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_owner, _ticket);

    /// <summary>Whether two values denote the same read of the same frame.</summary>
    public static bool operator ==(Frame left, Frame right) => left.Equals(right);

    /// <summary>Whether two values denote different frames.</summary>
    public static bool operator !=(Frame left, Frame right) => !left.Equals(right);

    /// <inheritdoc/>
    public override string ToString() => IsValid ? $"Frame #{Sequence} ({Size} bytes)" : "Frame (invalid)";
}
