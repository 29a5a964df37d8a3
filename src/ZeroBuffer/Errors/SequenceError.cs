using System.Diagnostics.CodeAnalysis;

namespace ZeroBuffer;

/// <summary>
/// A frame arrived with a sequence number other than the one expected: frames were lost,
/// duplicated or corrupted. The frame is not consumed: the next read returns it, and the
/// reader expects its successors from then on.
/// </summary>
[SuppressMessage("Naming", "CA1710:Identifiers should have correct suffix", Justification = "The protocol's name for this error, shared with the other implementations.")]
public sealed class SequenceError : ZeroBufferException
{
    /// <summary>Creates the error.</summary>
    public SequenceError(string bufferName, ulong expected, ulong actual)
        : base(ZeroBufferErrorKind.SequenceError, bufferName,
               $"Sequence error in buffer '{bufferName}': expected {expected}, got {actual}.")
    {
        Expected = expected;
        Actual = actual;
    }

    /// <summary>The sequence number the reader expected.</summary>
    public ulong Expected { get; }

    /// <summary>The sequence number the frame carried.</summary>
    public ulong Actual { get; }
}
