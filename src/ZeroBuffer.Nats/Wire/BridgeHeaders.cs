namespace ZeroBuffer.Nats;

/// <summary>
/// The NATS headers of bridge messages (docs/bridge.md, "Wire format"). Values are ASCII
/// decimal numbers, except the session (32 hex digits) and the reason.
/// </summary>
public static class BridgeHeaders
{
    /// <summary>The bridge wire version, on every message: <see cref="CurrentVersion"/>.</summary>
    public const string Version = "Zb-Bridge";

    /// <summary>The wire version this package speaks.</summary>
    public const string CurrentVersion = "1";

    /// <summary>The exporter's session: 32 hex digits, new at each start of an exporter.</summary>
    public const string Session = "Zb-Session";

    /// <summary>The frame's bridge sequence: 1, 2, … per session, one per frame, never reused.</summary>
    public const string Sequence = "Zb-Seq";

    /// <summary>The frame's sequence in the exporter's local buffer (per local writer; informational).</summary>
    public const string SourceSequence = "Zb-Src-Seq";

    /// <summary>The frame's total length in bytes.</summary>
    public const string Length = "Zb-Length";

    /// <summary>Where this chunk's bytes start in the frame.</summary>
    public const string Offset = "Zb-Offset";

    /// <summary>The chunk's index in its frame, from 0.</summary>
    public const string Chunk = "Zb-Chunk";

    /// <summary>How many chunks the frame has.</summary>
    public const string Chunks = "Zb-Chunks";

    /// <summary>On <c>P.end</c>: the last bridge sequence published before the end (0 for none).</summary>
    public const string LastSequence = "Zb-Last-Seq";

    /// <summary>On <c>P.end</c>: <c>closed</c> (the local writer closed), <c>died</c> (it crashed) or <c>stopped</c> (the exporter stopped).</summary>
    public const string Reason = "Zb-Reason";

    /// <summary>On a reply to <c>P.meta.get</c>: <c>none</c> when the exporter has no metadata yet.</summary>
    public const string MetadataState = "Zb-Meta";

    /// <summary>JetStream's de-duplication header (set in JetStream mode): <c>SESSION.SEQ.CHUNK</c>, <c>SESSION.meta</c>, <c>SESSION.end.LAST</c>.</summary>
    public const string MessageId = "Nats-Msg-Id";
}
