using System.Buffers;
using ZeroBuffer.Nats.Wire;

namespace ZeroBuffer.Nats.Internal;

/// <summary>
/// Puts a duplex request or response that came in several messages back together (see
/// <see cref="ChunkHeader"/>): a buffer of the whole's length, rented from the shared pool when the
/// first piece comes and returned on <see cref="Dispose"/>; each piece copied to its offset as it
/// comes (so no message buffer is held), a piece seen twice ignored. Memory is bounded by the
/// caller: it refuses a whole larger than its limit before starting (<see cref="TryStart"/>).
/// </summary>
internal sealed class ChunkAssembly : IDisposable
{
    private readonly ChunkHeader _shape;
    private readonly bool[] _received;
    private byte[]? _buffer;

    private ChunkAssembly(ChunkHeader shape)
    {
        _shape = shape;
        _received = new bool[shape.Count];
        _buffer = ArrayPool<byte>.Shared.Rent(shape.Length);
    }

    /// <summary>Pieces received so far.</summary>
    internal int Received { get; private set; }

    /// <summary>Pieces of the whole.</summary>
    internal int Count => _shape.Count;

    /// <summary>The whole's length.</summary>
    internal int Length => _shape.Length;

    /// <summary>Whether every piece came.</summary>
    internal bool IsComplete => Received == _shape.Count;

    /// <summary>The whole, once complete (valid until disposed).</summary>
    internal ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, _shape.Length);

    /// <summary>Starts the assembly a piece of <paramref name="first"/>'s whole announces; false (with why) when the whole is over <paramref name="maxLength"/>.</summary>
    internal static bool TryStart(ChunkHeader first, long maxLength, out ChunkAssembly? assembly, out string? problem)
    {
        if (first.Length > maxLength)
        {
            assembly = null;
            problem = $"{first.Length} bytes is more than the {maxLength} bytes this bridge reassembles (NatsDuplexOptions.MaxMessageBytes)";
            return false;
        }

        assembly = new ChunkAssembly(first);
        problem = null;
        return true;
    }

    /// <summary>Copies a piece to its place; false (with why) when it does not belong to this whole.</summary>
    internal bool TryAdd(ChunkHeader piece, ReadOnlySpan<byte> payload, out string? problem)
    {
        ObjectDisposedException.ThrowIf(_buffer is null, this);
        if (piece.Length != _shape.Length || piece.Count != _shape.Count)
        {
            problem = $"piece {piece.Index} says the whole is {piece.Length} bytes in {piece.Count} pieces, the first said {_shape.Length} in {_shape.Count}";
            return false;
        }

        problem = null;
        if (_received[piece.Index])
        {
            return true; // seen already: nothing new
        }

        payload.CopyTo(_buffer.AsSpan(piece.Offset));
        _received[piece.Index] = true;
        Received++;
        return true;
    }

    /// <summary>Returns the buffer to the pool.</summary>
    public void Dispose()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
    }
}
