namespace ZeroBuffer.Nats.Duplex;

/// <summary>
/// A duplex request or response larger than one NATS message did not arrive whole within the
/// request's timeout: some of its pieces came, the rest never did (the other side's bridge died
/// or lost its connection mid-way, or a piece was dropped). The client bridge's handler throws it,
/// so the local caller's request fails with a <see cref="ZeroBuffer.Duplex.DuplexHandlerException"/>
/// naming this type, as it would for any failure of a local handler; the server bridge answers an
/// incomplete request with it.
/// </summary>
public sealed class NatsIncompleteMessageException : NatsBridgeException
{
    /// <summary>Creates the error for channel <paramref name="channelName"/>: <paramref name="received"/> of <paramref name="count"/> pieces of a <paramref name="length"/>-byte message.</summary>
    public NatsIncompleteMessageException(string channelName, string what, int length, int received, int count, TimeSpan timeout)
        : base(channelName, $"The {what} of {length} bytes arrived incomplete: {received} of its {count} pieces within {timeout.TotalMilliseconds:0} ms (the other side's bridge stopped sending mid-way, or a piece was lost).")
    {
        Length = length;
        Received = received;
        Count = count;
    }

    /// <summary>Creates the error with a message.</summary>
    public NatsIncompleteMessageException()
        : base(null, "A duplex message arrived incomplete.")
    {
    }

    /// <summary>Creates the error with a message.</summary>
    public NatsIncompleteMessageException(string message)
        : base(null, message)
    {
    }

    /// <summary>Creates the error with a message and its cause.</summary>
    public NatsIncompleteMessageException(string message, Exception innerException)
        : base(null, message, innerException)
    {
    }

    /// <summary>The whole message's length in bytes (0 when unknown).</summary>
    public int Length { get; }

    /// <summary>Pieces that arrived.</summary>
    public int Received { get; }

    /// <summary>Pieces the message had.</summary>
    public int Count { get; }
}
