using System.Buffers.Binary;

namespace ZeroBuffer.Bench;

/// <summary>
/// The reply of the paced zero-copy ping-pong: the echo reads the request where it lies in the
/// ring and answers with this small frame instead of copying the request back, so a round trip
/// holds exactly one streaming copy (the pinger producing the request in place), the shape the
/// issue-18 bound "1.5 × paced semaphore p99 + one streaming copy" describes. Two copies per round
/// trip (a relay) are what the upstream-relay rows measure. Layout: the request's first
/// <see cref="HopStamps.MinimumFrameSize"/> bytes (its marker and send stamp, then the echo's
/// stamps), the request's length (u32 LE) at <see cref="LengthOffset"/>, and the request's last
/// byte as the acknowledgement's last byte: a stale, torn or misdirected reply fails the check.
/// </summary>
internal static class InPlaceAcknowledgement
{
    /// <summary>Where the acknowledged request's length is.</summary>
    internal const int LengthOffset = HopStamps.MinimumFrameSize;

    /// <summary>The acknowledgement's size: the stamps, the length, the last byte (8-byte aligned).</summary>
    internal const int Size = LengthOffset + 8;

    /// <summary>Fills <paramref name="acknowledgement"/> (<see cref="Size"/> bytes) for <paramref name="request"/>, read in place.</summary>
    internal static void Write(ReadOnlySpan<byte> request, Span<byte> acknowledgement)
    {
        request[..HopStamps.MinimumFrameSize].CopyTo(acknowledgement);
        BinaryPrimitives.WriteInt32LittleEndian(acknowledgement[LengthOffset..], request.Length);
        acknowledgement[^1] = request[^1];
    }

    /// <summary>Whether <paramref name="acknowledgement"/> answers a request of <paramref name="length"/> bytes marked <paramref name="marker"/> at both ends.</summary>
    internal static bool Answers(ReadOnlySpan<byte> acknowledgement, int length, byte marker) =>
        acknowledgement.Length == Size
        && BinaryPrimitives.ReadInt32LittleEndian(acknowledgement[LengthOffset..]) == length
        && acknowledgement[0] == marker
        && acknowledgement[^1] == marker;
}
