namespace ZeroBuffer.Nats;

/// <summary>The exporter's local stream ended (<c>P.end</c>).</summary>
public sealed class NatsStreamEndedEventArgs : EventArgs
{
    /// <summary>Creates the report.</summary>
    public NatsStreamEndedEventArgs(string session, ulong lastSequence, EndReason reason)
    {
        Session = session;
        LastSequence = lastSequence;
        Reason = reason;
    }

    /// <summary>The exporter session.</summary>
    public string Session { get; }

    /// <summary>The last bridge sequence the exporter published before the end (0 for none).</summary>
    public ulong LastSequence { get; }

    /// <summary>Why the stream ended.</summary>
    public EndReason Reason { get; }
}
