namespace ZeroBuffer.Nats;

/// <summary>
/// A run of consecutive frames of one exporter session that did not reach the local buffer:
/// bridge sequences <see cref="FirstSequence"/> to <see cref="FirstSequence"/> + <see cref="Count"/> − 1.
/// </summary>
public sealed class NatsGapEventArgs : EventArgs
{
    /// <summary>Creates the report.</summary>
    public NatsGapEventArgs(GapKind kind, string session, ulong firstSequence, ulong count)
    {
        Kind = kind;
        Session = session;
        FirstSequence = firstSequence;
        Count = count;
    }

    /// <summary>Why the frames are missing.</summary>
    public GapKind Kind { get; }

    /// <summary>The exporter session the frames belong to (<c>Zb-Session</c>).</summary>
    public string Session { get; }

    /// <summary>The bridge sequence of the first missing frame.</summary>
    public ulong FirstSequence { get; }

    /// <summary>How many consecutive frames are missing (at least 1).</summary>
    public ulong Count { get; }

    /// <summary>The bridge sequence of the last missing frame.</summary>
    public ulong LastSequence => FirstSequence + Count - 1;

    /// <inheritdoc/>
    public override string ToString() => $"{Kind}: frames {FirstSequence}-{LastSequence} ({Count}) of session {Session}";
}
