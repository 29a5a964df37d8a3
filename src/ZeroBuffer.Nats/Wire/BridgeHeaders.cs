namespace ZeroBuffer.Nats;

/// <summary>
/// The NATS headers of bridge messages (docs/bridge.md, "Wire format", bridge wire version 3).
/// Values are ASCII: decimal numbers, the session (32 hex digits), the reason. The headers a frame
/// chunk carries are few on purpose: a client builds and parses a dictionary entry and two strings
/// per header per message, which for small frames costs more than the frame itself.
/// </summary>
public static class BridgeHeaders
{
    /// <summary>The bridge wire version, on every message: <see cref="CurrentVersion"/>.</summary>
    public const string Version = "Zb-Bridge";

    /// <summary>
    /// The wire version this package speaks: 3 (per-frame fields in <see cref="Frame"/>, chunk
    /// fields in <see cref="Chunk"/>, several small frames in one message with <see cref="Batch"/>,
    /// duplex messages chunked). Versions 1 and 2 were never released, and an importer accepts
    /// version 3 only.
    /// </summary>
    public const string CurrentVersion = "3";

    /// <summary>
    /// On <c>P.frame</c>: <c>SESSION SEQ SRC-SEQ</c>, the exporter's session, the bridge sequence
    /// and the frame's sequence in the exporter's local buffer; of the first frame in a batch.
    /// </summary>
    public const string Frame = "Zb-Frame";

    /// <summary>
    /// On a <c>P.frame</c> message carrying several whole frames: <c>COUNT</c>, 2 or more. Its
    /// frames have consecutive bridge and source sequences from those of <see cref="Frame"/>, and
    /// its body is each frame as a 4-byte little-endian length followed by the frame's bytes.
    /// </summary>
    public const string Batch = "Zb-Batch";

    /// <summary>
    /// On a piece of a message larger than one NATS message (a frame chunk, a duplex request or
    /// response): <c>LENGTH OFFSET INDEX COUNT</c>, the whole's length, where this piece starts,
    /// its index from 0 and the piece count. Absent when the whole is one message.
    /// </summary>
    public const string Chunk = "Zb-Chunk";

    /// <summary>On <c>P.meta</c> and <c>P.end</c>: the exporter's session, 32 hex digits, new at each start of an exporter.</summary>
    public const string Session = "Zb-Session";

    /// <summary>On <c>P.meta</c>: the bridge sequence of the first frame the metadata applies to. On a duplex request: the local request's sequence.</summary>
    public const string Sequence = "Zb-Seq";

    /// <summary>On <c>P.end</c>: the last bridge sequence published before the end (0 for none).</summary>
    public const string LastSequence = "Zb-Last-Seq";

    /// <summary>On <c>P.end</c>: <c>closed</c> (the local writer closed), <c>died</c> (it crashed) or <c>stopped</c> (the exporter stopped).</summary>
    public const string Reason = "Zb-Reason";

    /// <summary>On a reply to <c>P.meta.get</c>: <c>none</c> when the exporter has no metadata yet.</summary>
    public const string MetadataState = "Zb-Meta";

    /// <summary>JetStream's de-duplication header (set in JetStream mode): <c>SESSION.SEQ.CHUNK</c>, <c>SESSION.FIRST.bCOUNT</c> (a batch), <c>SESSION.meta</c>, <c>SESSION.end.LAST</c>.</summary>
    public const string MessageId = "Nats-Msg-Id";
}
