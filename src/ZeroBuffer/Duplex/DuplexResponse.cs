namespace ZeroBuffer.Duplex;

/// <summary>A response received by <see cref="IDuplexClient.SendAsync"/>: a private copy of the payload, with the sequence of the request it answers.</summary>
public sealed class DuplexResponse
{
    internal DuplexResponse(ulong sequence, byte[] payload)
    {
        Sequence = sequence;
        Payload = payload;
    }

    /// <summary>The sequence number of the request this answers.</summary>
    public ulong Sequence { get; }

    /// <summary>The response bytes (owned by this object, not the ring).</summary>
    public ReadOnlyMemory<byte> Payload { get; }
}
