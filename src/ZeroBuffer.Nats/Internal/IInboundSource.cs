namespace ZeroBuffer.Nats.Internal;

/// <summary>Where the importer's thread takes messages from, in the order they are to be handled.</summary>
internal interface IInboundSource : IAsyncDisposable
{
    /// <summary>
    /// Waits up to <paramref name="wait"/> for the next message; false on timeout. Blocks the
    /// calling thread (the importer's own).
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    bool TryTake(TimeSpan wait, CancellationToken cancellationToken, out Inbound? message);

    /// <summary>
    /// Everything handed out up to and including <paramref name="message"/> is handled (JetStream:
    /// acknowledged, cumulatively). Waits while the connection is down, until <paramref name="cancellationToken"/>.
    /// </summary>
    void Acknowledge(Inbound message, CancellationToken cancellationToken);
}
