using System.Globalization;

namespace ZeroBuffer.Nats.Wire;

/// <summary>
/// Where one message's bytes go in a message larger than the server's <c>max_payload</c> (a frame,
/// or a duplex request or response): the whole's length, this piece's offset, its index and the
/// piece count, carried in one header, <c>Zb-Chunk: LENGTH OFFSET INDEX COUNT</c> (ASCII decimal,
/// single spaces). A whole that fits one message carries no such header: it is
/// <see cref="Whole"/>. The receiver places each piece by its offset and needs no other state.
/// </summary>
internal readonly record struct ChunkHeader(int Length, int Offset, int Index, int Count)
{
    /// <summary>The header of a whole that is one message of <paramref name="length"/> bytes.</summary>
    internal static ChunkHeader Whole(int length) => new(length, 0, 0, 1);

    /// <summary>Whether the whole is in more than one message (and the header travels).</summary>
    internal bool IsChunked => Count > 1;

    /// <summary>The header's value.</summary>
    internal string Format() => string.Create(CultureInfo.InvariantCulture, $"{Length} {Offset} {Index} {Count}");

    /// <summary>
    /// Reads a header value and checks it against the piece's <paramref name="payloadLength"/>:
    /// a length of 1 to 2³¹−1, an index below the count, a count of at most the length, the piece
    /// inside the whole, and the last piece ending the whole. <paramref name="value"/> null means
    /// no header: the payload is the whole.
    /// </summary>
    internal static bool TryParse(string? value, int payloadLength, out ChunkHeader header, out string? problem)
    {
        header = default;
        if (value is null)
        {
            if (payloadLength == 0)
            {
                problem = "an empty message has no Zb-Chunk header to say what it is";
                return false;
            }

            header = Whole(payloadLength);
            problem = null;
            return true;
        }

        ReadOnlySpan<char> rest = value;
        if (!TryNext(ref rest, out ulong length) || !TryNext(ref rest, out ulong offset) || !TryNext(ref rest, out ulong index)
            || !TryNext(ref rest, out ulong count) || !rest.IsEmpty)
        {
            problem = $"the Zb-Chunk header '{value}' is not LENGTH OFFSET INDEX COUNT";
            return false;
        }

        if (length is 0 or > int.MaxValue || count == 0 || count > length || index >= count || payloadLength == 0
            || offset + (ulong)payloadLength > length || (index == count - 1 && offset + (ulong)payloadLength != length))
        {
            problem = $"chunk {index}/{count} is impossible: length {length}, offset {offset}, {payloadLength} bytes";
            return false;
        }

        header = new ChunkHeader((int)length, (int)offset, (int)index, (int)count);
        problem = null;
        return true;
    }

    /// <summary>Reads the next number of a space-separated value (ASCII digits only).</summary>
    internal static bool TryNext(ref ReadOnlySpan<char> rest, out ulong value)
    {
        int end = rest.IndexOf(' ');
        ReadOnlySpan<char> token = end < 0 ? rest : rest[..end];
        rest = end < 0 ? [] : rest[(end + 1)..];
        return ulong.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
