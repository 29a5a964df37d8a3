namespace ZeroBuffer.Nats;

/// <summary>Why an exporter ended a stream (<c>Zb-Reason</c> of <c>P.end</c>).</summary>
public enum EndReason
{
    /// <summary>The exporter's local writer closed the stream on purpose (<c>closed</c>).</summary>
    Closed = 0,

    /// <summary>The exporter's local writer crashed (<c>died</c>).</summary>
    Died = 1,

    /// <summary>The exporter was stopped (<c>stopped</c>).</summary>
    Stopped = 2,
}
