namespace ZeroBuffer.Nats.Wire;

/// <summary>
/// How a frame is cut into messages: every chunk but the last has <see cref="ChunkSize"/> bytes.
/// The server's <c>max_payload</c> bounds a whole message, headers included, so a chunk's payload
/// is <c>max_payload − HeaderReserve</c> at most (docs/bridge.md, "Sizing max_payload and chunks").
/// </summary>
internal readonly record struct ChunkPlan(int ChunkSize)
{
    /// <summary>
    /// Bytes left for a message's headers: the bridge's take about 350 (with the JetStream message
    /// id), and tracing headers the client may add about 100 more.
    /// </summary>
    internal const int HeaderReserve = 1024;

    /// <summary>The plan for a server whose <c>max_payload</c> is <paramref name="maxPayload"/>, capped at <paramref name="maxChunkSize"/>.</summary>
    internal static ChunkPlan For(long maxPayload, int? maxChunkSize)
    {
        long room = maxPayload - HeaderReserve;
        if (room < 1)
        {
            throw new NatsBridgeException($"The server's max_payload of {maxPayload} bytes leaves no room for a chunk: it must be more than {HeaderReserve} bytes (the bridge's header reserve).");
        }

        long size = maxChunkSize is int cap ? Math.Min(cap, room) : room;
        return new ChunkPlan((int)Math.Min(size, int.MaxValue));
    }

    /// <summary>How many chunks a frame of <paramref name="length"/> bytes takes.</summary>
    internal int CountFor(int length) => Math.Max(1, (int)(((long)length + ChunkSize - 1) / ChunkSize));

    /// <summary>Chunk <paramref name="index"/> of a whole of <paramref name="length"/> bytes: where it starts, and its header.</summary>
    internal ChunkHeader Chunk(int length, int index) => new(length, index * ChunkSize, index, CountFor(length));

    /// <summary>The bytes of chunk <paramref name="header"/> in <paramref name="whole"/>.</summary>
    internal ReadOnlyMemory<byte> Slice(ReadOnlyMemory<byte> whole, ChunkHeader header) =>
        whole.Slice(header.Offset, Math.Min(ChunkSize, header.Length - header.Offset));
}
